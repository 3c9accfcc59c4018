from dateutil.relativedelta import relativedelta
from markupsafe import Markup

from odoo import Command, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools.misc import format_date

from .contract_periods import first_whole_month, grid_period
from .ledger_guard import flow_writes, gain_loss_reason, granted, ledger_writer

# Invoice period -> (OCA contract recurrence, interval, months).
INVOICE_PERIODS = {
    "month": ("monthly", 1, 1),
    "two_months": ("monthly", 2, 2),
    "quarter": ("quarterly", 1, 3),
    "half_year": ("semesterly", 1, 6),
    "year": ("yearly", 1, 12),
}
# How the contract is invoiced; fixed once it has an OCA contract.
INVOICING_FIELDS = frozenset(
    {"invoice_period", "invoice_prepaid", "proration_method", "period_alignment"}
)
# Follow from the contract lines once a service contract has some.
LINE_COVERAGE_FIELDS = frozenset({"lot_ids", "product_ids"})


# The day the scheduled job last moved the contracts' coverage to their lines.
LINES_FOLLOWED_ON = "service_entitlement.contract_lines_followed_on"


class ServiceEntitlement(models.Model):
    """A service contract as a billing agreement (Business Central's service
    contract): contract lines with annual values, an invoice period, prepaid
    or in arrears.  Its ``contract.contract`` (OCA ``contract``) makes the
    invoices; this side creates it, keeps its lines in step and credits what
    a prepaid period invoiced beyond a line's end."""

    _inherit = "service.entitlement"

    contract_line_ids = fields.One2many(
        "service.entitlement.contract.line",
        "entitlement_id",
        string="Contract Lines",
        copy=False,
    )
    invoice_period = fields.Selection(
        [
            ("none", "None"),
            ("month", "Month"),
            ("two_months", "Two Months"),
            ("quarter", "Quarter"),
            ("half_year", "Half-year"),
            ("year", "Year"),
        ],
        required=True,
        default="none",
        tracking=True,
        help="How often the contract's lines are invoiced; periods follow the "
        "calendar (quarters start on 1 January, 1 April...). None: the "
        "contract fee is not invoiced, only the overage.",
    )
    invoice_prepaid = fields.Boolean(
        string="Prepaid",
        tracking=True,
        help="Invoice each period at its start (in advance); otherwise at its "
        "end (in arrears).",
    )
    contract_id = fields.Many2one(
        "contract.contract",
        string="Recurring Invoicing",
        readonly=True,
        copy=False,
        flow_only=True,
        ondelete="restrict",
        index="btree_not_null",
        help="The recurring contract that invoices the contract lines.",
    )
    next_invoice_date = fields.Date(
        compute="_compute_next_invoice_date",
        help="When the next contract invoice is due.",
    )
    next_invoice_amount = fields.Monetary(
        compute="_compute_next_invoice_amount",
        groups="service_entitlement.group_billing_clerk",
        help="What the next contract invoice will be, before taxes: each "
        "line's amount for its period, by the contract's proration.",
    )
    annual_amount = fields.Monetary(
        compute="_compute_annual_amount",
        groups="service_entitlement.group_billing_clerk",
        help="Sum of the annual values of the lines in force, after their discounts.",
    )
    contract_invoice_count = fields.Integer(
        compute="_compute_contract_invoice_count",
        groups="service_entitlement.group_billing_clerk",
    )
    price_update_period = fields.Integer(
        string="Price Update Period (months)",
        default=12,
        tracking=True,
        help="Months between two price updates.",
    )
    next_price_update_date = fields.Date(
        string="Next Price Update",
        copy=False,
        tracking=True,
        help="From this day, Update Contract Prices changes the line values.",
    )
    is_quote = fields.Boolean(
        string="Quote",
        tracking=True,
        help="A contract offered to the customer: sent by email, accepted and "
        "signed on the portal, which activates it.",
    )
    # Written by sending the quote and by the customer's signature only.
    quote_sent = fields.Boolean(readonly=True, copy=False, flow_only=True)
    signature = fields.Image(
        copy=False,
        attachment=True,
        max_width=1024,
        max_height=1024,
        readonly=True,
        flow_only=True,
    )
    signed_by = fields.Char(copy=False, readonly=True, flow_only=True)
    signed_on = fields.Datetime(copy=False, readonly=True, flow_only=True)
    price_change_ids = fields.One2many(
        "service.entitlement.price.change",
        "entitlement_id",
        string="Price History",
        readonly=True,
        groups="service_entitlement.group_billing_clerk",
    )
    # A manager's decision to activate a quote the customer did not sign.
    accepted_without_signature_reason = fields.Text(
        string="Accepted Without Signature",
        copy=False,
        readonly=True,
        tracking=True,
        flow_only=True,
    )
    accepted_without_signature_user_id = fields.Many2one(
        "res.users", string="Accepted By", copy=False, readonly=True, flow_only=True
    )
    accepted_without_signature_date = fields.Datetime(
        string="Accepted On", copy=False, readonly=True, flow_only=True
    )

    # ------------------------------------------------------------------
    # Computes and constraints
    # ------------------------------------------------------------------

    @api.depends(
        "contract_id",
        "contract_line_ids.date_start",
        "contract_line_ids.contract_line_id.recurring_next_date",
    )
    def _compute_next_invoice_date(self):
        self.next_invoice_date = False
        for rec in self.filtered("contract_id"):
            dates = [
                max(oca.recurring_next_date, line.date_start)
                for line in rec.contract_line_ids
                # sudo: OCA's lines are billing's; the desk and customers read the date
                for oca in line.contract_line_id.sudo()
                if oca.recurring_next_date and not oca.is_canceled
            ]
            rec.next_invoice_date = min(dates) if dates else False

    @api.depends(
        "next_invoice_date",
        "contract_line_ids.line_amount",
        "contract_line_ids.contract_line_id.last_date_invoiced",
    )
    def _compute_next_invoice_amount(self):
        self.next_invoice_amount = 0.0
        for rec in self.filtered("next_invoice_date"):
            rec.next_invoice_amount = sum(
                line._next_invoice_amount()
                for line in rec.contract_line_ids
                # sudo: OCA's lines read as for the next date, whoever views the amount
                for oca in line.contract_line_id.sudo()
                if oca.recurring_next_date
                and max(oca.recurring_next_date, line.date_start)
                == rec.next_invoice_date
            )

    @api.depends(
        "contract_line_ids.line_amount",
        "contract_line_ids.date_start",
        "contract_line_ids.date_end",
    )
    @api.depends_context("date")
    def _compute_annual_amount(self):
        for rec in self:
            rec.annual_amount = sum(
                rec.contract_line_ids.filtered("in_force").mapped("line_amount")
            )

    def _compute_contract_invoice_count(self):
        self.contract_invoice_count = 0
        for rec in self.filtered("contract_id"):
            rec.contract_invoice_count = len(
                # sudo: count every invoice of the contract, whatever the reader's rules
                rec.contract_id.sudo()._get_related_invoices()
            )

    @api.constrains("invoice_period", "invoice_prepaid", "entitlement_type")
    def _check_invoicing(self):
        for rec in self:
            if (
                rec.invoice_period != "none"
                and rec.entitlement_type != "service_contract"
            ):
                raise ValidationError(
                    self.env._(
                        "Only service contracts are invoiced by period; %(name)s "
                        "is not one.",
                        name=rec.display_name,
                    )
                )
            if rec.invoice_prepaid and rec.invoice_period == "none":
                raise ValidationError(
                    self.env._(
                        "%(name)s is prepaid but has no invoice period: choose "
                        "how often it is invoiced.",
                        name=rec.display_name,
                    )
                )

    @api.constrains("price_update_period")
    def _check_price_update_period(self):
        for rec in self:
            if rec.price_update_period <= 0:
                raise ValidationError(
                    self.env._(
                        "The price update period of %(name)s must be at least "
                        "one month.",
                        name=rec.display_name,
                    )
                )

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------

    def write(self, vals):
        if INVOICING_FIELDS & set(vals):
            invoiced = self.filtered("contract_id")
            if invoiced:
                raise UserError(
                    self.env._(
                        "%(name)s is already invoiced by period: its invoice "
                        "period, prepaid setting, proration and period "
                        "alignment cannot change.",
                        name=invoiced[0].display_name,
                    )
                )
        if LINE_COVERAGE_FIELDS & set(vals) - granted(self._name):
            lined = self.filtered("contract_line_ids")
            if lined:
                raise UserError(
                    self.env._(
                        "The serial numbers and products %(name)s covers come "
                        "from its contract lines: add, change or end a line "
                        "instead.",
                        name=lined[0].display_name,
                    )
                )
        res = super().write(vals)
        if {"date_start", "date_end"} & set(vals):
            self.filtered("contract_line_ids")._contract_follow_lines()
        return res

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def action_activate(self):
        self._check_contract_lines_to_invoice()
        for rec in self:
            rec._blocked_lines_in_force().lot_id._check_service_blocked(
                "contracts",
                self.env._("activating %(name)s", name=rec.display_name),
            )
        unaccepted = self.filtered(
            lambda r: (
                r.is_quote
                and not r.signed_on
                and not r.accepted_without_signature_reason
            )
        )
        if unaccepted:
            raise UserError(
                self.env._(
                    "%(name)s is a quote: the customer's signature on the portal "
                    "activates it. Without one, use Accept Without Signature "
                    "and say why.",
                    name=unaccepted[0].display_name,
                )
            )
        res = super().action_activate()
        for rec in self:
            if not rec.next_price_update_date and rec.contract_line_ids:
                rec.next_price_update_date = rec.date_start + relativedelta(
                    months=rec.price_update_period
                )
        self._contract_create()
        self._gain_loss_signed()
        self._contract_invoice_starting_period()
        return res

    def _contract_invoice_starting_period(self):
        """A prepaid contract aligned on its first whole month invoices its
        starting period (the rest of its first month) when it is activated,
        as Business Central does when a contract is signed."""
        today = fields.Date.context_today(self)
        for rec in self.filtered(
            lambda r: (
                r.contract_id
                and r.invoice_prepaid
                and r.period_alignment == "first_month"
                and r.date_start.day != 1
                and r.date_start <= today
            )
        ):
            last = rec._invoice_anchor() - relativedelta(days=1)
            invoices = self._contract_invoice_due(rec.contract_id, min(today, last))
            if invoices:
                rec.message_post(
                    body=Markup(self.env._("Starting period invoiced: %(invoices)s."))
                    % {
                        "invoices": Markup(", ").join(
                            move._get_html_link() for move in invoices
                        )
                    }
                )

    def _prepare_renewal_contract_lines(self, date_start):
        """The lines of a renewed service contract: those still in force at
        its end, at their current prices, from ``date_start``."""
        self.ensure_one()
        return [
            Command.create(
                {
                    "sequence": line.sequence,
                    "lot_id": line.lot_id.id,
                    "product_id": line.product_id.id,
                    "name": line.name,
                    "line_value": line.line_value,
                    "discount": line.discount,
                    "response_hours": line.response_hours,
                    "date_start": date_start,
                }
            )
            # sudo: the renewal copies every line's prices, hidden from most readers
            for line in self.sudo().contract_line_ids
            if not line.date_end or line.date_end >= self.date_end
        ]

    def action_cancel(self):
        contracts = self.filtered("contract_id")
        signed = self.filtered(lambda c: c._gain_loss_counts())
        amounts = {
            rec: sum(rec.contract_line_ids._gain_loss_amounts().values())
            for rec in signed
        }
        res = super().action_cancel()
        contracts._contract_close(fields.Date.context_today(self))
        for rec, amount in amounts.items():
            rec._gain_loss_log([("cancelled", -amount, None)])
        return res

    def action_draft(self):
        invoiced = self.filtered("contract_id")
        if invoiced:
            raise UserError(
                self.env._(
                    "%(name)s has been invoiced by period: it cannot go back "
                    "to draft. Make a new contract instead.",
                    name=invoiced[0].display_name,
                )
            )
        return super().action_draft()

    @api.model
    def _cron_update_states(self):
        """Then the coverage of the contracts whose lines started or ended
        since the job's last run (a line changed by hand moves its contract's
        coverage at once)."""
        res = super()._cron_update_states()
        today = fields.Date.context_today(self)
        params = self.env["ir.config_parameter"].sudo()  # sudo: the job's own mark
        since = fields.Date.to_date(params.get_param(LINES_FOLLOWED_ON) or None)
        domain = [
            ("entitlement_id.entitlement_type", "=", "service_contract"),
            ("entitlement_id.state", "in", ("waiting", "active")),
        ]
        if since:
            # In force from its start, out of force the day after its end.
            domain += [
                "|",
                "&",
                ("date_start", ">", since),
                ("date_start", "<=", today),
                "&",
                ("date_end", ">=", since - relativedelta(days=1)),
                ("date_end", "<", today),
            ]
        lines = self.env["service.entitlement.contract.line"].search(domain)
        lines.entitlement_id._contract_follow_lines()
        params.set_param(LINES_FOLLOWED_ON, fields.Date.to_string(today))
        return res

    def action_view_contract_invoices(self):
        self.ensure_one()
        # sudo: list every invoice of the contract, whatever the reader's rules
        invoices = self.contract_id.sudo()._get_related_invoices()
        action = self.env["ir.actions.actions"]._for_xml_id(
            "account.action_move_out_invoice_type"
        )
        action["domain"] = [("id", "in", invoices.ids)]
        action["context"] = {"create": False}
        return action

    # ------------------------------------------------------------------
    # Business methods
    # ------------------------------------------------------------------

    def _blocked_lines_in_force(self):
        """The contract lines (in force from their start on) whose serial
        number is blocked; read as superuser, since the customer asks too
        (whether the quote can be signed) and reads no serial numbers."""
        self.ensure_one()
        # sudo: the customer asks too (can the quote be signed) and reads no serials
        return self.sudo().contract_line_ids.filtered(
            lambda line: (
                line.lot_id.service_blocked != "none"
                and not (
                    line.date_end and line.date_end < fields.Date.context_today(line)
                )
            )
        )

    def _check_contract_editable(self, what):
        """Only entitlement managers change contract lines, and only while
        the contract is open."""
        if not (
            self.env.su
            or self.env.user.has_group("service_entitlement.group_entitlement_manager")
        ):
            raise UserError(
                self.env._(
                    "Only an entitlement manager can %(what)s of a service contract.",
                    what=what,
                )
            )
        closed = self.filtered(lambda r: r.state in ("expired", "cancelled"))
        if closed:
            raise UserError(
                self.env._(
                    "%(name)s is closed: its lines cannot change.",
                    name=closed[0].display_name,
                )
            )

    def _check_contract_lines_to_invoice(self):
        for rec in self:
            if rec.invoice_period != "none" and not rec.contract_line_ids:
                raise UserError(
                    self.env._(
                        "%(name)s is invoiced by period but has no contract "
                        "lines: add the serial numbers or products it covers.",
                        name=rec.display_name,
                    )
                )

    def _invoice_period_rule(self):
        self.ensure_one()
        return INVOICE_PERIODS[self.invoice_period]

    def _invoice_anchor(self):
        """First day of the contract's grid of regular invoice periods: the
        first whole month of the contract (Business Central), or 1 January."""
        self.ensure_one()
        if self.period_alignment == "calendar":
            return self.date_start.replace(month=1, day=1)
        return first_whole_month(self.date_start)

    def _invoice_grid_period(self, day):
        """The regular invoice period (first and last day) that holds
        ``day``."""
        self.ensure_one()
        months = self._invoice_period_rule()[2]
        return grid_period(self._invoice_anchor(), months, day)

    def _invoice_period_bounds(self, day):
        """The period invoiced together with ``day``: the starting period
        (the contract's first days before its first whole month), or the
        regular period that holds it."""
        self.ensure_one()
        anchor = self._invoice_anchor()
        if self.period_alignment == "first_month" and day < anchor:
            return self.date_start, anchor - relativedelta(days=1)
        return self._invoice_grid_period(day)

    def _invoice_period_start(self, day):
        """First day of the invoice period that holds ``day``."""
        return self._invoice_period_bounds(day)[0]

    def _contract_product(self):
        self.ensure_one()
        return self.company_id.entitlement_contract_product_id or self.env.ref(
            "service_entitlement.product_service_contract"
        )

    def _contract_follow_lines(self, lines=None):
        """The coverage follows the lines in force today; each line of a
        contract invoiced by period gets its recurring line once (only
        ``lines``, when given: the new ones)."""
        today = fields.Date.context_today(self)
        for rec in self:
            if rec.entitlement_type != "service_contract" or not rec.contract_line_ids:
                continue
            in_force = rec.contract_line_ids.filtered(
                lambda line, day=today: line._in_force_on(day)
            )
            lots = in_force.lot_id
            products = in_force.filtered(lambda line: not line.lot_id).product_id
            if lots != rec.lot_ids or products != rec.product_ids:
                # sudo: whoever changed a line (manager, contract run) moves coverage
                with flow_writes(self._name, *LINE_COVERAGE_FIELDS):
                    rec.sudo().write(
                        {
                            "lot_ids": [Command.set(lots.ids)],
                            "product_ids": [Command.set(products.ids)],
                        }
                    )
            if rec.contract_id:
                rec._contract_lines_create(
                    rec.contract_line_ids if lines is None else lines
                )

    def _contract_lines_create(self, lines):
        """The recurring lines that invoice ``lines`` (those without one)."""
        self.ensure_one()
        new = lines.filtered(
            lambda line: line.entitlement_id == self and not line.contract_line_id
        )
        if not new:
            return
        with ledger_writer():
            # sudo: OCA's recurring lines are the flow's; adding a line makes its own
            recurring = (
                self.env["contract.line"]
                .sudo()
                .create([line._prepare_contract_line_vals() for line in new])
            )
            for line, oca in zip(new, recurring, strict=True):
                line._write_flow({"contract_line_id": oca.id})

    def _prepare_contract_vals(self):
        """Values of the ``contract.contract`` that invoices this contract."""
        self.ensure_one()
        return {
            "name": self.name,
            "code": self.code,
            "partner_id": self.partner_id.id,
            "company_id": self.company_id.id,
            "contract_type": "sale",
            "line_recurrence": True,
            "user_id": self.user_id.id,
            "service_entitlement_id": self.id,
        }

    def _contract_create(self):
        to_create = self.filtered(
            lambda r: (
                r.entitlement_type == "service_contract"
                and r.invoice_period != "none"
                and r.contract_line_ids
                and not r.contract_id
            )
        )
        # sudo: OCA's contract is the flow's; activating a service contract makes it
        Contract = self.env["contract.contract"].sudo()
        for rec in to_create:
            with ledger_writer():
                contract = Contract.create(rec._prepare_contract_vals())
                # sudo: contract_id is flow-only; activation links the contract it made
                rec.sudo().write({"contract_id": contract.id})
            rec._contract_follow_lines()
            rec.message_post(
                body=self.env._(
                    "Invoiced %(period)s, %(timing)s, by %(contract)s.",
                    period=dict(
                        self._fields["invoice_period"]._description_selection(self.env)
                    )[rec.invoice_period].lower(),
                    timing=(
                        self.env._("in advance")
                        if rec.invoice_prepaid
                        else self.env._("in arrears")
                    ),
                    contract=contract.display_name,
                )
            )

    # ------------------------------------------------------------------
    # Invoicing what is due (the clerks' wizard and the daily job)
    # ------------------------------------------------------------------

    @api.model
    @api.model
    def _contract_invoice_check(self, day, ahead=False):
        """Who may invoice service contracts, and by which day: billing
        clerks, up to today; entitlement managers ahead when they say so.
        The wizard and OCA's public entries (the daily job's, the contract's
        button) all ask this."""
        if self.env.su:
            return
        if not self.env.user.has_group("service_entitlement.group_billing_clerk"):
            raise UserError(
                self.env._("Only billing clerks can invoice service contracts.")
            )
        if day > fields.Date.context_today(self):
            manager = self.env.user.has_group(
                "service_entitlement.group_entitlement_manager"
            )
            if not (ahead and manager):
                raise UserError(
                    self.env._(
                        "%(date)s is after today: each period is invoiced on its "
                        "day. An entitlement manager may invoice ahead.",
                        date=format_date(self.env, day),
                    )
                )

    def _contract_invoice_due(self, contracts, date_ref, commit=False):
        """Invoice every period ``contracts`` (``contract.contract``) have
        due by ``date_ref`` with OCA contract's own engine; with ``commit``
        (the clerks' run, the daily job) in batches that each commit (see
        ``contract.contract._service_invoice_run``)."""
        return (
            # sudo: callers checked who invoices; OCA's engine writes what clerks read
            contracts.sudo()._service_invoice_run(date_ref, commit=commit).sudo(False)
        )

    # ------------------------------------------------------------------
    # Price updates (Update Prices)
    # ------------------------------------------------------------------

    def _update_prices(self, percent):
        """Apply ``percent`` to the lines in force, log each change and move
        the next price update by the contract's period."""
        self.ensure_one()
        factor = 1.0 + percent / 100.0
        changes = []
        today = fields.Date.context_today(self)
        # A credited line has ended for good: its price stays.
        for line in self.contract_line_ids.filtered(
            lambda line: line.in_force and not line.credit_move_id
        ):
            old = line.line_value
            new = self.currency_id.round(old * factor)
            with gain_loss_reason("price_update"):
                line.line_value = new
            changes.append(
                {
                    "entitlement_id": self.id,
                    "contract_line_id": line.id,
                    "date": today,
                    "user_id": self.env.uid,
                    "name": line.name,
                    "percent": percent,
                    "old_value": old,
                    "new_value": new,
                }
            )
        self.env["service.entitlement.price.change"]._flow_create(changes)
        next_date = self.next_price_update_date + relativedelta(
            months=self.price_update_period
        )
        self.next_price_update_date = next_date
        # Everyone who reads the contract reads its chatter: the amounts stay
        # in the price history, which billing clerks and managers read.
        self.message_post(
            body=self.env._(
                "Prices of %(count)s line(s) updated by %(percent)s%% (see the "
                "price history). Next price update: %(date)s.",
                count=len(changes),
                percent=percent,
                date=format_date(self.env, next_date),
            )
        )
