from odoo import fields, models
from odoo.exceptions import UserError

from .ledger_guard import ledger_writer
from .mail_composer import composer_action


class ServiceEntitlement(models.Model):
    """A service contract quote: sent to the customer, signed on the portal
    (or accepted without signature by an entitlement manager), activated."""

    _inherit = "service.entitlement"

    def action_quote_send(self):
        """Email the quote with a link to review and sign it on the portal."""
        self.ensure_one()
        self._check_manager()
        if not self.is_quote or self.state != "draft":
            raise UserError(
                self.env._(
                    "Only a draft quote can be sent; %(name)s is not one.",
                    name=self.display_name,
                )
            )
        if not self.contract_line_ids:
            raise UserError(
                self.env._(
                    "Add the items %(name)s covers before sending it.",
                    name=self.display_name,
                )
            )
        return composer_action(
            self,
            "service_entitlement.mail_template_contract_quote",
            "mail.mail_notification_layout_with_responsible_signature",
            mark_quote_as_sent=True,
            force_email=True,
        )

    def message_post(self, **kwargs):
        # Only whoever may send a quote marks it sent (the context key comes
        # from the Send action's composer, which any client could imitate).
        if self.env.context.get("mark_quote_as_sent") and (
            self.env.su
            or self.env.user.has_group("service_entitlement.group_entitlement_manager")
        ):
            quotes = self.filtered(
                lambda r: r.is_quote and r.state == "draft" and not r.quote_sent
            )
            quotes._flow_write({"quote_sent": True})
        return super().message_post(**kwargs)

    def action_quote_accept_without_signature(self):
        """Open the wizard that records why a quote is accepted unsigned."""
        self.ensure_one()
        self._check_manager()
        action = self.env["ir.actions.actions"]._for_xml_id(
            "service_entitlement.service_entitlement_accept_wizard_action"
        )
        action["context"] = {"default_entitlement_id": self.id}
        return action

    def _quote_accept_without_signature(self, reason):
        """An entitlement manager accepts the quote for the customer (signed
        on paper, agreed by phone): who, when and why are kept, and the
        contract is activated."""
        self.ensure_one()
        self._check_manager()
        reason = (reason or "").strip()
        if not reason:
            raise UserError(self.env._("Say why the quote is accepted unsigned."))
        if not self.is_quote or self.state != "draft" or self.signed_on:
            raise UserError(
                self.env._(
                    "%(name)s is not a quote waiting for its customer's acceptance.",
                    name=self.display_name,
                )
            )
        with ledger_writer():
            self.write(
                {
                    "accepted_without_signature_reason": reason,
                    "accepted_without_signature_user_id": self.env.uid,
                    "accepted_without_signature_date": fields.Datetime.now(),
                }
            )
        self.action_activate()
        self.message_post(
            body=self.env._(
                "Quote accepted without signature by %(user)s: %(reason)s",
                user=self.env.user.name,
                reason=reason,
            )
        )
        return True

    def _quote_can_be_signed(self):
        self.ensure_one()
        return (
            self.is_quote
            and self.quote_sent
            and self.state == "draft"
            and not self.signed_on
            and self.date_end >= fields.Date.context_today(self)
            and not self._blocked_lines_in_force()
        )

    def _quote_accept(self, name, signature):
        """The customer accepts the quote on the portal: the signature, signer
        and date are stored, and the contract is activated (its recurring
        invoicing created)."""
        self.ensure_one()
        if self.signed_on:
            raise UserError(
                self.env._(
                    "%(name)s was already signed by %(signer)s.",
                    name=self.display_name,
                    signer=self.signed_by,
                )
            )
        self._blocked_lines_in_force().lot_id._check_service_blocked(
            "contracts", self.env._("signing %(name)s", name=self.display_name)
        )
        if not self._quote_can_be_signed():
            raise UserError(
                self.env._("%(name)s cannot be signed.", name=self.display_name)
            )
        if not (name and signature):
            raise UserError(self.env._("Sign with your name and signature."))
        # sudo: the customer signs; the signature and the activation are the flow's
        contract = self.sudo()
        with ledger_writer():
            contract.write(
                {
                    "signature": signature,
                    "signed_by": name,
                    "signed_on": fields.Datetime.now(),
                }
            )
        contract.action_activate()
        contract.message_post(
            body=self.env._("Quote signed on the portal by %(name)s.", name=name)
        )
        return True
