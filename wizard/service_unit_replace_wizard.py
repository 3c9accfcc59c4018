from odoo import fields, models
from odoo.exceptions import UserError


class ServiceUnitReplaceWizard(models.TransientModel):
    """Replace the repaired unit by another serial number: it becomes the
    service item, with the old one's coverage."""

    _name = "service.unit.replace.wizard"
    _description = "Replace the Unit"

    repair_id = fields.Many2one("repair.order", required=True, ondelete="cascade")
    old_lot_id = fields.Many2one(related="repair_id.lot_id", string="Faulty Unit")
    product_id = fields.Many2one(related="repair_id.product_id")
    # A new unit of the same product: in stock, or typed in (created).
    new_lot_id = fields.Many2one(
        "stock.lot",
        string="Replacement Unit",
        domain="[('product_id', '=', product_id), ('id', '!=', old_lot_id), "
        "('service_defective', '=', False), ('customer_id', '=', False), "
        "('entitlement_ids', '=', False)]",
        help="A new unit of the same product, never a loaner or a unit already "
        "in service.",
    )
    new_lot_name = fields.Char(
        string="Or a New Serial Number",
        help="The serial number of a unit not yet recorded: it is created.",
    )

    def action_replace(self):
        self.ensure_one()
        new = self.new_lot_id
        name = (self.new_lot_name or "").strip()
        if name and not new:
            new = self.env["stock.lot"]._service_find_or_create(
                self.product_id, name, self.repair_id.company_id
            )
        if not new:
            raise UserError(
                self.env._("Choose the replacement unit, or type its serial number.")
            )
        self.repair_id._replace_unit(new)
        return {"type": "ir.actions.act_window_close"}
