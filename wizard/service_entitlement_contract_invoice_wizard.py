from odoo import api, fields, models
from odoo.tools.misc import format_date

from ..models.notify import notification


class ServiceEntitlementContractInvoiceWizard(models.TransientModel):
    """Billing clerks invoice the periods of service contracts that are due
    by a date in one click: every period due, each once (OCA ``contract``
    makes the invoices), in batches that each commit: a run that stops
    midway keeps what it invoiced and the next one invoices the rest.  A
    date after today is for entitlement managers who tick Invoice Ahead."""

    _name = "service.entitlement.contract.invoice.wizard"
    _description = "Invoice Service Contracts"

    date = fields.Date(
        string="Invoice Periods Due By",
        required=True,
        default=fields.Date.context_today,
    )
    due_count = fields.Integer(string="Contracts Due", compute="_compute_due_count")
    invoice_ahead = fields.Boolean(
        help="Invoice the periods due by a date after today (entitlement "
        "managers only). Otherwise each period is invoiced on its day.",
    )

    @api.depends("date")
    def _compute_due_count(self):
        for wizard in self:
            wizard.due_count = len(wizard._due_contracts())

    def _due_contracts(self):
        self.ensure_one()
        # sudo: OCA's contracts due in the open companies, read as the run reads them
        return (
            self.env["contract.contract"]
            .sudo()
            .search(
                [
                    ("service_entitlement_id", "!=", False),
                    ("service_entitlement_id.company_id", "in", self.env.companies.ids),
                    ("recurring_next_date", "<=", self.date),
                ],
                order="id",
            )
        )

    def action_create_invoices(self):
        self.ensure_one()
        self.env["service.entitlement"]._contract_invoice_check(
            self.date, ahead=self.invoice_ahead
        )
        invoices = self.env["service.entitlement"]._contract_invoice_due(
            self._due_contracts(), self.date, commit=True
        )
        if not invoices:
            # Nothing due is an answer, not a failure: say so and stay put.
            return notification(
                self.env._(
                    "No service contract has a period to invoice by %(date)s.",
                    date=format_date(self.env, self.date),
                ),
                "info",
                then=None,
            )
        action = self.env["ir.actions.actions"]._for_xml_id(
            "account.action_move_out_invoice_type"
        )
        action["domain"] = [("id", "in", invoices.ids)]
        action["context"] = {"create": False}
        return action
