from odoo import fields, models


class ServiceUnitReplaceWizard(models.TransientModel):
    """Replace the repaired unit by another serial number: it becomes the
    service item, with the old one's coverage."""

    _name = "service.unit.replace.wizard"
    _description = "Replace the Unit"

    repair_id = fields.Many2one("repair.order", required=True, ondelete="cascade")
    old_lot_id = fields.Many2one(related="repair_id.lot_id", string="Faulty Unit")
    product_id = fields.Many2one(related="repair_id.product_id")
    new_lot_id = fields.Many2one(
        "stock.lot",
        string="Replacement Unit",
        required=True,
        domain="[('id', '!=', old_lot_id), ('service_defective', '=', False), "
        "('product_id.tracking', '=', 'serial'), '|', ('customer_id', '=', False), "
        "('customer_id', '=', parent_customer_id)]",
    )
    parent_customer_id = fields.Many2one(related="repair_id.lot_id.customer_id")

    def action_replace(self):
        self.ensure_one()
        self.repair_id._replace_unit(self.new_lot_id)
        return {"type": "ir.actions.act_window_close"}
