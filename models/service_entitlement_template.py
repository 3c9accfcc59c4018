from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import ValidationError


class ServiceEntitlementTemplate(models.Model):
    _name = "service.entitlement.template"
    _description = "Entitlement Template"
    _inherit = "service.entitlement.terms.mixin"
    _order = "sequence, name, id"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        help="Leave empty to share the template between companies.",
    )
    currency_id = fields.Many2one(compute="_compute_currency_id")
    duration = fields.Integer(required=True, default=12)
    duration_unit = fields.Selection(
        [("day", "Days"), ("month", "Months"), ("year", "Years")],
        required=True,
        default="month",
    )
    product_ids = fields.Many2many(
        relation="service_entitlement_template_product_rel",
        column1="template_id",
        column2="product_id",
    )
    product_categ_ids = fields.Many2many(
        relation="service_entitlement_template_category_rel",
        column1="template_id",
        column2="categ_id",
    )
    excluded_fault_reason_ids = fields.Many2many(
        relation="service_entitlement_template_fault_reason_rel",
        column1="template_id",
        column2="fault_reason_id",
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

    @api.constrains("duration")
    def _check_duration(self):
        for rec in self:
            if rec.duration <= 0:
                raise ValidationError(
                    self.env._("The duration of a template must be positive.")
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
            "transferable": self.transferable,
            "replacement_fresh": self.replacement_fresh,
            "proration_method": self.proration_method,
            "period_alignment": self.period_alignment,
            "planned_service_period": self.planned_service_period,
            "planned_service_unit": self.planned_service_unit,
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
