from odoo import api, fields, models


class ServiceEntitlementOverrideWizard(models.TransientModel):
    """An entitlement manager lets a repair go beyond a blocking entitlement.

    The decision (bill the overage or not), the reason, who and when are
    stored on the repair, so that whatever confirms it later (this wizard,
    Odoo's insufficient-quantity wizard, another user) honours them."""

    _name = "service.entitlement.override.wizard"
    _description = "Override a Blocking Entitlement"

    repair_id = fields.Many2one("repair.order", required=True, ondelete="cascade")
    entitlement_id = fields.Many2one(related="repair_id.entitlement_id")
    explanation = fields.Char(related="repair_id.entitlement_explanation")
    can_bill = fields.Boolean(compute="_compute_can_bill")
    bill_overage = fields.Boolean(
        string="Bill the Overage",
        help="Invoice what exceeds the terms to the customer, at the "
        "entitlement's overage price.",
    )
    reason = fields.Text(required=True)

    @api.depends("entitlement_id")
    def _compute_can_bill(self):
        for wizard in self:
            # sudo: whether an overage product is set, whatever the manager may read
            wizard.can_bill = bool(wizard.entitlement_id.sudo().overage_product_id)

    def action_confirm(self):
        self.ensure_one()
        repair = self.repair_id
        repair._entitlement_set_override(self.reason, bill=self.bill_overage)
        return repair.action_validate()
