"""Service contracts as billing agreements: contract lines, invoicing by
period on OCA ``contract``, prorated first periods, credit notes, price
updates and bad input.  Amounts are computed by hand in the comments."""

from datetime import date, datetime

from dateutil.relativedelta import relativedelta
from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form

from .common import EntitlementCase, RepairEntitlementCase


class ServiceContractCase(EntitlementCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.lot_a = cls._create_lot("SRV-A", customer=cls.customer)
        cls.lot_b = cls._create_lot("SRV-B", customer=cls.customer)
        cls.printer = cls._create_product("Printer X200")

    @classmethod
    def _contract_vals(cls, **vals):
        return cls._entitlement_vals(
            **{
                "name": "Gold Support",
                "entitlement_type": "service_contract",
                "date_start": date(2027, 2, 15),
                "date_end": date(2027, 12, 31),
                "lot_ids": [],
                "invoice_period": "quarter",
                "invoice_prepaid": True,
                "contract_line_ids": [
                    Command.create({"lot_id": cls.lot_a.id, "line_value": 1200.0}),
                    Command.create(
                        {"lot_id": cls.lot_b.id, "line_value": 800.0, "discount": 10.0}
                    ),
                ],
                **vals,
            }
        )

    def _create_contract(self, **vals):
        return self.env["service.entitlement"].create(self._contract_vals(**vals))

    def _invoice_due(self, day, user=None):
        """What a billing clerk's one click makes on ``day`` for this
        test's customer (other contracts of the database, such as demo data,
        may be due as well)."""
        env = self.env(user=user or self.billing_user)
        wizard = env["service.entitlement.contract.invoice.wizard"].create(
            {"date": day}
        )
        action = wizard.action_create_invoices()
        if action["type"] == "ir.actions.client":
            self.assertIn(
                "No service contract has a period to invoice",
                action["params"]["message"],
            )
            return self.env["account.move"]
        return (
            self.env["account.move"]
            .browse(action["domain"][0][2])
            .filtered(lambda move: move.partner_id == self.customer)
        )

    def _lines_by_item(self, invoice):
        return {
            line.contract_line_id.service_line_id.lot_id.name
            or line.contract_line_id.service_line_id.product_id.name: line
            for line in invoice.invoice_line_ids
        }


class TestContractLines(ServiceContractCase):
    def test_lines_are_the_coverage(self):
        contract = self._create_contract()
        self.assertEqual(contract.lot_ids, self.lot_a | self.lot_b)
        self.assertEqual(contract.coverage_scope, "lot")
        line_a = contract.contract_line_ids.filtered(
            lambda line: line.lot_id == self.lot_a
        )
        self.assertEqual(line_a.product_id, self.laptop)
        self.assertEqual(line_a.date_start, contract.date_start)
        # 1200 + 800 less 10% = 1,920 a year
        self.assertEqual(contract.annual_amount, 1920.0)
        contract.contract_line_ids = [Command.create({"product_id": self.printer.id})]
        self.assertEqual(contract.product_ids, self.printer)
        with self.assertRaisesRegex(UserError, "come from its contract lines"):
            contract.lot_ids = [Command.set(self.lot_a.ids)]
        # Other entitlements keep their coverage as it was.
        warranty = self._create_entitlement()
        warranty.lot_ids = [Command.set(self.lot_b.ids)]
        self.assertEqual(warranty.lot_ids, self.lot_b)

    def test_ended_line_stops_covering(self):
        with freeze_time("2027-03-01"):
            contract = self._create_contract()
            contract.action_activate()
            line_b = contract.contract_line_ids.filtered(
                lambda line: line.lot_id == self.lot_b
            )
            line_b.date_end = date(2027, 3, 10)
            self.assertIn(self.lot_b, contract.lot_ids, "in force until its end")
        with freeze_time("2027-03-11"):
            self.env["service.entitlement"]._cron_update_states()
            self.assertEqual(contract.lot_ids, self.lot_a)
            self.assertEqual(contract.annual_amount, 1200.0)

    def test_bad_input(self):
        for vals, message in (
            ({"line_value": -1.0}, "cannot be negative"),
            ({"discount": 150.0}, "between 0% and 100%"),
            ({"date_start": date(2027, 1, 1)}, "within the dates"),
            ({"date_end": date(2028, 1, 31)}, "within the dates"),
            ({"date_end": date(2027, 2, 1)}, "ends .* before it starts"),
        ):
            with (
                self.subTest(vals=vals),
                self.assertRaisesRegex(ValidationError, message),
            ):
                with self.env.cr.savepoint():
                    self._create_contract(
                        contract_line_ids=[
                            Command.create({"lot_id": self.lot_a.id, **vals})
                        ]
                    )
        with self.assertRaisesRegex(ValidationError, "prepaid but has no invoice"):
            self._create_contract(invoice_period="none")
        with self.assertRaisesRegex(ValidationError, "not a service contract"):
            self._create_entitlement(
                contract_line_ids=[Command.create({"lot_id": self.lot_a.id})]
            )
        foreign = self._create_lot("FAB-1", customer=self.other_customer)
        with self.assertRaisesRegex(ValidationError, "belongs to Fabrikam"):
            self._create_contract(
                contract_line_ids=[Command.create({"lot_id": foreign.id})]
            )
        with self.assertRaisesRegex(UserError, "has no contract lines"):
            self._create_contract(contract_line_ids=[]).action_activate()

    def test_roles(self):
        contract = self._create_contract()
        desk = contract.with_user(self.desk_user)
        self.assertEqual(desk.lot_ids, self.lot_a | self.lot_b, "desk sees coverage")
        with self.assertRaises(AccessError):
            desk.contract_line_ids[0].read(["line_value"])
        with self.assertRaises(AccessError):
            desk.read(["annual_amount"])
        with self.assertRaises(AccessError):
            self.env["service.entitlement.contract.line"].with_user(
                self.desk_user
            ).create({"entitlement_id": contract.id, "lot_id": self.lot_a.id})
        billing_line = contract.contract_line_ids[0].with_user(self.billing_user)
        self.assertEqual(billing_line.line_value, 1200.0, "billing sees prices")
        with self.assertRaises(AccessError):
            billing_line.line_value = 1.0
        manager = contract.with_user(self.manager_user)
        manager.contract_line_ids[0].line_value = 1300.0
        self.assertEqual(contract.annual_amount, 2020.0)
        with self.assertRaises(AccessError):
            self.env["service.entitlement.price.update.wizard"].with_user(
                self.billing_user
            ).create({"percent": 5.0})
        with self.assertRaises(UserError):
            self.env["service.entitlement.contract.invoice.wizard"].with_user(
                self.manager_user
            ).create({}).with_user(self.desk_user).action_create_invoices()


class TestContractInvoicing(ServiceContractCase):
    """The calendar alignment and days proration, which contracts made
    before the Business Central rules keep (see test_contract_periods for
    the default rules)."""

    @classmethod
    def _contract_vals(cls, **vals):
        return super()._contract_vals(
            proration_method="days", period_alignment="calendar", **vals
        )

    def test_quarterly_prepaid_year(self):
        """Four invoices over the year, the first prorated, none twice; a
        line added mid-quarter is invoiced for the rest of it."""
        with freeze_time("2027-02-15"):
            contract = self._create_contract()
            contract.with_user(self.manager_user).action_activate()
            oca = contract.contract_id
            self.assertTrue(oca)
            self.assertEqual(oca.service_entitlement_id, contract)
            self.assertEqual(len(oca.contract_line_ids), 2)
            self.assertEqual(contract.next_invoice_date, date(2027, 2, 15))
        invoices = self.env["account.move"]
        expected = {
            # Q1 from 15 Feb: 45 of 90 days; A 300 a quarter, B 200 less 10%
            "2027-02-15": {"SRV-A": 150.0, "SRV-B": 90.0},
            # Q2, and the printer from 10 May: 52 of 91 days of 100.00
            "2027-04-01": {"SRV-A": 300.0, "SRV-B": 180.0, "Printer X200": 57.14},
            "2027-07-01": {"SRV-A": 300.0, "SRV-B": 180.0, "Printer X200": 100.0},
            "2027-10-01": {"SRV-A": 300.0, "SRV-B": 180.0, "Printer X200": 100.0},
        }
        for day in (
            "2027-02-15",
            "2027-03-01",
            "2027-04-01",
            "2027-05-01",
            "2027-07-01",
            "2027-10-01",
            "2027-11-15",
            "2027-12-31",
        ):
            with freeze_time(day):
                if day == "2027-03-01":
                    contract.with_user(self.manager_user).contract_line_ids = [
                        Command.create(
                            {
                                "product_id": self.printer.id,
                                "line_value": 400.0,
                                "date_start": date(2027, 5, 10),
                            }
                        )
                    ]
                if day in expected:
                    invoice = self._invoice_due(date.fromisoformat(day))
                    self.assertEqual(len(invoice), 1, day)
                    lines = self._lines_by_item(invoice)
                    self.assertEqual(
                        {item: line.price_subtotal for item, line in lines.items()},
                        expected[day],
                        day,
                    )
                    self.assertEqual(invoice.partner_id, self.customer)
                    self.assertEqual(invoice.invoice_origin, contract.display_name)
                    invoice.action_post()
                    invoices |= invoice
                # The same day again, by the clerk or OCA contract's own job:
                # nothing more.
                self.assertFalse(self._invoice_due(date.fromisoformat(day)))
                self.env["contract.contract"]._cron_recurring_create(
                    date.fromisoformat(day)
                )
                self.assertEqual(oca._get_related_invoices(), invoices)
        self.assertEqual(len(invoices), 4)
        first = self._lines_by_item(invoices.sorted("id")[0])["SRV-A"]
        self.assertIn("SRV-A", first.name)
        self.assertEqual(
            (first.service_period_start, first.service_period_end),
            (date(2027, 2, 15), date(2027, 3, 31)),
        )
        self.assertEqual(contract.contract_invoice_count, 4)
        self.assertFalse(contract.next_invoice_date, "the year is invoiced")

    def test_monthly_in_arrears(self):
        with freeze_time("2027-01-10"):
            contract = self._create_contract(
                date_start=date(2027, 1, 10),
                invoice_period="month",
                invoice_prepaid=False,
            )
            contract.action_activate()
            self.assertEqual(contract.next_invoice_date, date(2027, 2, 1))
        with freeze_time("2027-01-31"):
            self.assertFalse(self._invoice_due(date(2027, 1, 31)))
        with freeze_time("2027-02-01"):
            invoice = self._invoice_due(date(2027, 2, 1))
            # January from the 10th: 22 of 31 days of 100.00 and of 66.67
            lines = self._lines_by_item(invoice)
            self.assertEqual(lines["SRV-A"].price_subtotal, 70.97)
            self.assertEqual(lines["SRV-B"].price_subtotal, round(47.31 * 0.9, 2))
            self.assertEqual(
                lines["SRV-A"].service_period_end, date(2027, 1, 31), "in arrears"
            )

    def test_one_run_invoices_every_period_due(self):
        """A monthly contract in arrears left uninvoiced for two months: one
        click invoices both periods, one invoice each; a second click and
        OCA's job make nothing more."""
        with freeze_time("2027-01-10"):
            contract = self._create_contract(
                date_start=date(2027, 1, 10),
                invoice_period="month",
                invoice_prepaid=False,
            )
            contract.action_activate()
        with freeze_time("2027-03-05"):
            invoices = self._invoice_due(date(2027, 3, 5))
            self.assertEqual(len(invoices), 2)
            periods = sorted(
                (line.service_period_start, line.service_period_end)
                for line in invoices.invoice_line_ids
                if line.service_period_start
            )
            self.assertEqual(
                sorted(set(periods)),
                [
                    (date(2027, 1, 10), date(2027, 1, 31)),
                    (date(2027, 2, 1), date(2027, 2, 28)),
                ],
            )
            # February whole: a month of 100.00 and of 66.67 less 10 %.
            february = invoices.filtered(
                lambda move: (
                    date(2027, 2, 1)
                    in move.invoice_line_ids.mapped("service_period_start")
                )
            )
            self.assertEqual(february.amount_untaxed, round(100.0 + 66.67 * 0.9, 2))
            self.assertFalse(self._invoice_due(date(2027, 3, 5)))
            self.env["contract.contract"]._cron_recurring_create(date(2027, 3, 5))
            self.assertEqual(contract.contract_invoice_count, 2)
            self.assertEqual(contract.next_invoice_date, date(2027, 4, 1))

    def test_invoicing_ahead_is_for_managers(self):
        with freeze_time("2027-02-15"):
            contract = self._create_contract()
            contract.action_activate()
            self._invoice_due(date(2027, 2, 15)).action_post()
            ahead = date(2027, 4, 1)
            with self.assertRaisesRegex(UserError, "is after today"):
                self._invoice_due(ahead)
            Wizard = self.env["service.entitlement.contract.invoice.wizard"]
            with self.assertRaisesRegex(UserError, "is after today"):
                Wizard.with_user(self.billing_user).create(
                    {"date": ahead, "invoice_ahead": True}
                ).action_create_invoices()
            self.env.invalidate_all()
            self.assertEqual(contract.contract_invoice_count, 1)
            Wizard.with_user(self.manager_user).create(
                {"date": ahead, "invoice_ahead": True}
            ).action_create_invoices()
            self.env.invalidate_all()
            self.assertEqual(contract.contract_invoice_count, 2)

    def test_line_removed_is_credited_once(self):
        with freeze_time("2027-04-01"):
            contract = self._create_contract(date_start=date(2027, 4, 1))
            contract.action_activate()
            invoice = self._invoice_due(date(2027, 4, 1))
            line_a = contract.contract_line_ids.filtered(
                lambda line: line.lot_id == self.lot_a
            )
        with freeze_time("2027-05-20"):
            with (
                self.assertRaisesRegex(UserError, "still a draft"),
                self.env.cr.savepoint(),
            ):
                self._end_line(line_a, date(2027, 5, 20))
            line_a.invalidate_recordset()
            self.assertFalse(line_a.date_end, "nothing saved")
            # Typed in the line (or sent over the API), the end is refused:
            # End… shows the credit first.
            with self.assertRaisesRegex(UserError, "invoiced until .* end it with End"):
                line_a.with_user(self.manager_user).date_end = date(2027, 5, 20)
            self.assertFalse(line_a.credit_move_id)
            invoice.action_post()
            self.assertEqual(self._end_line(line_a, date(2027, 5, 20)), 135.16)
            credit = line_a.credit_move_id
            self.assertEqual(credit.move_type, "out_refund")
            # 21 May to 30 June: 41 of the 91 days of the 300.00 invoiced
            self.assertEqual(credit.amount_untaxed, 135.16)
            self.assertEqual(line_a.credited_from, date(2027, 5, 21))
            self.assertEqual(
                credit.invoice_line_ids.service_period_start, date(2027, 5, 21)
            )
            self.assertIn(credit, contract.contract_id._get_related_invoices())
            with self.assertRaisesRegex(UserError, "was credited"):
                line_a.date_end = date(2027, 5, 25)
            self.assertLogged(contract, "Credit note")
        with freeze_time("2027-07-01"):
            july = self._invoice_due(date(2027, 7, 1))
            self.assertEqual(list(self._lines_by_item(july)), ["SRV-B"])
        self.assertEqual(
            self.env["account.move"].search_count(
                [
                    ("move_type", "=", "out_refund"),
                    ("partner_id", "=", self.customer.id),
                ]
            ),
            1,
        )

    def test_cancellation_credits_the_rest_of_the_period(self):
        with freeze_time("2027-07-01"):
            contract = self._create_contract(date_start=date(2027, 7, 1))
            contract.action_activate()
            self._invoice_due(date(2027, 7, 1)).action_post()
        with freeze_time("2027-08-15"):
            contract.with_user(self.manager_user).action_cancel()
            credit = contract.contract_line_ids.credit_move_id
            self.assertEqual(len(credit), 1, "one credit note for the contract")
            # 16 August to 30 September: 46 of 92 days of 300.00 and 180.00
            self.assertEqual(credit.amount_untaxed, 150.0 + 90.0)
            self.assertEqual(
                set(contract.contract_line_ids.mapped("date_end")), {date(2027, 8, 15)}
            )
            with self.assertRaisesRegex(UserError, "already cancelled"):
                contract.action_cancel()
        with freeze_time("2027-10-01"):
            self.assertFalse(self._invoice_due(date(2027, 10, 1)))
        self.assertEqual(
            self.env["account.move"].search_count(
                [
                    ("move_type", "=", "out_refund"),
                    ("partner_id", "=", self.customer.id),
                ]
            ),
            1,
        )

    def test_nothing_due_is_said(self):
        wizard = (
            self.env["service.entitlement.contract.invoice.wizard"]
            .with_user(self.billing_user)
            .create({"date": date(2000, 1, 1)})
        )
        self.assertEqual(wizard.due_count, 0)
        action = wizard.action_create_invoices()
        self.assertEqual(action["tag"], "display_notification")
        self.assertIn("No service contract has a period", action["params"]["message"])

    def test_oca_lines_follow_the_service_contract(self):
        with freeze_time("2027-02-15"):
            contract = self._create_contract()
            contract.action_activate()
            oca_line = contract.contract_line_ids[0].contract_line_id
            self.assertEqual(oca_line.price_unit, 300.0)
            self.assertEqual(oca_line.recurring_rule_type, "quarterly")
            self.assertEqual(oca_line.recurring_invoicing_type, "pre-paid")
            self.assertEqual(oca_line.date_start, date(2027, 1, 1))
            with self.assertRaisesRegex(UserError, "follows the service flow"):
                oca_line.price_unit = 1.0
            with self.assertRaisesRegex(UserError, "cannot change"):
                contract.invoice_period = "month"
            with self.assertRaisesRegex(UserError, "cannot go back to draft"):
                contract.action_draft()

    def test_the_line_a_manager_edits_is_the_one_that_invoices(self):
        """OCA's recurring line is worked out from the service contract line
        by the ORM (no copy): what a manager changes on the contract's line
        is what the next invoice uses, and what was invoiced stays put."""
        with freeze_time("2027-02-15"):
            contract = self._create_contract()
            contract.action_activate()
            line = contract.contract_line_ids[0].with_user(self.manager_user)
            oca_line = line.contract_line_id
            line.write({"date_start": date(2027, 4, 2), "discount": 50.0})
            self.assertEqual(oca_line.date_start, date(2027, 4, 1))
            self.assertEqual(oca_line.price_unit, 150.0)
            line.date_end = date(2027, 5, 31)
            self.assertEqual(oca_line.date_end, date(2027, 5, 31))
            line.discount = 0.0
        with freeze_time("2027-04-02"):
            invoice = self._invoice_due(date(2027, 4, 2))
            invoice_line = self._lines_by_item(invoice)[line.lot_id.name]
            # 2 April to 31 May of a quarter: 60 of 91 days of 300.00.
            self.assertAlmostEqual(invoice_line.price_subtotal, 197.80, places=2)
            self.assertEqual(line.last_date_invoiced, date(2027, 5, 31))
            with self.assertRaisesRegex(UserError, "start date cannot change"):
                line.date_start = date(2027, 4, 20)
            # An earlier end is credited; the recurring line keeps what was
            # invoiced.
            invoice.action_post()
            self._end_line(line, date(2027, 4, 30))
            self.assertEqual(oca_line.date_end, date(2027, 5, 31))
            self.assertTrue(line.credit_move_id)


class TestPriceUpdate(ServiceContractCase):
    def test_update_prices(self):
        with freeze_time("2027-02-15"):
            contract = self._create_contract()
            contract.action_activate()
            self.assertEqual(contract.next_price_update_date, date(2028, 2, 15))
            other = self._create_contract(
                contract_line_ids=[
                    Command.create({"lot_id": self._create_lot("SRV-C").id})
                ]
            )
            wizard = Form(
                self.env["service.entitlement.price.update.wizard"]
                .with_user(self.manager_user)
                .with_context(
                    active_model="service.entitlement",
                    active_ids=(contract | other).ids,
                )
            )
            wizard.percent = 5.0
            wizard = wizard.save()
            self.assertEqual(wizard.due_count, 0)
            with self.assertRaisesRegex(UserError, "has a price update due"):
                wizard.action_apply()
            contract.next_price_update_date = date(2027, 2, 15)
            wizard.action_apply()
            self.assertEqual(
                contract.contract_line_ids.mapped("line_value"), [1260.0, 840.0]
            )
            self.assertEqual(contract.next_price_update_date, date(2028, 2, 15))
            self.assertEqual(
                contract.contract_line_ids[0].contract_line_id.price_unit, 315.0
            )
            self.assertLogged(contract, "Prices of 2 line(s) updated by 5.0%")
            # The amounts are in the price history, not in the chatter.
            self.assertEqual(
                sorted(
                    contract.price_change_ids.mapped(
                        lambda c: (c.old_value, c.new_value, c.percent)
                    )
                ),
                [(800.0, 840.0, 5.0), (1200.0, 1260.0, 5.0)],
            )
            self.assertEqual(contract.price_change_ids.user_id, self.manager_user)
            bodies = " ".join(contract.message_ids.mapped("body"))
            self.assertNotIn("1,260", bodies)
            with self.assertRaisesRegex(ValidationError, "above zero"):
                self.env["service.entitlement.price.update.wizard"].create(
                    {"percent": -100.0}
                )


class TestContractRepairs(RepairEntitlementCase):
    """What the desk sees of a contract at the counter: its lines' coverage,
    a line's response time, and a transfer weighed by the lines."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.resource_calendar_id = cls.env.ref("resource.resource_calendar_std")
        cls.company.resource_calendar_id.tz = "UTC"
        cls.contract = cls._active_entitlement(
            name="Gold Support",
            entitlement_type="service_contract",
            lot_ids=[],
            total_terms=9,
            response_hours=8,
            transferable=True,
            contract_line_ids=[
                Command.create(
                    {"lot_id": cls.lot.id, "line_value": 1200.0, "response_hours": 2}
                ),
                Command.create({"lot_id": cls.lot2.id, "line_value": 600.0}),
            ],
        )

    def test_line_response_time(self):
        with freeze_time(datetime(2026, 11, 20, 15, 0)):
            repair = self._create_repair()
            other = self._create_repair(lot=self.lot2)
            self.env.flush_all()
        self.assertEqual(repair.entitlement_id, self.contract)
        # 2 hours of the line, on Friday 15:00-17:00
        self.assertEqual(repair.sla_response_deadline, datetime(2026, 11, 20, 17, 0))
        # 8 hours of the contract: 2 on Friday, 6 on Monday
        self.assertEqual(other.sla_response_deadline, datetime(2026, 11, 23, 15, 0))
        with self.assertRaisesRegex(ValidationError, "cannot be negative"):
            self.contract.contract_line_ids[0].response_hours = -1

    def test_transfer_weighs_the_lines(self):
        new_owner = self._create_partner("Northwind")
        wizard = (
            self.env["service.lot.transfer.wizard"]
            .with_user(self.desk_user)
            .create({"lot_id": self.lot.id, "customer_id": new_owner.id})
        )
        wizard.action_confirm()
        # 1,200 of the 1,800 a year: 6 of the 9 incidents go with the serial
        self.assertEqual(self.contract.total_terms, 3)
        line = self.contract.contract_line_ids.filtered(
            lambda line: line.lot_id == self.lot
        )
        self.assertEqual(line.date_end, self.today - relativedelta(days=1))
        self.assertEqual(self.contract.lot_ids, self.lot2)
        new = self.lot.entitlement_ids.filtered(lambda e: e.partner_id == new_owner)
        self.assertEqual(new.total_terms, 6)
        self.assertEqual(new.state, "active")
        self.assertFalse(new.contract_line_ids, "the new owner is not invoiced")


class TestContractViews(EntitlementCase):
    def test_contracts_list_says_how_they_are_invoiced(self):
        """The Service Contracts list shows how each contract is invoiced,
        what it is worth and when it is invoiced next (to billing clerks);
        the service desk sees the same list without the money."""
        action = self.env.ref("service_entitlement.service_entitlement_action_contract")
        list_view = action.view_ids.filtered(lambda v: v.view_mode == "list").view_id
        self.assertEqual(
            list_view,
            self.env.ref("service_entitlement.service_entitlement_view_list_contract"),
        )
        for user, money in ((self.billing_user, True), (self.desk_user, False)):
            contracts = self.env["service.entitlement"].with_user(user)
            arch = contracts.get_views([(list_view.id, "list")])["views"]["list"][
                "arch"
            ]
            with self.subTest(user=user.login):
                self.assertIn('name="invoice_period"', arch)
                self.assertIn('name="next_invoice_date"', arch)
                self.assertEqual('name="annual_amount"' in arch, money)
        form = self.env.ref(
            "service_entitlement.service_entitlement_view_form"
        ).get_combined_arch()
        self.assertLess(
            form.index('name="contract_lines"'),
            form.index('name="contract_policy"'),
            "on a contract, the lines come before the policy",
        )
