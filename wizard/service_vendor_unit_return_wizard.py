from odoo import api, fields, models
from odoo.exceptions import UserError


class ServiceVendorUnitReturnWizard(models.TransientModel):
    """The service desk receives a unit back from the vendor's warranty
    repair: the same serial number, or a replacement the vendor sent (a
    technician records it as the unit's replacement)."""

    _name = "service.vendor.unit.return.wizard"
    _description = "Receive a Unit Back from the Vendor"

    claim_id = fields.Many2one(
        "service.vendor.claim", required=True, ondelete="cascade"
    )
    lot_id = fields.Many2one(related="claim_id.lot_id")
    product_id = fields.Many2one(related="claim_id.lot_id.product_id")
    replaced = fields.Boolean(string="The Vendor Sent a Replacement")
    replacement_name = fields.Char(
        string="Replacement Serial Number",
        help="The serial number of the unit the vendor sent in place of the "
        "repaired one.",
    )

    @api.onchange("replaced")
    def _onchange_replaced(self):
        if not self.replaced:
            self.replacement_name = False

    def action_confirm(self):
        self.ensure_one()
        claim = self.claim_id
        replacement = None
        if self.replaced:
            name = (self.replacement_name or "").strip()
            if not name:
                raise UserError(
                    self.env._("Enter the serial number of the replacement.")
                )
            # sudo: the vendor's unit is found or recorded, whoever receives it
            replacement = (
                self.env["stock.lot"]
                .sudo()
                ._service_find_or_create(claim.product_id, name, claim.company_id)
            )
        claim._unit_receive(replacement)
        return {"type": "ir.actions.act_window_close"}
