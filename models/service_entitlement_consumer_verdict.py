from odoo import api, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import float_compare, format_date

from . import payer
from .service_entitlement_consumer_mixin import (
    MATCH_ALL,
    MATCH_CATEGORY,
    MATCH_LOT,
    MATCH_PRODUCT,
)


class ServiceEntitlementConsumerMixin(models.AbstractModel):
    """The verdict and its explanation, and the checks that keep the
    document's entitlement one that may cover it."""

    _inherit = "service.entitlement.consumer.mixin"

    @api.depends(
        lambda self: [
            *self._entitlement_match_depends(),
            "entitlement_id",
            "entitlement_id.remaining_terms",
            "entitlement_cycle",
        ]
    )
    def _compute_entitlement_coverage(self):
        # The verdict alone: Under Warranty and the cost coverage follow it,
        # and need not pay for the explanation's formatting.
        docs = self._service_using("entitlements")
        (self - docs).entitlement_coverage = "none"
        lives = docs._entitlement_live_consumptions(include_open=False)
        Ledger = self.env["service.entitlement.consumption"]
        for doc in docs:
            doc.entitlement_coverage = doc._entitlement_verdict(
                lives.get(doc.id, Ledger), explain=False
            )[0]

    @api.depends(
        lambda self: [
            *self._entitlement_match_depends(),
            "entitlement_id",
            "entitlement_id.remaining_terms",
            "entitlement_cycle",
        ]
    )
    def _compute_entitlement_explanation(self):
        docs = self._service_using("entitlements")
        (self - docs).entitlement_explanation = False
        lives = docs._entitlement_live_consumptions(include_open=False)
        Ledger = self.env["service.entitlement.consumption"]
        for doc in docs:
            doc.entitlement_explanation = doc._entitlement_verdict(
                lives.get(doc.id, Ledger)
            )[1]

    def _entitlement_check_can_change(self, entitlement_id):
        """A document that holds a consumption keeps its entitlement until the
        consumption is given back (reset to draft, or cancel)."""
        lives = self._entitlement_live_consumptions(include_open=False)
        for doc in self:
            if doc.id in lives and doc.entitlement_id.id != (entitlement_id or False):
                raise UserError(
                    self.env._(
                        "%(doc)s has already used %(entitlement)s: reset it to "
                        "draft before choosing another entitlement.",
                        doc=doc.display_name,
                        entitlement=doc._entitlement_terms().display_name,
                    )
                )

    def _entitlement_check_eligible(self, lives=None):
        """The entitlement set on each document is one of its eligible ones:
        its customer's (or the customer's company's), of its company, valid on
        its date, covering its item, not excluding its fault reason."""
        if lives is None:
            lives = self._entitlement_live_consumptions(include_open=False)
        for doc in self.filtered("entitlement_id"):
            entitlement = doc._entitlement_terms()
            if doc.id in lives and lives[doc.id].entitlement_id == entitlement:
                continue
            if entitlement not in doc._entitlement_eligible():
                raise ValidationError(
                    self.env._(
                        "%(entitlement)s cannot cover %(doc)s: only an active "
                        "entitlement of the document's customer and company, "
                        "valid on its date, covering its item and not excluding "
                        "its fault reason can be chosen.",
                        entitlement=entitlement.display_name,
                        doc=doc.display_name,
                    )
                )

    def _entitlement_check_still_covered(self, lives):
        """A document holding a consumption may not move to another customer,
        company or item than its entitlement covers."""
        for doc in self.filtered(lambda d: d.id in lives):
            entitlement = lives[doc.id].entitlement_id
            if entitlement not in doc._entitlement_candidates():
                raise ValidationError(
                    self.env._(
                        "%(doc)s has used %(entitlement)s, which does not cover "
                        "its new customer, company or item: reset it to draft "
                        "first.",
                        doc=doc.display_name,
                        entitlement=entitlement.display_name,
                    )
                )

    def _entitlement_check_usable(self, entitlement):
        date = self._entitlement_get_date()
        if not self._entitlement_is_valid_on(entitlement, date):
            raise UserError(
                self.env._(
                    "%(doc)s cannot use %(entitlement)s: it is not valid on "
                    "%(date)s. Choose another entitlement or none.",
                    doc=self.display_name,
                    entitlement=entitlement.display_name,
                    date=format_date(self.env, date),
                )
            )
        if self._entitlement_excludes(entitlement):
            raise UserError(
                self.env._(
                    "%(doc)s cannot use %(entitlement)s: it excludes %(reason)s.",
                    doc=self.display_name,
                    entitlement=entitlement.display_name,
                    reason=self._entitlement_get_fault_reason().name,
                )
            )
        suspension = self._entitlement_suspended(entitlement)
        if suspension:
            raise UserError(
                self.env._(
                    "%(doc)s cannot use %(entitlement)s: %(why)s. Do the planned "
                    "service first, or choose no entitlement.",
                    doc=self.display_name,
                    entitlement=entitlement.display_name,
                    why=self._entitlement_explain_suspension(entitlement, *suspension),
                )
            )
        held = self.env["service.entitlement.consumption"]  # none: taking
        if (
            entitlement.allocation_type == "hours"
            and not self._entitlement_waiver(held)
            and not float_compare(
                self._entitlement_get_hours(), 0.0, precision_digits=2
            )
            > 0
        ):
            raise UserError(
                self.env._(
                    "%(entitlement)s counts hours: record the labour hours of "
                    "%(doc)s first.",
                    entitlement=entitlement.display_name,
                    doc=self.display_name,
                )
            )

    # ------------------------------------------------------------------
    # Who pays (models/payer.py decides; here are the facts it reads)
    # ------------------------------------------------------------------

    def _entitlement_payer_facts(self, live):
        """What the payer decision reads of the document, as plain values
        (callables for what costs a query, read only when the decision gets
        to it); ``live`` is its consumption of the current cycle, if any."""
        self.ensure_one()
        entitlement = self._entitlement_terms()
        if not entitlement:
            return {"entitlement": False}
        return {
            "entitlement": True,
            "excluded": lambda: bool(self._entitlement_excludes(entitlement)),
            "valid": lambda: self._entitlement_is_valid_on(
                entitlement, self._entitlement_get_date()
            ),
            "goodwill": self.entitlement_decision == "goodwill",
            "suspended": lambda: bool(self._entitlement_suspension(entitlement)),
            "parts_percent": lambda: entitlement.parts_coverage_percent,
            "labor_percent": lambda: entitlement.labor_coverage_percent,
            "live": live and (live.quantity, live.overage_quantity, live.bill_overage),
            "limit_policy": lambda: entitlement.limit_policy,
            "need": lambda: self._entitlement_quantity(entitlement),
            "left": lambda: entitlement._remaining_for_channel(
                self._entitlement_get_channel()
            ),
            "override": self._entitlement_override_decision,
        }

    def _entitlement_plan(self, live=None, terms=True):
        """Who pays for the document and how (a :class:`payer.Plan`);
        ``live`` is its consumption of the current cycle (read if None,
        an empty recordset for none); without ``terms``, see
        :func:`payer.decide`."""
        self.ensure_one()
        if live is None:
            live = self._entitlement_live_consumptions(include_open=False).get(
                self.id, self.env["service.entitlement.consumption"]
            )
        return payer.decide(self._entitlement_payer_facts(live), terms=terms)

    def _entitlement_waiver(self, live=None):
        """Why the document is covered without using its entitlement's terms:
        {waiver (a code of the ledger's ``waiver``), note, user}, or None."""
        plan = self._entitlement_plan(live, terms=False)
        return plan.waiver and self._entitlement_waiver_details(plan)

    def _entitlement_waiver_details(self, plan):
        """{waiver, note, user} of the plan's waiver (the ledger's row)."""
        if plan.waiver == "goodwill":
            return {
                "waiver": "goodwill",
                "note": self.env._(
                    "Goodwill: %(reason)s", reason=self.entitlement_decision_reason
                ),
                "user": self.entitlement_decision_user_id or self.env.user,
            }
        return {"waiver": plan.waiver, "note": plan.waiver, "user": self.env.user}

    def _entitlement_verdict(self, live, explain=True):
        """(verdict, one-line explanation) for the document as it stands;
        ``live`` is its consumption of the current cycle, if any.  Without
        ``explain``, the explanation of a covered, partly covered or
        exhausted document is left out (False)."""
        self.ensure_one()
        plan = self._entitlement_plan(live)
        if plan.verdict == "none":
            return self._entitlement_verdict_without_entitlement()
        return plan.verdict, self._entitlement_plan_explain(plan, explain)

    def _entitlement_plan_explain(self, plan, explain=True):
        """The plan in one line: why the document is not covered always;
        who pays and what is left only with ``explain``."""
        refusal = {
            "excluded": self._entitlement_explain_excluded,
            "not_valid": self._entitlement_explain_not_valid,
            "suspended": self._entitlement_explain_suspended,
        }.get(plan.verdict)
        if refusal:
            return refusal()
        if not explain:
            return False
        entitlement = self._entitlement_terms()
        if plan.payer == "goodwill":
            return self.env._(
                "Goodwill (%(reason)s), no terms used · %(explanation)s",
                reason=self.entitlement_decision_reason,
                explanation=self._entitlement_explain(entitlement),
            )
        return self._entitlement_explain(entitlement)

    def _entitlement_explain_excluded(self, entitlement=None):
        return self.env._(
            "%(entitlement)s excludes %(reason)s",
            entitlement=(entitlement or self._entitlement_terms()).display_name,
            reason=self._entitlement_get_fault_reason().name,
        )

    def _entitlement_explain_not_valid(self, entitlement=None):
        entitlement = entitlement or self._entitlement_terms()
        return self.env._(
            "%(entitlement)s is not valid on %(date)s (%(start)s to %(end)s)",
            entitlement=entitlement.display_name,
            date=format_date(self.env, self._entitlement_get_date()),
            start=format_date(self.env, entitlement.date_start),
            end=format_date(self.env, entitlement.date_end),
        )

    def _entitlement_explain_suspended(self):
        entitlement = self._entitlement_terms()
        return self._entitlement_explain_suspension(
            entitlement, *self._entitlement_suspension(entitlement)
        )

    def _entitlement_verdict_without_entitlement(self):
        candidates, facts = self._entitlement_match()
        if not candidates:
            return "none", self.env._("No entitlement covers this item")
        date = self._entitlement_get_date()
        valid = candidates.filtered(lambda e: self._entitlement_is_valid_on(e, date))
        if valid:
            excluding = valid.filtered(lambda e: facts.get(e.id, (MATCH_ALL, False))[1])
            if excluding and excluding == valid:
                return "excluded", self._entitlement_explain_excluded(excluding[0])
            return "none", self.env._("No entitlement chosen")
        best = self._entitlement_rank(candidates, facts)[:1]
        return "not_valid", self._entitlement_explain_not_valid(best)

    def _entitlement_explain_suspension(self, entitlement, line, since):
        return self.env._(
            "%(entitlement)s is suspended: the planned service of %(item)s due "
            "%(date)s is overdue by more than %(days)s days",
            entitlement=entitlement.display_name,
            item=line.lot_id.name,
            date=format_date(self.env, since),
            days=entitlement.planned_suspend_days,
        )

    def _entitlement_explain(self, entitlement):
        level = self._entitlement_match_level(entitlement)
        lot = self._entitlement_get_lot()
        product = self._entitlement_get_product() or lot.product_id
        if level == MATCH_LOT:
            what = self.env._("Serial %(lot)s", lot=lot.name)
        elif level == MATCH_PRODUCT:
            what = self.env._("Product %(product)s", product=product.display_name)
        elif level == MATCH_CATEGORY:
            what = self.env._("Category %(categ)s", categ=product.categ_id.name)
        else:
            what = self.env._("All items")
        unit = entitlement._unit_label()
        left = f"{max(entitlement.remaining_terms, 0.0):g}"
        total = f"{entitlement.total_terms:g}"
        parts = [
            what,
            entitlement.display_name,
            self.env._(
                "%(left)s of %(total)s %(unit)s left",
                left=left,
                total=total,
                unit=unit,
            ),
            self.env._(
                "ends %(date)s", date=format_date(self.env, entitlement.date_end)
            ),
        ]
        return " · ".join(parts)
