"""Profit of a service contract (Business Central's contract gain/loss): its
posted invoices and overage invoices less credit notes, against the parts at
cost and the labour of the finished repairs it covers; on the contract's form
and in the profit analysis.  Amounts are computed by hand in the comments."""

from datetime import date

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import Form

from .common import RepairEntitlementCase


class TestContractProfit(RepairEntitlementCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.entitlement_labor_cost_rate = 40.0
        cls.mainboard = cls.env["product.product"].create(
            {
                "name": "Mainboard",
                "type": "consu",
                "list_price": 300.0,
                "standard_price": 120.0,
            }
        )
        cls.fan = cls.env["product.product"].create(
            {"name": "Fan", "type": "consu", "list_price": 30.0, "standard_price": 9.0}
        )

    def _create_contract(self):
        return self.env["service.entitlement"].create(
            self._entitlement_vals(
                name="Gold Support",
                entitlement_type="service_contract",
                date_start=date(2027, 4, 1),
                date_end=date(2028, 3, 31),
                lot_ids=[],
                total_terms=1,
                limit_policy="bill",
                invoice_period="quarter",
                invoice_prepaid=True,
                contract_line_ids=[
                    Command.create({"lot_id": self.lot.id, "line_value": 1200.0}),
                    Command.create({"lot_id": self.lot2.id, "line_value": 800.0}),
                ],
            )
        )

    def _invoice_due(self, day):
        wizard = (
            self.env["service.entitlement.contract.invoice.wizard"]
            .with_user(self.billing_user)
            .create({"date": day})
        )
        action = wizard.action_create_invoices()
        # Other contracts of the database (demo data) may be due as well.
        return (
            self.env["account.move"]
            .browse(action["domain"][0][2])
            .filtered(lambda move: move.partner_id == self.customer)
        )

    def _add_part(self, repair, product, qty):
        repair.move_ids = [
            Command.create(
                {
                    "product_id": product.id,
                    "product_uom_qty": qty,
                    "repair_line_type": "add",
                }
            )
        ]

    def _profit(self, contract, user=None):
        contract = contract.with_user(user or self.billing_user)
        contract.invalidate_recordset()
        return (
            contract.profit_revenue,
            contract.profit_cost,
            contract.profit_amount,
            contract.profit_margin,
        )

    def _report(self, contract, user=None):
        """{kind: (rows, revenue, cost, profit)} of the contract."""
        Report = self.env["service.entitlement.profit.report"].with_user(
            user or self.billing_user
        )
        return {
            kind: (count, revenue, cost, profit)
            for kind, count, revenue, cost, profit in Report._read_group(
                [("entitlement_id", "=", contract.id)],
                ["kind"],
                ["__count", "revenue:sum", "cost:sum", "profit:sum"],
            )
        }

    def _invoiced_contract(self):
        """The contract, activated on 1 April 2027 and its Q2 invoiced."""
        with freeze_time("2027-04-01"):
            contract = self._create_contract()
            contract.action_activate()
            self.assertEqual(self._profit(contract), (0.0, 0.0, 0.0, 0.0))
            invoice = self._invoice_due(date(2027, 4, 1))
            # Q2 in advance: 1200 / 4 + 800 / 4 = 300 + 200
            self.assertEqual(invoice.amount_untaxed, 500.0)
            self.assertEqual(self._profit(contract)[0], 0.0, "a draft does not count")
            invoice.action_post()
            self.assertEqual(self._profit(contract), (500.0, 0.0, 500.0, 100.0))
        return contract

    def _repairs(self, contract):
        """A finished repair, and one under repair whose overage is billed."""
        with freeze_time("2027-04-10"):
            # The first repair is covered and finished: 2 mainboards at cost
            # 120 and 1.5 hours at 40 an hour.
            repair = self._create_repair(lot=self.lot, labor_hours=1.5)
            self.assertEqual(repair.entitlement_id, contract)
            self._add_part(repair, self.mainboard, 2)
            self._finish(repair)
            # The second is billed as overage and still under repair: its
            # fan and 3 hours cost nothing yet.
            open_repair = self._create_repair(lot=self.lot2, labor_hours=3.0)
            self._add_part(open_repair, self.fan, 1)
            self._confirm(open_repair)
            open_repair.action_repair_start()
            self.assertEqual(open_repair.service_billing_line_ids.price_subtotal, 150.0)
            # 500 - (240 + 60) = 200, 40% of 500
            self.assertEqual(self._profit(contract), (500.0, 300.0, 200.0, 40.0))
        return repair, open_repair

    def _invoice_overage(self, contract, open_repair):
        billing_line = open_repair.service_billing_line_ids.with_user(self.billing_user)
        with freeze_time("2027-04-10"):
            billing_line.action_create_invoices()
            overage = billing_line.invoice_id
            self.assertEqual(self._profit(contract)[0], 500.0, "a draft does not count")
            overage.button_cancel()
            self.assertEqual(
                self._profit(contract)[0], 500.0, "a cancelled invoice does not count"
            )
            billing_line.action_create_invoices()
            self.assertNotEqual(billing_line.invoice_id, overage)
            billing_line.invoice_id.action_post()
        # 500 + 150 = 650; 650 - 300 = 350, 53.85% of 650
        revenue, cost, profit, margin = self._profit(contract)
        self.assertEqual((revenue, cost, profit), (650.0, 300.0, 350.0))
        self.assertAlmostEqual(margin, 53.846, places=2)

    def _credit_line(self, contract):
        """The second line ends on 20 May: the rest of Q2 is credited."""
        with freeze_time("2027-05-20"):
            line_b = contract.contract_line_ids.filtered(
                lambda line: line.lot_id == self.lot2
            )
            self._end_line(line_b, date(2027, 5, 20))
            credit = line_b.credit_move_id
            # 21 May to 30 June by month parts: 11/31 of May's 66.67
            # (23.66) and June's 66.67
            self.assertEqual(credit.amount_untaxed, 90.33)
            self.assertEqual(self._profit(contract)[0], 650.0, "a draft does not count")
            credit.action_post()
        return credit

    def test_profit_of_a_quarter(self):
        contract = self._invoiced_contract()
        repair, open_repair = self._repairs(contract)
        self._invoice_overage(contract, open_repair)
        credit = self._credit_line(contract)

        # Revenue 500 + 150 - 90.33 = 559.67; cost 240 + 60 = 300;
        # profit 259.67, 46.40% of 559.67.
        contract.invalidate_recordset()
        form = Form(contract.with_user(self.billing_user))
        self.assertAlmostEqual(form.profit_revenue, 559.67)
        self.assertAlmostEqual(form.profit_cost, 300.0)
        self.assertAlmostEqual(form.profit_amount, 259.67)
        self.assertAlmostEqual(form.profit_margin, 46.40, places=2)
        self.assertEqual(
            self._report(contract),
            {
                "contract_invoice": (2, 500.0, 0.0, 500.0),
                "overage_invoice": (1, 150.0, 0.0, 150.0),
                # One credit note, a line for May and one for June.
                "credit_note": (2, -90.33, 0.0, -90.33),
                "parts": (1, 0.0, 240.0, -240.0),
                "labor": (1, 0.0, 60.0, -60.0),
            },
        )
        Report = self.env["service.entitlement.profit.report"]
        # A warranty's repairs are no contract's: the report does not list it.
        warranty = self._active_entitlement(name="Hardware warranty", lot_ids=[])
        self._finish(
            self._create_repair(
                lot=self._create_lot("LAP-0950", customer=self.customer),
                entitlement_id=warranty.id,
                labor_hours=1,
            )
        )
        self.env.flush_all()
        self.assertFalse(Report.search([("entitlement_id", "=", warranty.id)]))
        repair_rows = Report.search(
            [("entitlement_id", "=", contract.id), ("repair_id", "!=", False)]
        )
        self.assertEqual(repair_rows.repair_id, repair, "only the finished repair")
        self.assertEqual(set(repair_rows.mapped("date")), {date(2027, 4, 10)})
        self.assertEqual(repair_rows.partner_id, self.customer)
        self.assertEqual(
            Report.search([("kind", "=", "credit_note")]).move_id,
            credit,
        )

        # The repair under way is finished: its fan (9) and 3 hours (120) count.
        open_repair.action_repair_end()
        # cost 300 + 9 + 120 = 429; profit 559.67 - 429 = 130.67
        revenue, cost, profit, margin = self._profit(contract)
        self.assertAlmostEqual(revenue, 559.67)
        self.assertAlmostEqual(cost, 429.0)
        self.assertAlmostEqual(profit, 130.67)
        self.assertAlmostEqual(margin, 130.67 / 559.67 * 100, places=2)

    def test_cost_follows_the_company(self):
        """Parts at the cost of the repair's company; labour at its rate,
        which may be none."""
        self.company.entitlement_labor_cost_rate = 0.0
        with freeze_time("2027-04-10"):
            contract = self._create_contract()
            contract.action_activate()
            repair = self._create_repair(lot=self.lot, labor_hours=2.0)
            self._add_part(repair, self.mainboard, 1)
            other = self.env["res.company"].create({"name": "Other Company"})
            self.mainboard.with_company(other).standard_price = 999.0
            self._finish(repair)
        # No revenue: the margin is 0; the mainboard at 120, no labour cost.
        self.assertEqual(self._profit(contract), (0.0, 120.0, -120.0, 0.0))
        self.assertEqual(
            self._report(contract),
            {"parts": (1, 0.0, 120.0, -120.0), "labor": (1, 0.0, 0.0, 0.0)},
        )

    def test_roles(self):
        with freeze_time("2027-04-01"):
            contract = self._create_contract()
            contract.action_activate()
            self._invoice_due(date(2027, 4, 1)).action_post()
        desk = contract.with_user(self.desk_user)
        self.assertEqual(desk.name, "Gold Support", "the desk reads the contract")
        self.assertNotIn("profit_revenue", Form(desk)._view["fields"])
        for field in (
            "profit_revenue",
            "profit_cost",
            "profit_amount",
            "profit_margin",
        ):
            with self.subTest(field=field), self.assertRaises(AccessError):
                desk.read([field])
        Report = self.env["service.entitlement.profit.report"]
        for user in (self.desk_user, self.technician_user, self.plain_user):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                Report.with_user(user).search([])
        for user in (self.billing_user, self.manager_user):
            with self.subTest(user=user.login):
                self.assertEqual(self._profit(contract, user)[:3], (500.0, 0.0, 500.0))
                self.assertEqual(
                    sorted(
                        Report.with_user(user)
                        .search([("entitlement_id", "=", contract.id)])
                        .mapped("revenue")
                    ),
                    [200.0, 300.0],
                )
                action = contract.with_user(user).action_view_profit()
                self.assertEqual(
                    action["domain"], [("entitlement_id", "=", contract.id)]
                )
        menu = self.env.ref(
            "service_entitlement.service_entitlement_profit_report_menu"
        )
        for user, visible in (
            (self.billing_user, True),
            (self.manager_user, True),
            (self.desk_user, False),
        ):
            with self.subTest(user=user.login):
                menus = self.env["ir.ui.menu"].with_user(user)._visible_menu_ids()
                self.assertEqual(menu.id in menus, visible)
        consumption_menu = self.env.ref(
            "service_entitlement.service_entitlement_consumption_menu_analysis"
        )
        self.assertNotIn(
            consumption_menu.id,
            self.env["ir.ui.menu"].with_user(self.billing_user)._visible_menu_ids(),
            "the other analyses stay the managers'",
        )

    def test_other_company_rows_are_hidden(self):
        with freeze_time("2027-04-01"):
            contract = self._create_contract()
            contract.action_activate()
            self._invoice_due(date(2027, 4, 1)).action_post()
        other = self.env["res.company"].create({"name": "Other Company"})
        self.billing_user.write(
            {"company_ids": [Command.set(other.ids)], "company_id": other.id}
        )
        Report = self.env["service.entitlement.profit.report"].with_user(
            self.billing_user
        )
        self.assertFalse(Report.search([("entitlement_id", "=", contract.id)]))
