import logging
import threading

from odoo import Command, api, fields, models, modules
from odoo.exceptions import AccessError, UserError
from odoo.tools import format_date

from .ledger_guard import ledger_writer
from .notify import CLOSE, notification

_logger = logging.getLogger(__name__)


class ServiceEntitlementBillingLine(models.Model):
    """What exceeded an entitlement's terms (or a loaner's late fee), waiting
    to be invoiced.  One line per consumption with an overage (a PostgreSQL
    constraint says so); a line becomes one invoice line at most once: the
    invoice lines point back at it, and a unique index on them ignores only
    cancelled invoices."""

    _name = "service.entitlement.billing.line"
    _description = "Entitlement Overage Billing Line"
    _inherit = ["analytic.mixin", "mail.thread", "mail.activity.mixin"]
    _mail_post_access = "read"
    _order = "date desc, id desc"
    _check_company_auto = True
    _rec_name = "name"
    # Billing follows the ledger: lines are written by the flow only (its
    # chatter and activities are everyone's).
    _flow_owned = True

    name = fields.Text(string="Description", required=True)
    date = fields.Date(required=True, default=fields.Date.context_today, index=True)
    # Lines are never deleted by hand (see _unlink_never) and entitlements
    # with a ledger cannot be deleted: cascading only serves uninstallation.
    consumption_id = fields.Many2one(
        "service.entitlement.consumption",
        readonly=True,
        ondelete="cascade",
        index=True,
    )
    entitlement_id = fields.Many2one(
        "service.entitlement",
        readonly=True,
        index=True,
        ondelete="cascade",
        check_company=True,
    )
    # Or a loaner's late fee.
    loan_id = fields.Many2one(
        "service.loaner.loan", readonly=True, index="btree_not_null"
    )
    repair_id = fields.Many2one(
        "repair.order", readonly=True, index="btree_not_null", ondelete="set null"
    )
    lot_id = fields.Many2one(related="repair_id.lot_id", string="Serial Number")
    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, readonly=True, index=True
    )
    company_id = fields.Many2one(
        "res.company", required=True, readonly=True, index=True
    )
    currency_id = fields.Many2one("res.currency", required=True, readonly=True)
    product_id = fields.Many2one(
        "product.product", required=True, readonly=True, check_company=True
    )
    product_uom_id = fields.Many2one(related="product_id.uom_id", string="Unit")
    quantity = fields.Float(
        digits="Product Unit of Measure",
        readonly=True,
        help="Negative on a credit for an overage that was invoiced and then "
        "given back.",
    )
    price_unit = fields.Float(
        string="Unit Price", digits="Product Price", readonly=True
    )
    discount = fields.Float(
        string="Discount %",
        digits="Discount",
        readonly=True,
        help="The service contract's overage discount on the day of the overage.",
    )
    tax_ids = fields.Many2many(
        "account.tax", string="Taxes", readonly=True, check_company=True
    )
    fiscal_position_id = fields.Many2one(
        "account.fiscal.position", readonly=True, check_company=True
    )
    price_subtotal = fields.Monetary(
        string="Subtotal",
        compute="_compute_price_subtotal",
        store=True,
        currency_field="currency_id",
    )
    is_credit = fields.Boolean(
        string="Credit", readonly=True, help="Gives back an invoiced overage."
    )
    credited_line_id = fields.Many2one(
        "service.entitlement.billing.line",
        string="Credit For",
        readonly=True,
        index="btree_not_null",
    )
    credit_line_ids = fields.One2many(
        "service.entitlement.billing.line",
        "credited_line_id",
        string="Credits",
        readonly=True,
    )
    is_cancelled = fields.Boolean(readonly=True, copy=False)
    invoice_line_ids = fields.One2many(
        "account.move.line",
        "service_billing_line_id",
        string="Invoice Lines",
        readonly=True,
    )
    odoo_credit_line_ids = fields.One2many(
        "account.move.line",
        "service_billing_credit_id",
        string="Credit Note Lines",
        readonly=True,
    )
    invoice_line_id = fields.Many2one(
        "account.move.line",
        compute="_compute_state",
        store=True,
        recursive=True,
    )
    invoice_id = fields.Many2one(
        related="invoice_line_id.move_id", string="Invoice", store=True, index=True
    )
    state = fields.Selection(
        [
            ("to_invoice", "To Invoice"),
            ("invoiced", "Invoiced"),
            ("credited", "Credited"),
            ("cancelled", "Cancelled"),
        ],
        compute="_compute_state",
        store=True,
        index=True,
        recursive=True,
        help="A line that was credited is not invoiced again; a credit is due "
        "only while the line it credits is invoiced. Credited: its invoice "
        "was given back by a credit note made with Odoo's Credit Note button.",
    )

    _sql_constraints = [
        (
            "consumption_uniq",
            "UNIQUE (consumption_id)",
            "A consumption makes at most one billing line.",
        ),
        (
            "overage_or_fee",
            "CHECK(consumption_id IS NOT NULL OR loan_id IS NOT NULL)",
            "A billing line bills an overage or a loaner's late fee.",
        ),
    ]

    @api.depends("quantity", "price_unit", "discount")
    def _compute_price_subtotal(self):
        for line in self:
            line.price_subtotal = line.currency_id.round(
                line.quantity * line.price_unit * (1.0 - line.discount / 100.0)
            )

    @api.depends(
        "is_cancelled",
        "invoice_line_ids",
        "invoice_line_ids.parent_state",
        "odoo_credit_line_ids.parent_state",
        "credit_line_ids",
        "credited_line_id.state",
    )
    def _compute_state(self):
        for line in self:
            live = line.invoice_line_ids.filtered(
                lambda aml: aml.parent_state != "cancel"
            )
            line.invoice_line_id = live[:1]
            credited = line.odoo_credit_line_ids.filtered(
                lambda aml: aml.parent_state == "posted"
            )
            if live and credited:
                line.state = "credited"
            elif live:
                line.state = "invoiced"
            elif (
                line.is_cancelled
                # Its overage was given back: never invoiced again.
                or line.credit_line_ids
                # Nothing to credit while the credited line is not invoiced.
                or (line.is_credit and line.credited_line_id.state != "invoiced")
            ):
                line.state = "cancelled"
            else:
                line.state = "to_invoice"

    def _check_billing_clerk(self):
        if not (
            self.env.su
            or self.env.user.has_group("service_entitlement.group_billing_clerk")
        ):
            raise AccessError(
                self.env._("Only billing clerks can invoice or cancel overages.")
            )

    @api.ondelete(at_uninstall=False)
    def _unlink_never(self):
        raise UserError(
            self.env._(
                "Billing lines cannot be deleted; cancel the ones that must not "
                "be invoiced."
            )
        )

    # ------------------------------------------------------------------
    # Creation from the ledger
    # ------------------------------------------------------------------

    @api.model
    def _sync_from_ledger(self, rows):
        """Billing's one reaction to new ledger rows: bill new overages; cancel
        or credit the overages of reversed rows."""
        with ledger_writer():
            self._create_from_consumptions(rows)
            reversed_lines = (
                rows.filtered(lambda r: r.kind == "reversal")
                # sudo: who gives back a repair's terms (a technician) reads no billing
                .reversed_id.sudo()
                .billing_line_ids
            )
            reversed_lines.filtered(lambda line: line.state == "to_invoice").write(
                {"is_cancelled": True}
            )
            # An overage credited with Odoo's button is given back already.
            reversed_lines.filtered(
                lambda line: line.state == "invoiced"
            )._create_credit_lines()

    @api.model
    def _create_from_consumptions(self, consumptions):
        """One billing line per consumption row with an overage to bill."""
        vals_list = [
            self._prepare_from_consumption(row)
            for row in consumptions
            if row.kind == "consumption" and row._is_billable_overage()
        ]
        if not vals_list:
            return self
        return self._flow_create(vals_list)

    @api.model
    def _prepare_from_consumption(self, consumption):
        # sudo: a technician closing the repair bills an overage price he may not read
        entitlement = consumption.entitlement_id.sudo()
        partner = entitlement.partner_id
        company = entitlement.company_id
        product = entitlement._overage_product().with_company(company)
        fpos, taxes = company._billing_taxes(product, partner)
        currency, price = self._overage_price(entitlement, product, consumption)
        discount = entitlement._contract_discount(
            "cost", fields.Date.context_today(self, consumption.date)
        )
        repair = consumption.repair_id
        # In the customer's language: the text goes on the customer's invoice.
        in_lang = self.with_context(lang=partner.lang or self.env.lang)
        return {
            "name": in_lang._overage_description(consumption),
            "date": fields.Date.context_today(self, consumption.date),
            "consumption_id": consumption.id,
            "entitlement_id": entitlement.id,
            "repair_id": repair.id,
            "partner_id": partner.id,
            "company_id": company.id,
            "currency_id": currency.id,
            "product_id": product.id,
            "quantity": consumption.overage_quantity,
            "price_unit": price,
            "discount": discount.discount,
            "tax_ids": [Command.set(taxes.ids)],
            "fiscal_position_id": fpos.id,
            "analytic_distribution": entitlement.analytic_distribution,
        }

    @api.model
    def _overage_price(self, entitlement, product, consumption):
        """(currency, unit price): the entitlement's overage price, else the
        customer's pricelist price of the overage product."""
        return self._overage_unit_price(
            entitlement, product, consumption.overage_quantity, consumption.date
        )

    @api.model
    def _overage_unit_price(self, entitlement, product, quantity, date):
        """(currency, unit price) of ``quantity`` overage on ``date``: what a
        billing line would charge (the repair's cost preview asks too)."""
        company = entitlement.company_id
        if entitlement.overage_price:
            return company.currency_id, entitlement.overage_price
        pricelist = entitlement.partner_id.with_company(
            company
        ).property_product_pricelist
        if pricelist:
            price = pricelist._get_product_price(product, quantity or 1.0, date=date)
            return pricelist.currency_id, price
        return company.currency_id, product.lst_price

    @api.model
    def _overage_description(self, consumption):
        # sudo: the line names the entitlement, whoever's action bills the overage
        entitlement = consumption.entitlement_id.sudo()
        repair = consumption.repair_id
        parts = [
            self.env._(
                "Overage on %(entitlement)s",
                entitlement=entitlement.display_name,
            )
        ]
        if repair and repair.lot_id:
            parts.append(
                self.env._(
                    "Repair %(repair)s, serial %(serial)s",
                    repair=repair.name,
                    serial=repair.lot_id.name,
                )
            )
        elif repair:
            parts.append(self.env._("Repair %(repair)s", repair=repair.name))
        parts.append(format_date(self.env, consumption.date.date()))
        return "\n".join(parts)

    def _create_credit_lines(self):
        """Credit the invoiced lines whose consumption was reversed."""
        vals_list = []
        for line in self:
            vals = line.copy_data()[0]
            lang = line.partner_id.lang or self.env.lang
            vals.update(
                {
                    "name": self.with_context(lang=lang).env._(
                        "Credit: %(name)s", name=line.name
                    ),
                    "quantity": -line.quantity,
                    "is_credit": True,
                    "credited_line_id": line.id,
                    "date": fields.Date.context_today(self),
                    "consumption_id": line.consumption_id.reversal_ids[:1].id,
                    "tax_ids": [Command.set(line.tax_ids.ids)],
                }
            )
            vals_list.append(vals)
        return self._flow_create(vals_list)

    # ------------------------------------------------------------------
    # Invoicing
    # ------------------------------------------------------------------

    def _lock_for_invoicing(self):
        """Lock the lines in id order (the subquery) and mark them written (the
        update), so that a second clerk invoicing the same lines at the same
        time fails to serialize and is retried, then finds them invoiced."""
        if not self:
            return
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE service_entitlement_billing_line AS line "
            "SET write_date = %s "
            "FROM (SELECT id FROM service_entitlement_billing_line "
            "      WHERE id = ANY(%s) ORDER BY id FOR NO KEY UPDATE) AS locked "
            "WHERE line.id = locked.id",
            [self.env.cr.now(), sorted(self.ids)],
            log_exceptions=False,
        )
        self.invalidate_recordset()

    def _invoice_group_key(self):
        self.ensure_one()
        return (
            self.partner_id,
            self.company_id,
            self.currency_id,
            "out_refund" if self.is_credit else "out_invoice",
        )

    def _invoice_groups(self):
        """{group key: lines} of one invoice each, by customer then line; the
        lines of every group keep the prefetch of ``self``, so that reading a
        field reads it for all the lines at once."""
        groups = {}
        for line in self.sorted(lambda line: (line.partner_id.id, line.id)):
            groups.setdefault(line._invoice_group_key(), []).append(line.id)
        return {
            key: self.browse(ids).with_prefetch(self._prefetch_ids)
            for key, ids in groups.items()
        }

    def _prefetch_for_invoicing(self):
        """Read at once what preparing the invoices of these lines reads
        invoice by invoice: the lines' taxes, products, units and repairs, the
        customers, their contacts (invoice addresses) and their fiscal
        positions in each company."""
        self.fetch(["tax_ids", "repair_id", "analytic_distribution", "product_id"])
        self.product_id.mapped("uom_id")
        self.repair_id.mapped("name")
        partners = self.partner_id
        for company in self.company_id:
            # The invoice addresses are the customers or their contacts: the
            # contacts are read with the customers' child_ids, all at once.
            addresses = partners.browse(
                {
                    partner.address_get(["invoice"])["invoice"]
                    for partner in partners.with_company(company)
                }
            ).with_company(company)
            addresses.fetch(["property_account_position_id", "country_id", "vat"])

    def _default_invoice_journals(self, vals_list):
        """{(company, currency, move type): journal} that ``account.move``
        would pick for invoices with these values, searched once per key
        instead of once per invoice."""
        journals = {}
        Move = self.env["account.move"]
        for vals in vals_list:
            key = (vals["company_id"], vals["currency_id"], vals["move_type"])
            if key not in journals:
                journals[key] = (
                    Move.with_company(key[0])
                    .new(
                        {
                            "move_type": key[2],
                            "company_id": key[0],
                            "currency_id": key[1],
                        }
                    )
                    ._search_default_journal()
                    .id
                )
        return journals

    def _prepare_invoice(self, partner, company, currency, move_type):
        """Values of the draft invoice for a group of lines; override to add.
        The invoice goes to the customer's invoice address."""
        invoice_partner = partner.browse(
            partner.address_get(["invoice"])["invoice"]
        ).with_prefetch(partner._prefetch_ids)
        fpos = (
            self.env["account.fiscal.position"]
            .with_company(company)
            ._get_fiscal_position(invoice_partner)
        )
        repairs = self.repair_id
        return {
            "move_type": move_type,
            "partner_id": invoice_partner.id,
            "company_id": company.id,
            "currency_id": currency.id,
            "fiscal_position_id": fpos.id,
            "invoice_origin": ", ".join(repairs.mapped("name"))[:250] or False,
            "invoice_line_ids": [],
        }

    def _prepare_invoice_line(self, move_type):
        """Values of the invoice line of this billing line; override to add."""
        self.ensure_one()
        sign = -1 if move_type == "out_refund" else 1
        return {
            "display_type": "product",
            "name": self.name,
            "product_id": self.product_id.id,
            "product_uom_id": self.product_id.uom_id.id,
            "quantity": sign * self.quantity,
            "price_unit": self.price_unit,
            "discount": self.discount,
            "tax_ids": [Command.set(self.tax_ids.ids)],
            "analytic_distribution": self.analytic_distribution,
            "service_billing_line_id": self.id,
        }

    def _prepare_invoices_vals(self):
        """Values of the invoices of these lines (all meant to be invoiced),
        one per group of :meth:`_invoice_group_key`, each with the lines of
        its billing lines.  What every invoice needs is read for all of them
        at once, and the journal is the one ``account.move`` would pick."""
        groups = self._invoice_groups()
        if not groups:
            return []
        self._prefetch_for_invoicing()
        vals_list = []
        for (partner, company, currency, move_type), lines in groups.items():
            vals = lines._prepare_invoice(partner, company, currency, move_type)
            vals["invoice_line_ids"] = [
                Command.create(line._prepare_invoice_line(move_type)) for line in lines
            ]
            vals_list.append(vals)
        if not self.env.context.get("default_journal_id"):
            missing = [vals for vals in vals_list if not vals.get("journal_id")]
            journals = self._default_invoice_journals(missing)
            for vals in missing:
                vals["journal_id"] = journals[
                    (vals["company_id"], vals["currency_id"], vals["move_type"])
                ]
        return vals_list

    def _create_invoices(self):
        """Invoice the lines still to invoice: one draft invoice (or credit
        note) per customer, company and currency.

        All the invoices are made by one ``account.move.create``, whose new
        invoice lines link to their billing lines.  Returns (invoices,
        skipped lines)."""
        self._lock_for_invoicing()
        due = self.filtered(lambda line: line.state == "to_invoice")
        skipped = self - due
        vals_list = due._prepare_invoices_vals()
        invoices = self.env["account.move"]
        if vals_list:
            with ledger_writer():
                invoices = (
                    self.env["account.move"]
                    .with_context(default_move_type="out_invoice")
                    .create(vals_list)
                )
        return invoices, skipped

    def action_create_invoices(self):
        """Button of the billing clerk: invoice the selected lines."""
        self._check_billing_clerk()
        if not self:
            raise UserError(self.env._("Select the billing lines to invoice."))
        invoices, skipped = self._create_invoices()
        action = self.env["ir.actions.actions"]._for_xml_id(
            "account.action_move_out_invoice_type"
        )
        if len(invoices) == 1:
            action.update({"views": [(False, "form")], "res_id": invoices.id})
        else:
            action["domain"] = [("id", "in", invoices.ids)]
        if not skipped:
            return action
        states = dict(self._fields["state"]._description_selection(self.env))
        described = ", ".join(
            f"{line.repair_id.name or line.entitlement_id.code} ({states[line.state]})"
            for line in skipped[:10]
        )
        message = self.env._(
            "%(count)s line(s) were not invoiced because they are already "
            "invoiced or cancelled: %(lines)s",
            count=len(skipped),
            lines=described,
        )
        return notification(
            message,
            "warning",
            title=self.env._("%(count)s invoice(s) created", count=len(invoices)),
            then=action if invoices else CLOSE,
        )

    def action_cancel(self):
        self._check_billing_clerk()
        invoiced = self.filtered(lambda line: line.state == "invoiced")
        if invoiced:
            raise UserError(
                self.env._(
                    "%(count)s line(s) are invoiced: cancel or delete their "
                    "invoice first.",
                    count=len(invoiced),
                )
            )
        self._flow_write({"is_cancelled": True})
        return True

    def action_view_invoice(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "account.move",
            "views": [(False, "form")],
            "res_id": self.invoice_id.id,
        }

    @api.model
    def _cron_invoice_due_lines(self):
        """Invoice every line to invoice, company by company and customer by
        customer.  Each customer is invoiced in a savepoint and committed: a
        customer that fails is logged on its lines for the billing clerks and
        the run goes on; a crash loses nothing done and a re-run goes on."""
        auto_commit = not (
            modules.module.current_test
            or getattr(threading.current_thread(), "testing", False)
        )
        # sudo: the daily job invoices the lines of every company and customer
        groups = self.sudo()._read_group(
            [("state", "=", "to_invoice")], ["company_id", "partner_id"]
        )
        for company, partner in groups:
            # sudo: the daily job invoices them all, whoever runs it
            lines = (
                self.with_company(company)
                .sudo()
                .search(
                    [
                        ("state", "=", "to_invoice"),
                        ("company_id", "=", company.id),
                        ("partner_id", "=", partner.id),
                    ]
                )
            )
            try:
                with self.env.cr.savepoint():
                    invoices, __ = lines._create_invoices()
            except Exception as error:  # pylint: disable=broad-except
                # One customer must not stop the run: log it and go on.
                _logger.warning(
                    "Overages of %s (%s) not invoiced: %s",
                    partner.display_name,
                    company.name,
                    error,
                )
                lines._report_invoicing_failure(error)
            else:
                _logger.info(
                    "Invoiced %s overage line(s) of %s in %s invoice(s)",
                    len(lines),
                    partner.display_name,
                    len(invoices),
                )
            if auto_commit:
                self.env.cr.commit()  # pylint: disable=invalid-commit
        return True

    def _report_invoicing_failure(self, error):
        """Say on the lines why they were not invoiced, and give the billing
        clerks an activity on the oldest one."""
        message = self.env._(
            "These overages could not be invoiced automatically: %(error)s",
            error=str(error),
        )
        for line in self:
            line.message_post(body=message)
        first = self.sorted("id")[:1]
        # sudo: the billing clerks to tell are found whoever's run failed
        clerks = (
            self.env.ref("service_entitlement.group_billing_clerk")
            .sudo()
            .users.filtered(lambda u: first.company_id in u.company_ids and u.active)
            .sorted(lambda u: (u._is_admin(), u.id))
        )
        if first and clerks:
            first.activity_schedule(
                "mail.mail_activity_data_todo",
                summary=self.env._("Overages not invoiced"),
                note=message,
                user_id=clerks[0].id,
            )
