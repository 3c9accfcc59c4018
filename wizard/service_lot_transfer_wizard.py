from odoo import fields, models


class ServiceLotTransferWizard(models.TransientModel):
    """The service desk gives a serial number to a new owner: transferable
    entitlements follow it, the others stop covering it."""

    _name = "service.lot.transfer.wizard"
    _description = "Transfer a Service Item"

    lot_id = fields.Many2one(
        "stock.lot", string="Service Item", required=True, ondelete="cascade"
    )
    current_owner_id = fields.Many2one(related="lot_id.customer_id")
    customer_id = fields.Many2one(
        "res.partner",
        string="New Owner",
        required=True,
        domain="[('id', '!=', current_owner_id)]",
    )
    entitlement_ids = fields.Many2many(related="lot_id.entitlement_ids")

    def action_confirm(self):
        self.ensure_one()
        self.lot_id._check_can_transfer()
        self.lot_id._service_transfer(self.customer_id)
        return {"type": "ir.actions.act_window_close"}
