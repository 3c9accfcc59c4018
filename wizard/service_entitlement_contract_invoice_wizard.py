from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools.misc import format_date


class ServiceEntitlementContractInvoiceWizard(models.TransientModel):
    """Billing clerks invoice the periods of service contracts that are due
    by a date in one click; OCA ``contract`` makes the invoices, one period
    per contract and run, never twice."""

    _name = "service.entitlement.contract.invoice.wizard"
    _description = "Invoice Service Contracts"

    date = fields.Date(
        string="Invoice Periods Due By",
        required=True,
        default=fields.Date.context_today,
    )
    due_count = fields.Integer(string="Contracts Due", compute="_compute_due_count")

    @api.depends("date")
    def _compute_due_count(self):
        for wizard in self:
            wizard.due_count = len(wizard._due_contracts())

    def _due_contracts(self):
        self.ensure_one()
        return (
            self.env["contract.contract"]
            .sudo()
            .search(
                [
                    ("service_entitlement_id", "!=", False),
                    ("service_entitlement_id.company_id", "in", self.env.companies.ids),
                    ("recurring_next_date", "<=", self.date),
                ]
            )
        )

    def action_create_invoices(self):
        self.ensure_one()
        if not self.env.user.has_group("service_entitlement.group_billing_clerk"):
            raise UserError(
                self.env._("Only billing clerks can invoice service contracts.")
            )
        invoices = self.env["service.entitlement"]._contract_invoice_due(
            self._due_contracts(), self.date
        )
        if not invoices:
            # Nothing due is an answer, not a failure: say so and stay put.
            return {
                "type": "ir.actions.client",
                "tag": "display_notification",
                "params": {
                    "type": "info",
                    "message": self.env._(
                        "No service contract has a period to invoice by %(date)s.",
                        date=format_date(self.env, self.date),
                    ),
                },
            }
        action = self.env["ir.actions.actions"]._for_xml_id(
            "account.action_move_out_invoice_type"
        )
        action["domain"] = [("id", "in", invoices.ids)]
        action["context"] = {"create": False}
        return action


class ServiceEntitlement(models.Model):
    _inherit = "service.entitlement"

    @api.model
    def _contract_invoice_due(self, contracts, date_ref):
        """Invoice what ``contracts`` (``contract.contract``) have due by
        ``date_ref``, company by company, with OCA contract's own engine.
        Their lines are locked first: a second run at the same time (another
        clerk, the daily job) waits, then finds nothing left to invoice."""
        contracts = contracts.sudo()
        if not contracts:
            return self.env["account.move"]
        # A run that committed in between makes this one fail to serialize:
        # Odoo retries the request, which then finds nothing due.  That is
        # expected, not an error to log.
        self.env.cr.execute(
            "SELECT id FROM contract_line WHERE contract_id IN %s "
            "ORDER BY id FOR NO KEY UPDATE",
            [tuple(contracts.ids)],
            log_exceptions=False,
        )
        contracts.invalidate_recordset()
        contracts.contract_line_ids.invalidate_recordset()
        invoices = self.env["account.move"]
        for company in contracts.company_id:
            due = contracts.filtered(
                lambda c, company=company: (
                    c.company_id == company
                    and c.recurring_next_date
                    and c.recurring_next_date <= date_ref
                )
            ).with_company(company)
            if due:
                invoices |= due._recurring_create_invoice(date_ref)
        return invoices.sudo(False)
