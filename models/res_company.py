from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    entitlement_expiry_alert_days = fields.Integer(
        string="Entitlement Expiry Alert (days)",
        default=30,
        help="Alert the customer's salesperson this many days before an "
        "entitlement ends.",
    )
