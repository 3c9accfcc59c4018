import threading

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.osv import expression
from odoo.tools import split_every

from .ledger_guard import ledger_writer

# At most this many periods of a contract are invoiced in one run (two years
# of monthly periods): a bound, not a business rule.
MAX_PERIODS_PER_RUN = 24

# Service contracts invoiced per batch by the clerks' run and the daily job,
# each batch committed on its own: a bound on the memory a run holds and on
# what a failure takes back, not a business rule.
INVOICE_BATCH = 100

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
        # The service contract lines behind them, read at once: OCA's engine
        # goes contract by contract and would read them one contract a query.
        self.contract_line_ids.service_line_id.mapped("entitlement_id")
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

    # ------------------------------------------------------------------
    # Runs in committed batches (the clerks' run and the daily job)
    # ------------------------------------------------------------------

    def _service_invoice_run(self, date_ref, commit=False):
        """Invoice what these service contracts have due by ``date_ref``,
        company by company.  With ``commit``, INVOICE_BATCH contracts at a
        time, each batch committed and the caches emptied: the memory a run
        holds stays bounded, and a run stopped midway (a failure, a restart)
        keeps what it invoiced; the next run finds those periods invoiced,
        no longer due, and invoices the rest, nothing twice."""
        invoice_ids = []
        done = 0
        for ids in split_every(INVOICE_BATCH, self.ids) if commit else [self.ids]:
            batch = self.browse(ids)
            try:
                for company in batch.company_id:
                    mine = batch.filtered(
                        lambda c, company=company: c.company_id == company
                    )
                    invoice_ids += (
                        mine.with_company(company)
                        ._recurring_create_invoice(date_ref)
                        .ids
                    )
            except UserError as error:
                if not done:
                    raise
                raise UserError(
                    self.env._(
                        "%(done)s of %(total)s service contracts were invoiced "
                        "and saved; the next ones stopped on: %(error)s\n"
                        "Once that is mended, invoice again: the run invoices "
                        "the rest, nothing twice.",
                        done=done,
                        total=len(self),
                        error=error.args[0],
                    )
                ) from error
            if commit:
                self._service_invoice_commit()
            done += len(ids)
        return self.env["account.move"].browse(invoice_ids)

    def _service_invoice_commit(self):
        """Commit a batch of the run, outside tests (as Odoo's own batch jobs
        do), and forget what it read."""
        self.env.flush_all()
        if not getattr(threading.current_thread(), "testing", False):
            self.env.cr.commit()  # pylint: disable=invalid-commit
        self.env.invalidate_all()

    @api.model
    def cron_recurring_create_invoice(self, date_ref=None):
        """OCA's public entry of the daily job: anyone but the job itself
        invoices under the rules of the billing clerks' run."""
        if date_ref:
            try:
                date_ref = fields.Date.to_date(date_ref)
            except ValueError as error:
                raise UserError(
                    self.env._("%(date)s is not a date.", date=date_ref)
                ) from error
        day = date_ref or fields.Date.context_today(self)
        # sudo: whether any service contract is due, whatever the caller may read
        if not self.env.su and self.sudo().search_count(
            expression.AND([SERVICE_CONTRACT, [("recurring_next_date", "<=", day)]]),
            limit=1,
        ):
            self.env["service.entitlement"]._contract_invoice_check(day)
        return super().cron_recurring_create_invoice(date_ref)

    def recurring_create_invoice(self):
        """OCA's button invoices a contract's next period whatever its date:
        a service contract's, only under the billing clerks' rules."""
        for contract in self.filtered("service_entitlement_id"):
            self.env["service.entitlement"]._contract_invoice_check(
                contract.recurring_next_date or fields.Date.context_today(self)
            )
        return super().recurring_create_invoice()

    @api.model
    def _cron_recurring_create(self, date_ref=False, create_type="invoice"):
        """The daily job: the service contracts due in committed batches,
        then the other contracts as OCA contract invoices them."""
        if create_type != "invoice" or self.env.context.get("service_invoiced"):
            return super()._cron_recurring_create(date_ref, create_type)
        date_ref = date_ref or fields.Date.context_today(self)
        self.search(
            expression.AND(
                [self._get_contracts_to_invoice_domain(date_ref), SERVICE_CONTRACT]
            ),
            order="id",
        )._service_invoice_run(date_ref, commit=True)
        others = self.with_context(service_invoiced=True)
        return super(ContractContract, others)._cron_recurring_create(
            date_ref, create_type
        )

    @api.model
    def _get_contracts_to_invoice_domain(self, date_ref=None):
        domain = super()._get_contracts_to_invoice_domain(date_ref)
        if self.env.context.get("service_invoiced"):
            domain = expression.AND([domain, [("service_entitlement_id", "=", False)]])
        return domain
