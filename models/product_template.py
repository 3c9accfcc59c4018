from odoo import fields, models


class ProductTemplate(models.Model):
    _inherit = "product.template"

    warranty_template_id = fields.Many2one(
        "service.entitlement.template",
        string="Warranty",
        domain="[('entitlement_type', '=', 'warranty')]",
        help="Delivering a serial number of this product to a customer gives it "
        "this warranty, starting on the delivery date.",
    )
