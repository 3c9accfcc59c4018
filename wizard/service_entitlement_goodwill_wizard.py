from odoo import fields, models


class ServiceEntitlementGoodwillWizard(models.TransientModel):
    """The service desk covers a repair by its entitlement without using the
    entitlement's terms (Dynamics 365's "do not decrement entitlement
    terms").  The reason, who and when are stored on the repair and shown on
    its ledger row."""

    _name = "service.entitlement.goodwill.wizard"
    _description = "Grant Goodwill"

    repair_id = fields.Many2one("repair.order", required=True, ondelete="cascade")
    entitlement_id = fields.Many2one(related="repair_id.entitlement_id")
    reason = fields.Text(required=True)

    def action_confirm(self):
        self.ensure_one()
        self.repair_id._entitlement_set_goodwill(self.reason)
        return {"type": "ir.actions.act_window_close"}
