from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools.misc import format_date

from ..models.notify import CLOSE, notification


class ServiceEntitlementPriceUpdateWizard(models.TransientModel):
    """Business Central's Update Contract Prices: a percentage applied to the
    lines of the selected service contracts whose price update date has
    come; each contract's next price update moves by its period."""

    _name = "service.entitlement.price.update.wizard"
    _description = "Update Contract Prices"

    entitlement_ids = fields.Many2many(
        "service.entitlement",
        string="Service Contracts",
        domain="[('entitlement_type', '=', 'service_contract'), "
        "('state', 'in', ('draft', 'waiting', 'active'))]",
        default=lambda self: self._default_entitlement_ids(),
    )
    percent = fields.Float(
        string="Price Change %",
        required=True,
        help="Applied to the annual value of every line in force; negative "
        "lowers the prices.",
    )
    date = fields.Date(
        string="Update Prices Due By",
        required=True,
        default=fields.Date.context_today,
        help="Contracts whose next price update is on or before this day are "
        "updated; the others are left as they are.",
    )
    due_count = fields.Integer(compute="_compute_due_count")

    @api.model
    def _default_entitlement_ids(self):
        if self.env.context.get("active_model") != "service.entitlement":
            return False
        return self.env["service.entitlement"].browse(
            self.env.context.get("active_ids", [])
        )

    @api.depends("entitlement_ids", "date")
    def _compute_due_count(self):
        for wizard in self:
            wizard.due_count = len(wizard._due_contracts())

    @api.constrains("percent")
    def _check_percent(self):
        for wizard in self:
            if wizard.percent <= -100.0:
                raise ValidationError(
                    self.env._("A price change must leave prices above zero.")
                )

    def _due_contracts(self):
        self.ensure_one()
        return self.entitlement_ids.filtered(
            lambda c: (
                c.entitlement_type == "service_contract"
                and c.state in ("draft", "waiting", "active")
                and c.contract_line_ids
                and c.next_price_update_date
                and c.next_price_update_date <= self.date
            )
        )

    def action_apply(self):
        self.ensure_one()
        if not self.env.user.has_group("service_entitlement.group_entitlement_manager"):
            raise UserError(
                self.env._("Only entitlement managers can update contract prices.")
            )
        contracts = self._due_contracts()
        if not contracts:
            raise UserError(
                self.env._(
                    "None of the selected service contracts has a price update "
                    "due by %(date)s.",
                    date=format_date(self.env, self.date),
                )
            )
        for contract in contracts:
            contract._update_prices(self.percent)
        skipped = self.entitlement_ids - contracts
        return notification(
            self.env._(
                "Prices of %(count)s contract(s) updated by %(percent)s%%; "
                "%(skipped)s not due.",
                count=len(contracts),
                percent=self.percent,
                skipped=len(skipped),
            ),
            then=CLOSE,
        )
