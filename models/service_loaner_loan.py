from datetime import timedelta

from odoo import Command, api, fields, models
from odoo.exceptions import UserError
from odoo.osv.expression import AND, OR
from odoo.tools import SQL
from odoo.tools.misc import format_date

from .cron_batch import in_batches
from .ledger_guard import ledger_writer

LOAN_STATES = [("lent", "Lent"), ("returned", "Returned")]


class ServiceLoanerLoan(models.Model):
    """A loaner lent to a customer while their item is repaired (Business
    Central's loaner entries, with a due date): which serial number, to whom,
    for which repair, when it left and came back, each way by a stock
    transfer.  Written by the lend and receive actions only, never deleted:
    the loaner's log."""

    _name = "service.loaner.loan"
    _description = "Loaner Loan"
    _order = "lent_on desc, id desc"
    _check_company_auto = True
    _rec_name = "lot_id"
    _flow_owned = True

    repair_id = fields.Many2one(
        "repair.order",
        required=True,
        readonly=True,
        index=True,
        ondelete="restrict",
        check_company=True,
    )
    lot_id = fields.Many2one(
        "stock.lot",
        string="Loaner",
        required=True,
        readonly=True,
        index=True,
        ondelete="restrict",
        check_company=True,
    )
    product_id = fields.Many2one(related="lot_id.product_id", store=True)
    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, readonly=True, index=True
    )
    company_id = fields.Many2one(
        "res.company", required=True, readonly=True, index=True
    )
    state = fields.Selection(LOAN_STATES, required=True, readonly=True, index=True)
    lent_on = fields.Datetime(required=True, readonly=True)
    lent_by_id = fields.Many2one("res.users", readonly=True)
    due_date = fields.Date(required=True, readonly=True, index=True)
    returned_on = fields.Datetime(readonly=True)
    returned_by_id = fields.Many2one("res.users", string="Received By", readonly=True)
    out_picking_id = fields.Many2one(
        "stock.picking", string="Lent By Transfer", readonly=True
    )
    in_picking_id = fields.Many2one(
        "stock.picking", string="Returned By Transfer", readonly=True
    )
    finish_reason = fields.Char(
        string="Finished Without It Because",
        readonly=True,
        help="Why a manager let the repair finish while this loaner was out.",
    )
    finish_user_id = fields.Many2one("res.users", string="Allowed By", readonly=True)
    late_fee_line_id = fields.Many2one(
        "service.entitlement.billing.line", string="Late Fee", readonly=True
    )
    days_late = fields.Integer(compute="_compute_days_late")

    def init(self):
        res = super().init()
        # A loaner is lent once at a time, and a repair lends one at a time.
        for column in ("lot_id", "repair_id"):
            self.env.cr.execute(
                SQL(
                    "CREATE UNIQUE INDEX IF NOT EXISTS %s ON service_loaner_loan "
                    "(%s) WHERE state = 'lent'",
                    SQL.identifier(f"service_loaner_loan_{column}_open"),
                    SQL.identifier(column),
                )
            )
        return res

    @api.depends("due_date", "returned_on", "state")
    @api.depends_context("date")
    def _compute_days_late(self):
        today = fields.Date.context_today(self)
        for loan in self:
            end = (
                fields.Date.context_today(loan, loan.returned_on)
                if loan.returned_on
                else today
            )
            loan.days_late = max((end - loan.due_date).days, 0) if loan.due_date else 0

    def write(self, vals):
        self.check_access("write")
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_never(self):
        raise UserError(
            self.env._("Loans are the loaners' log: they are never deleted.")
        )

    # ------------------------------------------------------------------
    # Lending and receiving
    # ------------------------------------------------------------------

    @api.model
    def _lend(self, repair, lot, due_date):
        """Lend ``lot`` for ``repair`` until ``due_date``: it leaves the
        loaner location by a delivery to the customer."""
        repair.check_access("write")
        company = repair.company_id
        location = company._loaner_location()
        self._check_lendable(repair, lot, due_date, location)
        # Two desks lending the same loaner at once: the second waits, then
        # finds it lent (the unique index holds it anyway).
        self.env.cr.execute(
            "SELECT id FROM stock_lot WHERE id = %s FOR NO KEY UPDATE", [lot.id]
        )
        self.invalidate_model()
        self._check_lendable(repair, lot, due_date, location)
        partner = repair.partner_id
        picking = self._transfer(
            lot,
            # sudo: the repair's company's warehouse, whatever the lender may read
            company.sudo()._loaner_picking_type("out"),
            (location, partner.with_company(company).property_stock_customer),
            repair,
        )
        with ledger_writer():
            # sudo: loans are the flow's (nobody may create one); the lend records it
            loan = self.sudo().create(
                {
                    "repair_id": repair.id,
                    "lot_id": lot.id,
                    "partner_id": partner.id,
                    "company_id": company.id,
                    "state": "lent",
                    "lent_on": fields.Datetime.now(),
                    "lent_by_id": self.env.uid,
                    "due_date": due_date,
                    "out_picking_id": picking.id,
                }
            )
            # sudo: the repair's loaner out is flow-only; the lend links it
            repair.sudo().loaner_loan_id = loan
        repair.message_post(
            body=self.env._(
                "Loaner %(loaner)s lent to %(customer)s until %(date)s (%(transfer)s).",
                loaner=lot.display_name,
                customer=partner.display_name,
                date=format_date(self.env, due_date),
                transfer=picking.name,
            )
        )
        return loan.with_env(self.env)

    @api.model
    def _check_lendable(self, repair, lot, due_date, location):
        if repair.state in ("done", "cancel"):
            raise UserError(
                self.env._(
                    "%(repair)s is closed: no loaner.", repair=repair.display_name
                )
            )
        # sudo: any loaner out blocks the lend, whether the lender may read it or not
        if repair.sudo().loaner_loan_id:
            raise UserError(
                self.env._(
                    "%(repair)s already has loaner %(loaner)s out.",
                    repair=repair.display_name,
                    # sudo: named likewise, whether the lender may read it or not
                    loaner=repair.sudo().loaner_loan_id.lot_id.display_name,
                )
            )
        # sudo: the checks read the loaner's product, quants and loan whoever lends
        lot = lot.sudo()
        if not lot.product_id.service_loaner:
            raise UserError(
                self.env._("%(lot)s is not a loaner.", lot=lot.display_name)
            )
        if lot.service_blocked != "none":
            raise UserError(
                self.env._("Loaner %(lot)s is blocked.", lot=lot.display_name)
            )
        if lot.loaner_loan_id:
            raise UserError(
                self.env._(
                    "Loaner %(lot)s is already lent (%(repair)s, due %(date)s).",
                    lot=lot.display_name,
                    repair=lot.loaner_loan_id.repair_id.display_name,
                    date=format_date(self.env, lot.loaner_loan_id.due_date),
                )
            )
        allowed = lot.product_id.loaner_for_product_ids
        if allowed and repair.product_id.product_tmpl_id not in allowed:
            raise UserError(
                self.env._(
                    "Loaner %(lot)s does not stand in for %(product)s.",
                    lot=lot.display_name,
                    product=repair.product_id.display_name,
                )
            )
        if not lot.quant_ids.filtered(
            lambda q: q.quantity > 0 and q.location_id._child_of(location)
        ):
            raise UserError(
                self.env._(
                    "Loaner %(lot)s is not in %(location)s.",
                    lot=lot.display_name,
                    location=location.display_name,
                )
            )
        if not due_date or due_date < fields.Date.context_today(self):
            raise UserError(self.env._("A loaner's due date cannot be in the past."))

    def _receive(self):
        """The loaner is back: a receipt from the customer into the loaner
        location."""
        for loan in self:
            loan.repair_id.check_access("write")
            if loan.state != "lent":
                raise UserError(
                    self.env._(
                        "Loaner %(lot)s was already received back.",
                        lot=loan.lot_id.display_name,
                    )
                )
            company = loan.company_id
            partner = loan.partner_id
            picking = self._transfer(
                loan.lot_id,
                # sudo: the repair's company's warehouse, whatever the receiver may read
                company.sudo()._loaner_picking_type("in"),
                (
                    partner.with_company(company).property_stock_customer,
                    company._loaner_location(),
                ),
                loan.repair_id,
            )
            with ledger_writer():
                # sudo: loans are the flow's; receiving the loaner closes it
                loan.sudo().write(
                    {
                        "state": "returned",
                        "returned_on": fields.Datetime.now(),
                        "returned_by_id": self.env.uid,
                        "in_picking_id": picking.id,
                    }
                )
                # sudo: the repair's loaner out is flow-only; the receipt clears it
                loan.repair_id.sudo().loaner_loan_id = False
            loan.repair_id.message_post(
                body=self.env._(
                    "Loaner %(loaner)s received back (%(transfer)s).",
                    loaner=loan.lot_id.display_name,
                    transfer=picking.name,
                )
            )

    def _allow_finish(self, reason):
        """A manager lets the repair finish while its loaner is out."""
        if not self.env.user.has_group("service_entitlement.group_entitlement_manager"):
            raise UserError(
                self.env._(
                    "Only an entitlement manager can let a repair finish while "
                    "its loaner is out."
                )
            )
        if not (reason or "").strip():
            raise UserError(self.env._("Say why the repair may finish without it."))
        self._flow_write({"finish_reason": reason, "finish_user_id": self.env.uid})
        for loan in self:
            loan.repair_id.message_post(
                body=self.env._(
                    "May finish while loaner %(loaner)s is out: %(reason)s",
                    loaner=loan.lot_id.display_name,
                    reason=reason,
                )
            )

    @api.model
    def _transfer(self, lot, picking_type, route, repair, partner=None):
        """Move ``lot`` along ``route`` (source, destination locations) by a
        transfer of ``picking_type`` for ``partner`` (the repair's customer
        by default), done at once."""
        source, destination = route
        partner = partner or repair.partner_id
        product = lot.product_id
        # sudo: the loaner's transfer is the flow's, done at once whoever lends
        picking = (
            self.env["stock.picking"]
            .sudo()
            .with_company(repair.company_id)
            .create(
                {
                    "partner_id": partner.id,
                    "picking_type_id": picking_type.id,
                    "location_id": source.id,
                    "location_dest_id": destination.id,
                    "origin": repair.name,
                    "company_id": repair.company_id.id,
                    "move_ids": [
                        Command.create(
                            {
                                "name": product.display_name,
                                "product_id": product.id,
                                "product_uom_qty": 1.0,
                                "product_uom": product.uom_id.id,
                                "location_id": source.id,
                                "location_dest_id": destination.id,
                                "company_id": repair.company_id.id,
                            }
                        )
                    ],
                }
            )
        )
        picking.action_confirm()
        move = picking.move_ids
        move.move_line_ids.unlink()
        move.write(
            {
                "move_line_ids": [
                    Command.create(
                        {
                            "product_id": product.id,
                            "product_uom_id": product.uom_id.id,
                            "lot_id": lot.id,
                            "quantity": 1.0,
                            "location_id": source.id,
                            "location_dest_id": destination.id,
                            "picking_id": picking.id,
                        }
                    )
                ],
                "picked": True,
            }
        )
        picking.with_context(skip_sms=True, skip_backorder=True)._action_done()
        if picking.state != "done":
            raise UserError(
                self.env._(
                    "The transfer of %(lot)s could not be done.",
                    lot=lot.display_name,
                )
            )
        return picking

    # ------------------------------------------------------------------
    # Late fees
    # ------------------------------------------------------------------

    @api.model
    def _cron_late_fees(self):
        """Draft a late fee, once per loan, for each loaner out longer than
        its company allows after its due date, a batch at a time; returns
        the loans charged."""
        today = fields.Date.context_today(self)
        # sudo: the daily job drafts the late fees of every company's loans
        Loan = self.sudo()
        companies = Loan._read_group(
            [("state", "=", "lent"), ("late_fee_line_id", "=", False)],
            ["company_id"],
        )
        late = [
            [
                ("company_id", "=", company.id),
                (
                    "due_date",
                    "<",
                    today - timedelta(days=company.entitlement_loaner_late_days),
                ),
            ]
            for (company,) in companies
            if company.entitlement_loaner_fee > 0
        ]
        if not late:
            return self.browse()
        charged = in_batches(
            Loan,
            AND(
                [
                    [("state", "=", "lent"), ("late_fee_line_id", "=", False)],
                    OR(late),
                ]
            ),
            lambda loans: [loan._create_late_fee() for loan in loans],
        )
        return charged.sudo(self.env.su)

    def _create_late_fee(self):
        self.ensure_one()
        company = self.company_id
        partner = self.partner_id
        product = company._loaner_fee_product().with_company(company)
        fpos, taxes = company._billing_taxes(product, partner)
        env = self.with_context(lang=partner.lang or self.env.lang).env
        with ledger_writer():
            # sudo: billing lines are the flow's; the daily job drafts the late fee
            line = (
                self.env["service.entitlement.billing.line"]
                .sudo()
                .create(
                    {
                        "name": env._(
                            "Late return of loaner %(loaner)s, due %(date)s "
                            "(%(repair)s)",
                            loaner=self.lot_id.display_name,
                            date=format_date(env, self.due_date),
                            repair=self.repair_id.name,
                        ),
                        "loan_id": self.id,
                        "repair_id": self.repair_id.id,
                        "partner_id": partner.id,
                        "company_id": company.id,
                        "currency_id": company.currency_id.id,
                        "product_id": product.id,
                        "quantity": 1.0,
                        "price_unit": company.entitlement_loaner_fee,
                        "tax_ids": [Command.set(taxes.ids)],
                        "fiscal_position_id": fpos.id,
                    }
                )
            )
            self.write({"late_fee_line_id": line.id})
        return line
