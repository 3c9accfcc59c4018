from odoo import api, fields, models
from odoo.exceptions import UserError

from .ledger_guard import current_reason

GAIN_LOSS_REASONS = [
    ("signed", "Contract signed"),
    ("renewal", "Renewal"),
    ("line_added", "Line added"),
    ("line_removed", "Line removed"),
    ("line_changed", "Line value changed"),
    ("price_update", "Price update"),
    ("cancelled", "Contract cancelled"),
]


class ServiceEntitlementGainLoss(models.Model):
    """One change of a service contract's annual amount (Business Central's
    contract gain/loss entry): why, when, by whom, and what the contract
    gained (positive) or lost (negative).  Append-only: written by the
    contract's flow, never changed nor deleted."""

    _name = "service.entitlement.gain.loss"
    _description = "Service Contract Gain/Loss Entry"
    _order = "date desc, id desc"
    _flow_owned = True

    entitlement_id = fields.Many2one(
        "service.entitlement",
        string="Service Contract",
        required=True,
        readonly=True,
        index=True,
        ondelete="cascade",
    )
    contract_line_id = fields.Many2one(
        "service.entitlement.contract.line",
        readonly=True,
        index="btree_not_null",
        ondelete="set null",
    )
    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, readonly=True, index=True
    )
    company_id = fields.Many2one(
        "res.company", required=True, readonly=True, index=True
    )
    currency_id = fields.Many2one("res.currency", required=True, readonly=True)
    date = fields.Date(required=True, readonly=True, index=True)
    user_id = fields.Many2one("res.users", readonly=True)
    reason = fields.Selection(GAIN_LOSS_REASONS, required=True, readonly=True)
    name = fields.Char(string="Item", readonly=True)
    amount = fields.Monetary(
        string="Gain/Loss",
        readonly=True,
        help="Change of the contract's annual amount: positive when it "
        "gained, negative when it lost.",
    )

    def write(self, vals):
        self.check_access("write")
        if vals:
            raise UserError(self.env._("Contract gain/loss entries are never changed."))
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_never(self):
        raise UserError(self.env._("Contract gain/loss entries are never deleted."))


class ServiceEntitlement(models.Model):
    _inherit = "service.entitlement"

    gain_loss_ids = fields.One2many(
        "service.entitlement.gain.loss",
        "entitlement_id",
        string="Gain/Loss Entries",
        readonly=True,
        groups="service_entitlement.group_billing_clerk",
    )
    gain_loss_total = fields.Monetary(
        string="Gain/Loss",
        compute="_compute_gain_loss_total",
        groups="service_entitlement.group_billing_clerk",
        help="What the contract's annual amount gained and lost since it was signed.",
    )

    @api.depends("gain_loss_ids.amount")
    def _compute_gain_loss_total(self):
        for rec in self:
            # sudo: the total sums every entry of the contract, whoever computes it
            rec.gain_loss_total = sum(rec.sudo().gain_loss_ids.mapped("amount"))

    def _gain_loss_log(self, entries):
        """Write ``entries``: (reason, amount, contract line or None)
        tuples, for this signed contract; amounts of zero are left out."""
        self.ensure_one()
        today = fields.Date.context_today(self)
        vals_list = [
            {
                "entitlement_id": self.id,
                "contract_line_id": line.id if line else False,
                "partner_id": self.partner_id.commercial_partner_id.id,
                "company_id": self.company_id.id,
                "currency_id": self.currency_id.id,
                "date": today,
                "user_id": self.env.uid,
                "reason": reason,
                "name": line.name if line else self.name,
                "amount": amount,
            }
            for reason, amount, line in entries
            if not self.currency_id.is_zero(amount)
        ]
        if vals_list:
            self.env["service.entitlement.gain.loss"]._flow_create(vals_list)

    def _gain_loss_signed(self):
        """Activation: the contract gains the annual amount of its lines."""
        for rec in self.filtered(
            lambda r: r.entitlement_type == "service_contract" and r.contract_line_ids
        ):
            rec._gain_loss_log(
                [
                    (
                        "renewal" if rec.previous_id else "signed",
                        sum(rec.contract_line_ids._gain_loss_amounts().values()),
                        None,
                    )
                ]
            )

    def _gain_loss_counts(self):
        """Changes of the lines count once the contract is signed."""
        self.ensure_one()
        return self.entitlement_type == "service_contract" and self.state in (
            "waiting",
            "active",
        )


class ServiceEntitlementContractLine(models.Model):
    _inherit = "service.entitlement.contract.line"

    def _gain_loss_amounts(self):
        """``{line: what it adds to its contract's annual amount}``: its
        annual amount, unless it has been removed before the contract's
        end."""
        return {
            line: (
                0.0
                if line.date_end and line.date_end < line.entitlement_id.date_end
                # sudo: line_amount is billing's; a customer signing a quote logs it too
                else line.sudo().line_amount
            )
            for line in self
        }

    def _gain_loss_changes(self, before, default_reason):
        """Log, per signed contract, how the lines' amounts moved from
        ``before`` (``{line: amount}``; a line missing from it was not
        there)."""
        after = self.exists()._gain_loss_amounts()
        for contract in self.entitlement_id.filtered(lambda c: c._gain_loss_counts()):
            entries = []
            for line in self.filtered(
                lambda line, c=contract: line.entitlement_id == c
            ):
                diff = after.get(line, 0.0) - before.get(line, 0.0)
                reason = current_reason(
                    default_reason or ("line_added" if diff > 0 else "line_removed")
                )
                entries.append((reason, diff, line))
            contract._gain_loss_log(entries)
