from odoo import api, fields, models
from odoo.exceptions import ValidationError


class ResCompany(models.Model):
    _inherit = "res.company"

    entitlement_expiry_alert_days = fields.Integer(
        string="Entitlement Expiry Alert (days)",
        default=30,
        help="Alert the customer's salesperson this many days before an "
        "entitlement ends.",
    )
    repair_warranty_days = fields.Integer(
        string="Repair Warranty (days)",
        default=90,
        help="How long a finished repair is under warranty when its product "
        "sets none: a new repair of the same serial number within it is a "
        "re-repair, covered in full.",
    )
    repeat_failure_count = fields.Integer(
        string="Repeat Failure After",
        default=3,
        help="A serial number repaired this many times within 12 months is "
        "flagged as a repeat failure, and an entitlement manager is asked to "
        "propose a replacement. 0: never.",
    )

    entitlement_labor_product_id = fields.Many2one(
        "product.product",
        string="Labour Product",
        domain="[('type', '=', 'service')]",
        help="The service that prices a repair's labour hours: its sales price "
        "per hour gives the labour of the customer's share, and a repair's "
        "quotation gets a line of it for the hours recorded.",
    )

    entitlement_contract_product_id = fields.Many2one(
        "product.product",
        string="Service Contract Product",
        domain="[('type', '=', 'service')]",
        help="The service invoiced for the lines of service contracts (its "
        "income account and taxes); the add-on's Service Contract when empty.",
    )
    entitlement_rating_request = fields.Boolean(
        string="Ask Customers to Rate Repairs",
        default=True,
        help="When a customer's repair is done, the customer gets one email "
        "asking how it went.",
    )
    entitlement_labor_cost_rate = fields.Monetary(
        string="Labour Cost per Hour",
        currency_field="currency_id",
        help="What an hour of a technician costs the company: the labour cost "
        "of the repairs a service contract covers, in its profit.",
    )

    @api.constrains(
        "repair_warranty_days", "repeat_failure_count", "entitlement_labor_cost_rate"
    )
    def _check_repair_warranty_settings(self):
        for company in self:
            if company.repair_warranty_days < 0:
                raise ValidationError(
                    self.env._("The repair warranty cannot be negative.")
                )
            if company.entitlement_labor_cost_rate < 0:
                raise ValidationError(
                    self.env._("The labour cost per hour cannot be negative.")
                )
            if company.repeat_failure_count < 0:
                raise ValidationError(
                    self.env._("The repeat failure count cannot be negative.")
                )
