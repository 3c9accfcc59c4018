from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.tools.misc import format_date, formatLang


def format_percent(env, value):
    """A percentage as the user reads it: 10, 12.50."""
    return formatLang(env, value, digits=0 if float(value).is_integer() else 2)


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

    # A service contract line's recurring line is its invoicing schedule,
    # nothing more: OCA contract's own computes work its terms out from the
    # service contract line (below), and it keeps only what invoicing moves
    # (last date invoiced, next dates).  Nothing copies a value across.
    date_end = fields.Date(compute="_compute_date_end", store=True, readonly=False)

    def _service_schedule(self, *fnames):
        """Set ``fnames`` of service lines from their service contract line."""
        for line in self.filtered("service_line_id"):
            schedule = line.service_line_id._recurring_schedule(line.last_date_invoiced)
            for fname in fnames:
                line[fname] = schedule[fname]

    @api.depends("service_line_id.name", "service_line_id.entitlement_id.code")
    def _compute_name(self):
        res = super()._compute_name()
        self._service_schedule("name")
        return res

    @api.depends(
        "service_line_id.line_amount", "service_line_id.entitlement_id.invoice_period"
    )
    def _compute_price_unit(self):
        """Service lines: the price of a whole period after the line
        discount (what OCA's views and totals show); the invoice itself is
        worked out by ``_prepare_invoice_line``."""
        service = self.filtered("service_line_id")
        res = super(ContractLine, self - service)._compute_price_unit()
        service._service_schedule("price_unit")
        return res

    @api.depends("service_line_id.entitlement_id.invoice_period")
    def _compute_recurring_rule_type(self):
        res = super()._compute_recurring_rule_type()
        self._service_schedule("recurring_rule_type")
        return res

    @api.depends("service_line_id.entitlement_id.invoice_period")
    def _compute_recurring_interval(self):
        res = super()._compute_recurring_interval()
        self._service_schedule("recurring_interval")
        return res

    @api.depends("service_line_id.entitlement_id.invoice_prepaid")
    def _compute_recurring_invoicing_type(self):
        res = super()._compute_recurring_invoicing_type()
        self._service_schedule("recurring_invoicing_type")
        return res

    @api.depends(
        "service_line_id.date_start",
        "service_line_id.entitlement_id.date_start",
        "service_line_id.entitlement_id.period_alignment",
        "service_line_id.entitlement_id.invoice_period",
    )
    def _compute_date_start(self):
        res = super()._compute_date_start()
        self._service_schedule("date_start")
        return res

    @api.depends(
        "service_line_id.date_end",
        "service_line_id.entitlement_id.date_end",
        "last_date_invoiced",
    )
    def _compute_date_end(self):
        """Other recurring lines keep the end they are given."""
        self._service_schedule("date_end")

    def _first_month_lines(self):
        """Lines of service contracts whose periods run from the contract's
        first whole month (Business Central), not OCA's own grid."""
        return self.filtered(
            lambda line: (
                line.service_line_id
                and line.service_line_id.entitlement_id.period_alignment
                == "first_month"
            )
        )

    def _first_month_period_end(self):
        self.ensure_one()
        start = self.next_period_date_start
        if not start:
            return False
        contract = self.service_line_id.entitlement_id
        end = contract._invoice_period_bounds(start)[1]
        return min(end, self.date_end) if self.date_end else end

    def _compute_next_period_date_end(self):
        res = super()._compute_next_period_date_end()
        for line in self._first_month_lines():
            line.next_period_date_end = line._first_month_period_end()
        return res

    def _compute_recurring_next_date(self):
        """Prepaid: invoiced on the period's first day; in arrears: on its
        last day, as Business Central dates them."""
        res = super()._compute_recurring_next_date()
        for line in self._first_month_lines():
            end = line._first_month_period_end()
            prepaid = line.recurring_invoicing_type == "pre-paid"
            line.recurring_next_date = end and (
                line.next_period_date_start if prepaid else end
            )
        return res

    def _get_period_to_invoice(
        self, last_date_invoiced, recurring_next_date, stop_at_date_end=True
    ):
        if not self._first_month_lines() or not recurring_next_date:
            return super()._get_period_to_invoice(
                last_date_invoiced, recurring_next_date, stop_at_date_end
            )
        first = (
            last_date_invoiced + relativedelta(days=1)
            if last_date_invoiced
            else self.date_start
        )
        contract = self.service_line_id.entitlement_id
        last = contract._invoice_period_bounds(first)[1]
        if stop_at_date_end and self.date_end:
            last = min(last, self.date_end)
        return first, last, recurring_next_date

    def _prepare_invoice_line(self):
        """A service contract line is invoiced for the days of the period it
        is in force, by its contract's proration, and the invoice line names
        the item and those days."""
        vals = super()._prepare_invoice_line()
        service_line = self.service_line_id
        if not vals or not service_line:
            return vals
        first, last, _invoice_date = self._get_period_to_invoice(
            self.last_date_invoiced, self.recurring_next_date
        )
        values = service_line._invoice_values(first, last)
        if not values:
            return {}
        partner = self.contract_id.partner_id
        env = self.with_context(lang=partner.lang).env
        start, end = values["start"], values["end"]
        name = env._(
            "%(contract)s: %(item)s, %(start)s to %(end)s",
            contract=service_line.entitlement_id.code,
            item=service_line.name,
            start=format_date(env, start),
            end=format_date(env, end),
        )
        # sudo: the line discount is billing's; an accountant running OCA's engine too
        line_discount = service_line.sudo().discount
        if values["annual_amount"] and line_discount:
            name = env._(
                "%(name)s, after a %(discount)s%% line discount",
                name=name,
                discount=format_percent(env, line_discount),
            )
        vals.update(
            {
                "price_unit": values["price_unit"],
                "discount": values["discount"],
                "name": name,
                "service_period_start": start,
                "service_period_end": end,
                "service_annual_amount": values["annual_amount"],
            }
        )
        return vals
