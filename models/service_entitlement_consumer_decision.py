from odoo import fields, models
from odoo.exceptions import AccessError, UserError


class ServiceEntitlementConsumerMixin(models.AbstractModel):
    """Decisions taken on a document, in one set of fields
    (``entitlement_decision*``): an entitlement manager's override of a
    block, or goodwill."""

    _inherit = "service.entitlement.consumer.mixin"

    def _entitlement_can_override(self):
        return self.env.user.has_group("service_entitlement.group_entitlement_manager")

    def _entitlement_override_decision(self):
        """The decision stored on the document to go beyond a blocking
        entitlement: {bill, reason, user}, or None."""
        self.ensure_one()
        if self.entitlement_decision != "override":
            return None
        return {
            "bill": self.entitlement_decision_bill,
            "reason": self.entitlement_decision_reason or "",
            "user": self.entitlement_decision_user_id or self.env.user,
        }

    def _entitlement_decide(self, decision, reason, bill=False):
        """Record ``decision`` on the documents, with who, when and why, and
        say it in each document's chatter."""
        self._entitlement_write_technical(
            {
                "entitlement_decision": decision,
                "entitlement_decision_bill": bool(bill),
                "entitlement_decision_reason": reason,
                "entitlement_decision_user_id": self.env.user.id,
                "entitlement_decision_date": fields.Datetime.now(),
            }
        )
        if not hasattr(self, "message_post"):
            return
        for doc in self:
            entitlement = doc._entitlement_terms().display_name
            if decision == "override":
                body = self.env._(
                    "%(user)s overrides the block of %(entitlement)s%(bill)s: "
                    "%(reason)s",
                    user=self.env.user.name,
                    entitlement=entitlement,
                    bill=self.env._(", overage billed") if bill else "",
                    reason=reason,
                )
            else:
                body = self.env._(
                    "%(user)s grants goodwill: covered by %(entitlement)s "
                    "without using its terms. Reason: %(reason)s",
                    user=self.env.user.name,
                    entitlement=entitlement,
                    reason=reason,
                )
            doc.message_post(body=body)

    def _entitlement_set_override(self, reason, bill=False):
        """Store an entitlement manager's decision to go beyond a blocking
        entitlement, with who, when and why; it holds whatever path later
        confirms the document."""
        if not self._entitlement_can_override():
            raise UserError(
                self.env._("Only entitlement managers can override a blocked repair.")
            )
        if not (reason or "").strip():
            raise UserError(self.env._("Give the reason for the override."))
        for doc in self:
            entitlement = doc._entitlement_terms()
            if doc.entitlement_decision == "goodwill":
                raise UserError(
                    self.env._(
                        "%(doc)s is covered by goodwill: it uses no terms, "
                        "nothing blocks it.",
                        doc=doc.display_name,
                    )
                )
            if bill and not entitlement.overage_product_id:
                raise UserError(
                    self.env._(
                        "%(entitlement)s has no overage product: the overage of "
                        "%(doc)s cannot be billed. Set one on the entitlement, or "
                        "override without billing.",
                        entitlement=entitlement.display_name,
                        doc=doc.display_name,
                    )
                )
        self._entitlement_decide("override", reason.strip(), bill=bill)

    def _entitlement_can_grant_goodwill(self):
        return self.env.user.has_group("service_entitlement.group_service_desk")

    def _entitlement_set_goodwill(self, reason):
        """Cover the documents by their entitlement without using its terms
        (Dynamics 365's "do not decrement entitlement terms"), with who, when
        and why.  A document that already used terms gives them back and
        holds a zero row instead."""
        if not self._entitlement_can_grant_goodwill():
            raise AccessError(self.env._("Only the service desk can grant goodwill."))
        reason = (reason or "").strip()
        if not reason:
            raise UserError(self.env._("Give the reason for the goodwill."))
        for doc in self:
            if not doc.entitlement_id:
                raise UserError(
                    self.env._(
                        "%(doc)s has no entitlement: goodwill covers a document "
                        "by its entitlement without using the terms. Choose "
                        "the entitlement first.",
                        doc=doc.display_name,
                    )
                )
            if not doc._entitlement_goodwill_allowed():
                raise UserError(
                    self.env._(
                        "%(doc)s is closed: goodwill can no longer be granted.",
                        doc=doc.display_name,
                    )
                )
        self._entitlement_decide("goodwill", reason)
        self._entitlement_sync()
        self._entitlement_invalidate()
