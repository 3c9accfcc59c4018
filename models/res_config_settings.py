from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    entitlement_expiry_alert_days = fields.Integer(
        related="company_id.entitlement_expiry_alert_days", readonly=False
    )
