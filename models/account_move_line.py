from odoo import Command, api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools.misc import format_date

from .contract_periods import month_slices

# Invoice lines of service contracts and of overages once posted: reset to
# draft, they stay as posted (a credit note corrects them).
POSTED_SERVICE_LINE = [
    ("move_id.posted_before", "=", True),
    "|",
    ("service_period_start", "!=", False),
    ("service_billing_line_id", "!=", False),
]
POSTED_SERVICE_FIELDS = (
    "contract_line_id",
    "product_id",
    "quantity",
    "price_unit",
    "discount",
    "tax_ids",
    "account_id",
)


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"
    # A posted line of a contract invoice or of an overage keeps what credit
    # notes and the billing lines read from it (Odoo itself lets a posted
    # line's price change while its journal amounts stay).
    _flow_only_declared = dict.fromkeys(POSTED_SERVICE_FIELDS, POSTED_SERVICE_LINE)

    service_claim_id = fields.Many2one(
        "service.vendor.claim",
        string="Warranty Claim",
        index="btree_not_null",
        copy=False,
        readonly=True,
        ondelete="set null",
        flow_only=True,
        help="The vendor warranty claim this credit note line pays back "
        "(matched from the claim).",
    )
    service_billing_line_id = fields.Many2one(
        "service.entitlement.billing.line",
        string="Overage Billing Line",
        index="btree_not_null",
        copy=False,
        readonly=True,
        ondelete="set null",
        flow_only=True,
    )
    service_billing_credit_id = fields.Many2one(
        "service.entitlement.billing.line",
        string="Overage Credited",
        index="btree_not_null",
        copy=False,
        readonly=True,
        ondelete="set null",
        flow_only=True,
        help="The invoiced overage this credit note line gives back (a credit "
        "note made with Odoo's Credit Note button).",
    )
    service_period_start = fields.Date(
        string="Service From",
        copy=False,
        readonly=True,
        flow_only=True,
        help="First day of the service contract period this line invoices.",
    )
    service_period_end = fields.Date(
        string="Service To",
        copy=False,
        readonly=True,
        flow_only=True,
        help="Last day of the service contract period this line invoices.",
    )

    service_annual_amount = fields.Monetary(
        string="Annual Amount Invoiced",
        copy=False,
        readonly=True,
        flow_only=True,
        help="The annual amount of the service contract line, after its "
        "discount, that this line invoiced by month parts.",
    )

    def copy_data(self, default=None):
        """A credit note made with Odoo's own button (a reversal) carries
        the service period and annual amount of the lines it reverses, and
        the overage each gives back: the contract sees the period as
        credited, the overage as credited."""
        vals_list = super().copy_data(default=default)
        if "move_reverse_cancel" in self.env.context:
            for line, vals in zip(self, vals_list, strict=True):
                if line.service_billing_line_id:
                    vals["service_billing_credit_id"] = line.service_billing_line_id.id
                if line.service_period_start:
                    vals.update(
                        service_period_start=line.service_period_start,
                        service_period_end=line.service_period_end,
                        service_annual_amount=line.service_annual_amount,
                    )
        return vals_list

    def init(self):
        res = super().init()
        # A billing line is on at most one invoice that is not cancelled.
        self.env.cr.execute(
            """
            CREATE UNIQUE INDEX IF NOT EXISTS
                account_move_line_service_billing_line_once
            ON account_move_line (service_billing_line_id)
            WHERE service_billing_line_id IS NOT NULL AND parent_state != 'cancel'
            """
        )
        return res

    def _service_credit_vals(self, credit_from, already=0.0):
        """Values of the credit note lines of what this contract invoice
        line invoiced from ``credit_from`` on, never more than what credit
        notes made with Odoo's own button (``already``) left of it.
        Invoiced by month parts (Business Central): one line per calendar
        month, a twelfth of the annual amount times the part of the month;
        a line credited from its first day gives back exactly what it
        invoiced.  Otherwise one line, prorated by days."""
        self.ensure_one()
        vals_list = self._service_credit_pieces(credit_from)
        if not already:
            return vals_list
        left = self.currency_id.round(self.price_subtotal - already)
        capped = []
        for vals in vals_list:
            amount = min(vals["price_unit"], left) if vals else 0.0
            if self.currency_id.compare_amounts(amount, 0.0) > 0:
                capped.append({**vals, "price_unit": amount})
                left -= amount
        return capped

    def _service_credit_pieces(self, credit_from):
        self.ensure_one()
        start = max(credit_from, self.service_period_start)
        end = self.service_period_end
        if end < start:
            return []
        currency = self.currency_id
        if not self.service_annual_amount:
            billed = (end - self.service_period_start).days + 1
            amount = currency.round(
                self.price_subtotal * ((end - start).days + 1) / billed
            )
            return [self._service_credit_line(start, end, amount)]
        pieces = month_slices(start, end)
        amounts = [
            currency.round(self.service_annual_amount * piece.part / 12.0)
            for piece in pieces
        ]
        if start == self.service_period_start:
            amounts[-1] = currency.round(self.price_subtotal - sum(amounts[:-1]))
        return [
            self._service_credit_line(piece.start, piece.end, amount)
            for piece, amount in zip(pieces, amounts, strict=True)
        ]

    def _service_credit_line(self, start, end, amount):
        if self.currency_id.is_zero(amount):
            return {}
        service_line = self.contract_line_id.service_line_id
        return {
            "product_id": self.product_id.id,
            "name": self.env._(
                "%(item)s: not used from %(start)s to %(end)s",
                item=service_line.name or self.name,
                start=format_date(self.env, start),
                end=format_date(self.env, end),
            ),
            "quantity": 1.0,
            "price_unit": amount,
            "tax_ids": [Command.set(self.tax_ids.ids)],
            "account_id": self.account_id.id,
            "analytic_distribution": self.analytic_distribution,
            "contract_line_id": self.contract_line_id.id,
            "service_period_start": start,
            "service_period_end": end,
        }

    @api.constrains("service_claim_id", "partner_id", "move_id")
    def _check_service_claim(self):
        for line in self.filtered("service_claim_id"):
            claim = line.service_claim_id
            move = line.move_id
            if (
                move.move_type != "in_refund"
                or move.commercial_partner_id != claim.vendor_id
                or move.company_id != claim.company_id
            ):
                raise ValidationError(
                    self.env._(
                        "%(claim)s is paid back by a credit note of %(vendor)s only.",
                        claim=claim.name,
                        vendor=claim.vendor_id.display_name,
                    )
                )
            if claim.state in ("draft", "rejected"):
                raise ValidationError(
                    self.env._(
                        "%(claim)s was not sent, or was rejected: no credit note "
                        "pays it back.",
                        claim=claim.name,
                    )
                )
