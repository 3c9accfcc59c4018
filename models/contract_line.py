from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools.misc import format_date

from .ledger_guard import is_ledger_writer

# What the service contract line decides for the recurring line.
SERVICE_FIELDS = frozenset(
    {
        "contract_id",
        "product_id",
        "quantity",
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
        "service_line_id",
    }
)


class ContractLine(models.Model):
    _inherit = "contract.line"

    service_line_id = fields.Many2one(
        "service.entitlement.contract.line",
        string="Service Contract Line",
        readonly=True,
        copy=False,
        index="btree_not_null",
        ondelete="set null",
    )

    def write(self, vals):
        if (
            SERVICE_FIELDS & set(vals)
            and not is_ledger_writer()
            and self.filtered("service_line_id")
        ):
            raise UserError(
                self.env._(
                    "%(line)s invoices a service contract line: change the "
                    "service contract instead.",
                    line=self.filtered("service_line_id")[0].name,
                )
            )
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_service_line(self):
        if not is_ledger_writer() and self.filtered("service_line_id"):
            raise UserError(
                self.env._(
                    "This line invoices a service contract line: end or "
                    "delete that line instead."
                )
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
