from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import ValidationError

from .service_entitlement import (
    ALLOCATION_TYPES,
    CONSUME_ON,
    ENTITLEMENT_TYPES,
    LIMIT_POLICIES,
)


class ServiceEntitlementTemplate(models.Model):
    _name = "service.entitlement.template"
    _description = "Entitlement Template"
    _order = "sequence, name, id"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company",
        index=True,
        help="Leave empty to share the template between companies.",
    )
    currency_id = fields.Many2one(
        "res.currency",
        compute="_compute_currency_id",
    )
    entitlement_type = fields.Selection(
        ENTITLEMENT_TYPES, string="Type", required=True, default="warranty"
    )
    duration = fields.Integer(required=True, default=12)
    duration_unit = fields.Selection(
        [("day", "Days"), ("month", "Months"), ("year", "Years")],
        required=True,
        default="month",
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
        "product.product",
        "service_entitlement_template_product_rel",
        "template_id",
        "product_id",
        string="Products",
        check_company=True,
    )
    product_categ_ids = fields.Many2many(
        "product.category",
        "service_entitlement_template_category_rel",
        "template_id",
        "categ_id",
        string="Product Categories",
    )
    excluded_fault_reason_ids = fields.Many2many(
        "service.fault.reason",
        "service_entitlement_template_fault_reason_rel",
        "template_id",
        "fault_reason_id",
        string="Excluded Fault Reasons",
    )
    parts_coverage_percent = fields.Float(string="Parts Coverage (%)", default=100.0)
    labor_coverage_percent = fields.Float(string="Labour Coverage (%)", default=100.0)
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
    description = fields.Html(string="Notes", translate=True)
    entitlement_count = fields.Integer(compute="_compute_entitlement_count")

    def _compute_currency_id(self):
        for rec in self:
            rec.currency_id = (rec.company_id or self.env.company).currency_id

    def _compute_entitlement_count(self):
        self.entitlement_count = 0
        counts = dict(
            self.env["service.entitlement"]._read_group(
                [("template_id", "in", self.ids)], ["template_id"], ["__count"]
            )
        )
        for rec in self:
            rec.entitlement_count = counts.get(rec, 0)

    @api.constrains(
        "duration",
        "total_terms",
        "allocation_type",
        "parts_coverage_percent",
        "labor_coverage_percent",
        "overage_price",
    )
    def _check_values(self):
        for rec in self:
            if rec.duration <= 0:
                raise ValidationError(
                    self.env._("The duration of a template must be positive.")
                )
            if rec.total_terms <= 0:
                raise ValidationError(
                    self.env._("The total terms of a template must be positive.")
                )
            if rec.allocation_type == "incidents" and rec.total_terms != round(
                rec.total_terms
            ):
                raise ValidationError(
                    self.env._("Incidents must be counted in whole numbers.")
                )
            for percent in (rec.parts_coverage_percent, rec.labor_coverage_percent):
                if not 0.0 <= percent <= 100.0:
                    raise ValidationError(
                        self.env._(
                            "Coverage percentages must be between 0 and 100, not "
                            "%(percent)s.",
                            percent=percent,
                        )
                    )
            if rec.overage_price < 0:
                raise ValidationError(
                    self.env._("The overage price cannot be negative.")
                )

    def _compute_date_end(self, date_start):
        self.ensure_one()
        delta = {
            "day": relativedelta(days=self.duration),
            "month": relativedelta(months=self.duration),
            "year": relativedelta(years=self.duration),
        }[self.duration_unit]
        return date_start + delta - relativedelta(days=1)

    def _prepare_entitlement_values(self, date_start):
        """Values a new entitlement takes from this template."""
        self.ensure_one()
        return {
            "name": self.name,
            "entitlement_type": self.entitlement_type,
            "date_start": date_start,
            "date_end": self._compute_date_end(date_start),
            "allocation_type": self.allocation_type,
            "total_terms": self.total_terms,
            "limit_policy": self.limit_policy,
            "consume_on": self.consume_on,
            "product_ids": [fields.Command.set(self.product_ids.ids)],
            "product_categ_ids": [fields.Command.set(self.product_categ_ids.ids)],
            "excluded_fault_reason_ids": [
                fields.Command.set(self.excluded_fault_reason_ids.ids)
            ],
            "parts_coverage_percent": self.parts_coverage_percent,
            "labor_coverage_percent": self.labor_coverage_percent,
            "overage_product_id": self.overage_product_id.id,
            "overage_price": self.overage_price,
        }

    def action_new_entitlement(self):
        """Open a new entitlement form filled from this template."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("New Entitlement"),
            "res_model": "service.entitlement",
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "current",
            "context": {"default_template_id": self.id},
        }

    def action_view_entitlements(self):
        self.ensure_one()
        action = self.env["ir.actions.actions"]._for_xml_id(
            "service_entitlement.service_entitlement_action"
        )
        action["domain"] = [("template_id", "=", self.id)]
        action["context"] = {"default_template_id": self.id}
        return action
