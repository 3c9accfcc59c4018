from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import float_compare, float_is_zero

from .contract_periods import PERIOD_ALIGNMENTS, PRORATION_METHODS

ENTITLEMENT_TYPES = [
    ("warranty", "Warranty"),
    ("service_contract", "Service Contract"),
    ("support_plan", "Support Plan"),
]
ALLOCATION_TYPES = [("incidents", "Incidents"), ("hours", "Hours")]
LIMIT_POLICIES = [
    ("block", "Block"),
    ("warn", "Warn"),
    ("bill", "Bill the overage"),
]
CONSUME_ON = [("confirm", "Repair confirmation"), ("done", "Repair done")]


class ServiceEntitlementTermsMixin(models.AbstractModel):
    """What an entitlement grants, shared by the entitlement and its template:
    one set of fields and one set of constraints.

    Each model redeclares only what differs: tracking and help texts on the
    entitlement, and the relation tables of the many2many fields, which each
    model keeps under its own name.
    """

    _name = "service.entitlement.terms.mixin"
    _description = "Entitlement Terms"

    # Each model says whether the company is required and where the currency
    # comes from.
    company_id = fields.Many2one("res.company", index=True)
    currency_id = fields.Many2one("res.currency")
    entitlement_type = fields.Selection(
        ENTITLEMENT_TYPES, string="Type", required=True, default="warranty"
    )
    allocation_type = fields.Selection(
        ALLOCATION_TYPES, required=True, default="incidents"
    )
    total_terms = fields.Float(
        required=True, default=1.0, digits="Product Unit of Measure"
    )
    limit_policy = fields.Selection(LIMIT_POLICIES, required=True, default="block")
    consume_on = fields.Selection(CONSUME_ON, required=True, default="confirm")
    product_ids = fields.Many2many(
        "product.product", string="Products", check_company=True
    )
    product_categ_ids = fields.Many2many(
        "product.category", string="Product Categories"
    )
    excluded_fault_reason_ids = fields.Many2many(
        "service.fault.reason", string="Excluded Fault Reasons"
    )
    transferable = fields.Boolean(
        help="When a covered serial number changes owner, the entitlement "
        "follows it: the new owner gets an entitlement for the rest of the term "
        "and the serial number's share of the remaining terms. Otherwise it "
        "stops covering the serial number.",
    )
    replacement_fresh = fields.Boolean(
        string="Replacement Unit Starts Afresh",
        help="When a covered unit is replaced by a new one, the new unit gets "
        "a fresh term from the replacement day (as long as a new one from this "
        "template) instead of the rest of this one.",
    )
    parts_coverage_percent = fields.Float(string="Parts Coverage (%)", default=100.0)
    labor_coverage_percent = fields.Float(string="Labour Coverage (%)", default=100.0)
    proration_method = fields.Selection(
        PRORATION_METHODS,
        required=True,
        default="month_parts",
        help="How a service contract charges part of an invoice period or "
        "credits it. Month parts (Business Central): a twelfth of the annual "
        "amount for each whole calendar month, and for part of a month its "
        "days over that month's days. Days: the days in force over the days "
        "of the invoice period.",
    )
    period_alignment = fields.Selection(
        PERIOD_ALIGNMENTS,
        required=True,
        default="first_month",
        help="Where a service contract's invoice periods start. From the first "
        "whole month (Business Central): a contract that starts during a month "
        "invoices the rest of that month as its starting period (prepaid: when "
        "it is activated), then regular periods from the 1st of the next month "
        "on; an invoice in arrears is dated on its period's last day. "
        "Calendar: periods follow the calendar (quarters from 1 January, "
        "1 April...), the first one prorated; an invoice in arrears is dated "
        "the day after its period.",
    )
    planned_service_period = fields.Integer(
        string="Service Period",
        help="Planned service of each serial number of a service contract "
        "every so many weeks or months (its lines' default); zero: none.",
    )
    planned_service_unit = fields.Selection(
        [("weeks", "Weeks"), ("months", "Months")],
        string="Service Period Unit",
        default="months",
    )
    overage_product_id = fields.Many2one(
        "product.product",
        check_company=True,
        domain="[('sale_ok', '=', True)]",
    )
    overage_price = fields.Monetary(
        currency_field="currency_id",
        groups="service_entitlement.group_service_desk,"
        "service_entitlement.group_billing_clerk",
    )

    @api.constrains("total_terms", "allocation_type")
    def _check_total_terms(self):
        precision = self.env["decimal.precision"].precision_get(
            "Product Unit of Measure"
        )
        for rec in self:
            if float_compare(rec.total_terms, 0.0, precision_digits=precision) <= 0:
                raise ValidationError(
                    self.env._(
                        "The total terms of %(name)s must be greater than zero: "
                        "the incidents or hours it grants must be positive.",
                        name=rec.display_name,
                    )
                )
            if rec.allocation_type == "incidents" and not float_is_zero(
                rec.total_terms - round(rec.total_terms), precision_digits=precision
            ):
                raise ValidationError(
                    self.env._(
                        "%(name)s counts incidents in whole numbers: its total "
                        "terms cannot be %(terms)s.",
                        name=rec.display_name,
                        terms=rec.total_terms,
                    )
                )

    @api.constrains("parts_coverage_percent", "labor_coverage_percent")
    def _check_coverage_percent(self):
        for rec in self:
            for percent in (rec.parts_coverage_percent, rec.labor_coverage_percent):
                if not 0.0 <= percent <= 100.0:
                    raise ValidationError(
                        self.env._(
                            "Coverage percentages of %(name)s must be between 0 "
                            "and 100, not %(percent)s.",
                            name=rec.display_name,
                            percent=percent,
                        )
                    )

    @api.constrains("overage_price")
    def _check_overage_price(self):
        for rec in self:
            if rec.overage_price < 0:
                raise ValidationError(
                    self.env._(
                        "The overage price of %(name)s cannot be negative.",
                        name=rec.display_name,
                    )
                )

    def _unit_label(self):
        """What the terms count, in the user's language: "incidents", "hours"."""
        self.ensure_one()
        labels = dict(self._fields["allocation_type"]._description_selection(self.env))
        return labels[self.allocation_type].lower()
