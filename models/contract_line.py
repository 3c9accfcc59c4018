from odoo import fields, models
from odoo.tools.misc import format_date

# The recurring lines of service contracts are the flow's: the service
# contract line decides what they invoice, their invoicing moves their dates.
SERVICE_LINE = [("service_line_id", "!=", False)]
SERVICE_FIELDS = (
    "contract_id",
    "product_id",
    "name",
    "quantity",
    "uom_id",
    "price_unit",
    "specific_price",
    "automatic_price",
    "discount",
    "date_start",
    "date_end",
    "is_canceled",
    "recurring_rule_type",
    "recurring_interval",
    "recurring_invoicing_type",
    "last_date_invoiced",
    "recurring_next_date",
    "next_period_date_start",
    "next_period_date_end",
    "active",
)


class ContractLine(models.Model):
    _inherit = "contract.line"
    _flow_only_declared = dict.fromkeys(SERVICE_FIELDS, SERVICE_LINE)
    _flow_owned = SERVICE_LINE

    service_line_id = fields.Many2one(
        "service.entitlement.contract.line",
        string="Service Contract Line",
        readonly=True,
        copy=False,
        index="btree_not_null",
        ondelete="set null",
        flow_only=True,
    )

    def _prepare_invoice_line(self):
        """A service contract line is invoiced for the days of the period it
        is in force (a prorated first or last period), and the invoice line
        names the item and those days."""
        vals = super()._prepare_invoice_line()
        service_line = self.service_line_id
        if not vals or not service_line:
            return vals
        first, last, _invoice_date = self._get_period_to_invoice(
            self.last_date_invoiced, self.recurring_next_date
        )
        fraction, start, end = service_line._invoice_fraction(first, last)
        if fraction <= 0:
            return {}
        partner = self.contract_id.partner_id
        env = self.with_context(lang=partner.lang).env
        vals.update(
            {
                "price_unit": self.contract_id.currency_id.round(
                    self.price_unit * fraction
                ),
                "name": env._(
                    "%(contract)s: %(item)s, %(start)s to %(end)s",
                    contract=service_line.entitlement_id.code,
                    item=service_line.name,
                    start=format_date(env, start),
                    end=format_date(env, end),
                ),
                "service_period_start": start,
                "service_period_end": end,
            }
        )
        return vals
