from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    entitlement_enabled = fields.Boolean(
        related="company_id.entitlement_enabled", readonly=False
    )
    entitlement_use_loaners = fields.Boolean(
        related="company_id.entitlement_use_loaners", readonly=False
    )
    entitlement_use_campaigns = fields.Boolean(
        related="company_id.entitlement_use_campaigns", readonly=False
    )
    entitlement_use_layers = fields.Boolean(
        related="company_id.entitlement_use_layers", readonly=False
    )
    entitlement_use_planned = fields.Boolean(
        related="company_id.entitlement_use_planned", readonly=False
    )
    entitlement_use_sla = fields.Boolean(
        related="company_id.entitlement_use_sla", readonly=False
    )
    entitlement_expiry_alert_days = fields.Integer(
        related="company_id.entitlement_expiry_alert_days", readonly=False
    )
    repair_warranty_days = fields.Integer(
        related="company_id.repair_warranty_days", readonly=False
    )
    repeat_failure_count = fields.Integer(
        related="company_id.repeat_failure_count", readonly=False
    )
    entitlement_labor_product_id = fields.Many2one(
        related="company_id.entitlement_labor_product_id", readonly=False
    )
    entitlement_contract_product_id = fields.Many2one(
        related="company_id.entitlement_contract_product_id", readonly=False
    )
    entitlement_rating_request = fields.Boolean(
        related="company_id.entitlement_rating_request", readonly=False
    )
    entitlement_labor_cost_rate = fields.Monetary(
        related="company_id.entitlement_labor_cost_rate",
        readonly=False,
        currency_field="currency_id",
    )
    entitlement_loaner_location_id = fields.Many2one(
        related="company_id.entitlement_loaner_location_id", readonly=False
    )
    entitlement_loaner_days = fields.Integer(
        related="company_id.entitlement_loaner_days", readonly=False
    )
    warranty_precedence = fields.Char(
        related="company_id.warranty_precedence", readonly=False
    )
    entitlement_loaner_late_days = fields.Integer(
        related="company_id.entitlement_loaner_late_days", readonly=False
    )
    entitlement_loaner_fee_product_id = fields.Many2one(
        related="company_id.entitlement_loaner_fee_product_id", readonly=False
    )
    entitlement_loaner_fee = fields.Monetary(
        related="company_id.entitlement_loaner_fee",
        readonly=False,
        currency_field="currency_id",
    )
