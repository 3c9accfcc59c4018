from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools.misc import format_date

from .contract_periods import month_parts
from .ledger_guard import flow_writes, granted, ledger_writer
from .notify import dialog

# What a line's price is made of; only entitlement managers change them.
PRICE_FIELDS = frozenset({"line_value", "discount"})
# Written by the add-on's invoicing code only.
FLOW_FIELDS = frozenset({"contract_line_id", "credit_move_id", "credited_from"})


class ServiceEntitlementContractLine(models.Model):
    """A service contract's line (Business Central's contract line): one
    serial number or product, its annual value and discount, and the dates it
    is part of the contract.  The serial numbers and products of the lines in
    force are the contract's coverage.  It is invoiced by a line of the
    contract's ``contract.contract`` (OCA ``contract``) whose schedule and
    price are computed from it (``_recurring_schedule``)."""

    _name = "service.entitlement.contract.line"
    _description = "Service Contract Line"
    _order = "entitlement_id, sequence, id"
    _check_company_auto = True

    sequence = fields.Integer(default=10)
    entitlement_id = fields.Many2one(
        "service.entitlement",
        string="Service Contract",
        required=True,
        index=True,
        ondelete="cascade",
        check_company=True,
    )
    company_id = fields.Many2one(
        related="entitlement_id.company_id", store=True, index=True
    )
    partner_id = fields.Many2one(related="entitlement_id.partner_id", store=True)
    currency_id = fields.Many2one(related="entitlement_id.currency_id")
    lot_id = fields.Many2one(
        "stock.lot",
        string="Serial Number",
        check_company=True,
        index="btree_not_null",
        # A serial number a contract names stays, or the line would cover
        # every unit of its product.
        ondelete="restrict",
        help="The service item this line covers.",
    )
    product_id = fields.Many2one(
        "product.product",
        compute="_compute_product_id",
        store=True,
        readonly=False,
        precompute=True,
        check_company=True,
        help="The product this line covers: every serial number of it when "
        "the line names none.",
    )
    name = fields.Char(
        string="Description", compute="_compute_name", store=True, readonly=False
    )
    line_value = fields.Monetary(
        string="Annual Line Value",
        groups="service_entitlement.group_billing_clerk",
        help="What the line costs the customer for a year, before its discount.",
    )
    discount = fields.Float(
        string="Line Discount %",
        digits="Discount",
        groups="service_entitlement.group_billing_clerk",
    )
    line_amount = fields.Monetary(
        string="Annual Amount",
        compute="_compute_line_amount",
        store=True,
        groups="service_entitlement.group_billing_clerk",
        help="Annual line value after the line discount.",
    )
    response_hours = fields.Float(
        string="Response Time (hours)",
        help="Working hours within which a repair of this line's item must be "
        "confirmed; zero: the contract's.",
    )
    date_start = fields.Date(
        string="Start Date",
        required=True,
        compute="_compute_date_start",
        store=True,
        readonly=False,
        precompute=True,
        help="The day the line joins the contract; a line added during an "
        "invoice period is invoiced for the rest of that period.",
    )
    date_end = fields.Date(
        string="Last Day Covered",
        help="The last day the line covers its item, when the item leaves "
        "the contract. Business Central's removal date is the day after: the "
        "first day no longer covered, from which a prepaid period already "
        "invoiced is credited.",
    )
    in_force = fields.Boolean(
        compute="_compute_in_force",
        help="The line covers its item today.",
    )
    contract_line_id = fields.Many2one(
        "contract.line",
        string="Recurring Invoice Line",
        readonly=True,
        copy=False,
        flow_only=True,
        index="btree_not_null",
    )
    last_date_invoiced = fields.Date(
        related="contract_line_id.last_date_invoiced",
        string="Invoiced Until",
        help="The last day the line's invoices cover.",
    )
    credit_move_id = fields.Many2one(
        "account.move",
        string="Credit Note",
        readonly=True,
        copy=False,
        flow_only=True,
        help="The credit note of the prepaid days after the line's end.",
    )
    credited_from = fields.Date(
        readonly=True,
        copy=False,
        flow_only=True,
        help="First day credited when the line ended.",
    )

    _sql_constraints = [
        (
            "lot_or_product",
            "CHECK(lot_id IS NOT NULL OR product_id IS NOT NULL)",
            "A contract line covers a serial number or a product.",
        ),
    ]

    @api.depends("lot_id")
    def _compute_product_id(self):
        for line in self:
            if line.lot_id:
                line.product_id = line.lot_id.product_id

    @api.depends("lot_id", "product_id")
    def _compute_name(self):
        for line in self:
            if line.lot_id:
                line.name = (
                    f"{line.lot_id.product_id.display_name} ({line.lot_id.name})"
                )
            else:
                line.name = line.product_id.display_name or ""

    @api.depends("entitlement_id.date_start")
    def _compute_date_start(self):
        today = fields.Date.context_today(self)
        for line in self:
            if line.date_start:
                continue
            contract = line.entitlement_id
            if contract.state in ("active", "waiting") and contract.date_start:
                line.date_start = max(today, contract.date_start)
            else:
                line.date_start = contract.date_start or today

    @api.depends("line_value", "discount")
    def _compute_line_amount(self):
        for line in self:
            line.line_amount = line.currency_id.round(
                line.line_value * (1.0 - line.discount / 100.0)
            )

    @api.depends("date_start", "date_end")
    @api.depends_context("date")
    def _compute_in_force(self):
        today = fields.Date.context_today(self)
        for line in self:
            line.in_force = line._in_force_on(today)

    def _in_force_on(self, day):
        self.ensure_one()
        contract = self.entitlement_id
        # Before the contract starts, its lines are what it will cover.
        started = self.date_start <= max(day, contract.date_start or day)
        return started and (not self.date_end or self.date_end >= day)

    @api.constrains("line_value", "discount")
    def _check_price(self):
        # sudo: the price fields are the billing clerk's; anyone's save checks them
        for line in self.sudo():
            if line.line_value < 0:
                raise ValidationError(
                    self.env._(
                        "The annual value of %(line)s cannot be negative.",
                        line=line.name,
                    )
                )
            if not 0.0 <= line.discount <= 100.0:
                raise ValidationError(
                    self.env._(
                        "The discount of %(line)s must be between 0%% and 100%%.",
                        line=line.name,
                    )
                )

    @api.constrains("response_hours")
    def _check_response_hours(self):
        for line in self:
            if line.response_hours < 0:
                raise ValidationError(
                    self.env._(
                        "The response time of %(line)s cannot be negative.",
                        line=line.name,
                    )
                )

    @api.constrains("date_start", "date_end", "entitlement_id")
    def _check_dates(self):
        for line in self:
            contract = line.entitlement_id
            if line.date_end and line.date_end < line.date_start:
                raise ValidationError(
                    self.env._(
                        "The line %(line)s ends (%(end)s) before it starts "
                        "(%(start)s).",
                        line=line.name,
                        end=line.date_end,
                        start=line.date_start,
                    )
                )
            if not (contract.date_start <= line.date_start <= contract.date_end) or (
                line.date_end and line.date_end > contract.date_end
            ):
                raise ValidationError(
                    self.env._(
                        "The line %(line)s must lie within the dates of "
                        "%(contract)s (%(start)s to %(end)s).",
                        line=line.name,
                        contract=contract.display_name,
                        start=contract.date_start,
                        end=contract.date_end,
                    )
                )

    @api.constrains("lot_id", "product_id", "entitlement_id")
    def _check_item(self):
        for line in self:
            contract = line.entitlement_id
            if contract.entitlement_type != "service_contract":
                raise ValidationError(
                    self.env._(
                        "%(name)s is not a service contract: it has no contract lines.",
                        name=contract.display_name,
                    )
                )
            if line.lot_id and line.lot_id.product_id != line.product_id:
                raise ValidationError(
                    self.env._(
                        "Serial number %(lot)s is a %(product)s, not a %(other)s.",
                        lot=line.lot_id.name,
                        product=line.lot_id.product_id.display_name,
                        other=line.product_id.display_name,
                    )
                )
            owner = line.lot_id.customer_id.commercial_partner_id
            if owner and owner != contract.partner_id:
                raise ValidationError(
                    self.env._(
                        "Serial number %(lot)s belongs to %(owner)s, not to "
                        "%(customer)s.",
                        lot=line.lot_id.name,
                        owner=owner.name,
                        customer=contract.partner_id.name,
                    )
                )

    @api.constrains("lot_id")
    def _check_lot_not_blocked(self):
        for line in self:
            line.lot_id._check_service_blocked(
                "contracts",
                self.env._(
                    "adding it to %(contract)s",
                    contract=line.entitlement_id.display_name,
                ),
            )

    @api.model_create_multi
    def create(self, vals_list):
        lines = super().create(vals_list)
        lines.entitlement_id._check_contract_editable(self.env._("add lines"))
        lines.entitlement_id._contract_follow_lines(lines)
        lines._gain_loss_changes({}, "line_added")
        return lines

    def write(self, vals):
        self.check_access("write")
        contracts = self.entitlement_id
        if set(vals) - FLOW_FIELDS - {"sequence", "name"}:
            contracts._check_contract_editable(self.env._("change lines"))
            self._check_not_credited(vals)
        if "date_end" in vals and "date_end" not in granted(self._name):
            self._check_end_not_invoiced(vals["date_end"])
        before = self._gain_loss_amounts()
        res = super().write(vals)
        contracts |= self.entitlement_id
        contracts._contract_follow_lines(self)
        self._gain_loss_changes(before, None if "date_end" in vals else "line_changed")
        return res

    def action_end(self):
        """*End…*: the line's last day covered, with what it credits."""
        self.ensure_one()
        return dialog(
            "service.entitlement.contract.line.end",
            self.env._("End %(line)s", line=self.name),
            default_line_id=self.id,
        )

    def _end(self, date_end):
        """End the lines on ``date_end``, their last day covered: what their
        prepaid invoices cover after it is credited, once, on one credit note
        per contract."""
        ending = self._ending(date_end)
        with flow_writes(self._name, "date_end"):
            self.write({"date_end": date_end})
        for contract in ending.entitlement_id:
            contract._contract_credit(
                ending.filtered(lambda line, c=contract: line.entitlement_id == c)
            )

    def _credit_from(self, date_end, day=None):
        """The first day to credit of a line ending on ``date_end``: the day
        after it, or its first day if it had not started by ``day`` (or
        never ends)."""
        self.ensure_one()
        if (day and self.date_start > day) or not date_end:
            return self.date_start
        return max(self.date_start, date_end + relativedelta(days=1))

    @api.ondelete(at_uninstall=False)
    def _unlink_except_invoiced(self):
        invoiced = self.filtered("last_date_invoiced")
        if invoiced:
            raise UserError(
                self.env._(
                    "%(line)s has been invoiced: set its end date instead of "
                    "deleting it.",
                    line=invoiced[0].name,
                )
            )
        self.entitlement_id._check_contract_editable(self.env._("delete lines"))

    def unlink(self):
        contracts = self.entitlement_id
        # sudo: the OCA recurring lines go with this line, whoever deletes it
        oca_lines = self.contract_line_id.sudo()
        before = self._gain_loss_amounts()
        for contract in contracts.filtered(lambda c: c._gain_loss_counts()):
            contract._gain_loss_log(
                [
                    ("line_removed", -before[line], line)
                    for line in self
                    if line.entitlement_id == contract
                ]
            )
        res = super().unlink()
        with ledger_writer():
            oca_lines.unlink()
        contracts.exists()._contract_follow_lines()
        return res

    def _ending(self, date_end):
        """The lines that a new ``date_end`` ends earlier than before."""
        new_end = fields.Date.to_date(date_end)
        return self.filtered(
            lambda line: new_end and (not line.date_end or new_end < line.date_end)
        )

    def _check_end_not_invoiced(self, date_end):
        """Ending a line before the last day it was invoiced for credits the
        days after: that is *End…*, which shows the credit first."""
        invoiced = self._ending(date_end).filtered(
            lambda line: (
                line.last_date_invoiced
                and line.last_date_invoiced > fields.Date.to_date(date_end)
            )
        )
        if invoiced:
            raise UserError(
                self.env._(
                    "%(line)s has been invoiced until %(date)s: end it with "
                    "End…, which credits the days after its new end.",
                    line=invoiced[0].name,
                    date=format_date(self.env, invoiced[0].last_date_invoiced),
                )
            )

    def _check_not_credited(self, vals):
        moved = self.filtered(
            lambda line: (
                line.last_date_invoiced
                and "date_start" in vals
                and fields.Date.to_date(vals["date_start"]) != line.date_start
            )
        )
        if moved:
            raise UserError(
                self.env._(
                    "%(line)s has been invoiced until %(date)s: its start date "
                    "cannot change any more.",
                    line=moved[0].name,
                    date=moved[0].last_date_invoiced,
                )
            )
        credited = self.filtered("credit_move_id")
        if credited and ({"date_end", "date_start"} | PRICE_FIELDS) & set(vals):
            raise UserError(
                self.env._(
                    "%(line)s was credited from %(date)s (%(move)s): it cannot "
                    "change any more.",
                    line=credited[0].name,
                    date=credited[0].credited_from,
                    move=credited[0].credit_move_id.display_name,
                )
            )

    # ------------------------------------------------------------------
    # Invoicing (OCA contract)
    # ------------------------------------------------------------------

    def _prepare_contract_line_vals(self):
        """Values that create the ``contract.line`` invoicing this line; from
        then on its computes work its schedule out of this line (see
        ``contract.line``).  The schedule is given here too, or OCA's
        defaults (today, monthly, prepaid) would win over those computes."""
        self.ensure_one()
        contract = self.entitlement_id
        return {
            "contract_id": contract.contract_id.id,
            "service_line_id": self.id,
            "product_id": contract._contract_product().id,
            "quantity": 1.0,
            "automatic_price": False,
            **self._recurring_schedule(),
        }

    def _recurring_schedule(self, last_date_invoiced=False):
        """What the recurring line that invoices this line is: its name,
        period rule, first and last day (never before what was invoiced: an
        ended prepaid line is credited instead) and the price of a whole
        period after the line discount.  Calendar periods are OCA contract's
        own, from the first day of the period that holds the line's start
        (that period is prorated); the first-month grid runs from the line's
        own first day (see ``contract.line._first_month_lines``)."""
        self.ensure_one()
        contract = self.entitlement_id
        rule_type, interval, months = contract._invoice_period_rule()
        end = min(self.date_end or contract.date_end, contract.date_end)
        return {
            "name": f"{contract.code}: {self.name}",
            "recurring_rule_type": rule_type,
            "recurring_interval": interval,
            "recurring_invoicing_type": (
                "pre-paid" if contract.invoice_prepaid else "post-paid"
            ),
            "date_start": (
                contract._invoice_period_start(self.date_start)
                if contract.period_alignment == "calendar"
                else self.date_start
            ),
            "date_end": max(end, last_date_invoiced or end),
            # sudo: the price is the billing clerk's; the schedule needs it
            "price_unit": self.sudo().line_amount * months / 12.0,
        }

    def _invoice_values(self, first, last):
        """What the line is invoiced for the period ``first``..``last``:
        the days it is in force then, its price and discount for them, or
        None when it is not in force.  Month parts (Business Central): the
        annual amount after discount over 12 times the month parts, rounded
        per line; days: the period price times the days in force over the
        days of the regular period."""
        self.ensure_one()
        contract = self.entitlement_id
        start, end = self._invoice_span(first, last)
        if end < start:
            return None
        # sudo: the invoice values read the prices, whoever runs the invoicing
        line = self.sudo()
        if contract.proration_method == "month_parts":
            return {
                "start": start,
                "end": end,
                "price_unit": contract.currency_id.round(
                    line.line_amount * month_parts(start, end) / 12.0
                ),
                "discount": 0.0,
                "annual_amount": line.line_amount,
            }
        period_price = line.line_value * contract._invoice_period_rule()[2] / 12.0
        period_start, period_end = contract._invoice_grid_period(first)
        fraction = ((end - start).days + 1) / ((period_end - period_start).days + 1)
        return {
            "start": start,
            "end": end,
            "price_unit": contract.currency_id.round(period_price * fraction),
            "discount": line.discount,
            "annual_amount": 0.0,
        }

    def _next_invoice_amount(self):
        """What the next invoice of this line will be, after discount."""
        self.ensure_one()
        # sudo: the OCA recurring line is the billing clerk's; its date is shown
        oca = self.contract_line_id.sudo()
        if not oca.recurring_next_date or oca.is_canceled:
            return 0.0
        first, last, __ = oca._get_period_to_invoice(
            oca.last_date_invoiced, oca.recurring_next_date
        )
        values = self._invoice_values(first, last)
        if not values:
            return 0.0
        return self.currency_id.round(
            values["price_unit"] * (1.0 - values["discount"] / 100.0)
        )

    def _invoice_span(self, first, last):
        self.ensure_one()
        contract = self.entitlement_id
        start = max(first, self.date_start, contract.date_start)
        end = min(last, self.date_end or last, contract.date_end)
        return start, end

    def _write_flow(self, vals):
        with ledger_writer():
            return super().write(vals)
