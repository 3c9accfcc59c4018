from odoo import fields, models

from ..models.repair_order_hold import HOLD_REASONS


class RepairOrderHoldWizard(models.TransientModel):
    """Put a repair on hold: what it waits for and why.  Its service level
    clocks stop until it is resumed."""

    _name = "repair.order.hold.wizard"
    _description = "Put a Repair On Hold"

    repair_id = fields.Many2one("repair.order", required=True, ondelete="cascade")
    reason_type = fields.Selection(
        HOLD_REASONS, string="Waiting For", required=True, default="customer"
    )
    reason = fields.Char(required=True)

    def action_confirm(self):
        self.ensure_one()
        self.repair_id._sla_put_on_hold(self.reason_type, self.reason)
        return {"type": "ir.actions.act_window_close"}
