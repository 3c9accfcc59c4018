from odoo import fields, models

from .ledger_guard import ledger_writer

# At most this many periods of a contract are invoiced in one run (two years
# of monthly periods): a bound, not a business rule.
MAX_PERIODS_PER_RUN = 24

# The recurring contract of a service contract is the flow's: the service
# contract decides whom and how it invoices.
SERVICE_CONTRACT = [("service_entitlement_id", "!=", False)]
SERVICE_CONTRACT_FIELDS = (
    "partner_id",
    "invoice_partner_id",
    "company_id",
    "currency_id",
    "manual_currency_id",
    "pricelist_id",
    "journal_id",
    "fiscal_position_id",
    "contract_type",
    "line_recurrence",
    "active",
)


class ContractContract(models.Model):
    _inherit = "contract.contract"
    _flow_only_declared = dict.fromkeys(SERVICE_CONTRACT_FIELDS, SERVICE_CONTRACT)
    _flow_owned = SERVICE_CONTRACT

    service_entitlement_id = fields.Many2one(
        "service.entitlement",
        string="Service Contract",
        readonly=True,
        copy=False,
        flow_only=True,
        index="btree_not_null",
        help="The service contract whose lines this contract invoices.",
    )

    def _prepare_invoice(self, date_invoice, journal=None):
        vals = super()._prepare_invoice(date_invoice, journal=journal)
        service_contract = self.service_entitlement_id
        if service_contract:
            vals["invoice_origin"] = service_contract.display_name
        return vals

    def _recurring_create_invoice(self, date_ref=False):
        """Service contracts invoice every period due by ``date_ref`` in one
        run, one invoice per period dated on the period's invoice date;
        other contracts as OCA contract does."""
        service = self.filtered("service_entitlement_id")
        moves = self.env["account.move"]
        if self - service:
            moves |= super(ContractContract, self - service)._recurring_create_invoice(
                date_ref=date_ref
            )
        if service:
            moves |= service._service_invoice_due(
                date_ref or fields.Date.context_today(self)
            )
        return moves

    def _service_invoice_due(self, date_ref):
        """Their lines are locked first: a second run at the same time
        (another clerk, the daily job) waits, then finds nothing left to
        invoice.  Invoicing moves the dates of the recurring lines and
        writes the service period on the invoice lines: the flow's fields,
        which only this writes."""
        # A run that committed in between makes this one fail to serialize:
        # Odoo retries the request, which then finds nothing due.  That is
        # expected, not an error to log.
        self.env.cr.execute(
            "SELECT id FROM contract_line WHERE contract_id IN %s "
            "ORDER BY id FOR NO KEY UPDATE",
            [tuple(self.ids)],
            log_exceptions=False,
        )
        self.invalidate_recordset()
        self.contract_line_ids.invalidate_recordset()
        moves = self.env["account.move"]
        with ledger_writer():
            for __ in range(MAX_PERIODS_PER_RUN):
                due = self.filtered(
                    lambda c: (
                        c.recurring_next_date and c.recurring_next_date <= date_ref
                    )
                )
                # Without a date, OCA's engine invoices each contract's next
                # period on that period's own invoice date.
                made = due and super(ContractContract, due)._recurring_create_invoice()
                if not made:
                    break
                moves |= made
        return moves
