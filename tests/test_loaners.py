"""Loaners: a serial number of a loaner product is lent for a repair (only
one that is in the loaner location, not lent, not blocked, allowed for the
repaired product), leaves and comes back by stock transfers, keeps the
repair from finishing while it is out (unless a manager says why), and
gets one late fee when it is late."""

from datetime import timedelta

from freezegun import freeze_time

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, tagged

from .common import RepairEntitlementCase
from .test_integrity_api import IntegrityApiCase


class LoanerCase(RepairEntitlementCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.loaner_product = cls._create_product(
            "Loaner Laptop",
            service_loaner=True,
            loaner_for_product_ids=[(6, 0, cls.laptop.product_tmpl_id.ids)],
        )
        cls.location = cls.env.ref("service_entitlement.stock_location_loaners")
        cls.customers = cls.env.ref("stock.stock_location_customers")
        cls.loaners = cls.env["stock.lot"]
        for name in ("LOAN-1", "LOAN-2", "LOAN-3"):
            lot = cls._create_lot(name, product=cls.loaner_product)
            cls.env["stock.quant"]._update_available_quantity(
                cls.loaner_product, cls.location, 1.0, lot_id=lot
            )
            cls.loaners |= lot
        cls.loan_1, cls.loan_2, cls.loan_3 = cls.loaners
        cls.loan_3.service_blocked = "all"
        cls.company.entitlement_loaner_fee = 50.0
        cls.company.entitlement_loaner_late_days = 7

    def _lend(self, repair, lot, user=None, due=None):
        wizard = Form(
            self.env["service.loaner.lend.wizard"]
            .with_user(user or self.desk_user)
            .with_context(default_repair_id=repair.id)
        )
        wizard.lot_id = lot
        if due:
            wizard.due_date = due
        wizard.save().action_lend()
        return repair.loaner_loan_id

    def _where(self, lot):
        quant = lot.quant_ids.filtered(lambda q: q.quantity > 0)
        self.assertEqual(len(quant), 1, lot.name)
        return quant.location_id


class TestLoaners(LoanerCase):
    def test_lend_and_receive_by_transfers(self):
        repair = self._create_repair()
        wizard = (
            self.env["service.loaner.lend.wizard"]
            .with_user(self.desk_user)
            .create({"repair_id": repair.id, "lot_id": self.loan_1.id})
        )
        # Not the blocked one; the due date is the repair's date plus three
        # days.
        self.assertEqual(wizard.available_lot_ids, self.loan_1 | self.loan_2)
        self.assertEqual(wizard.due_date, self.today + timedelta(days=3))
        wizard.action_lend()
        loan = repair.loaner_loan_id
        self.assertEqual(loan.lot_id, self.loan_1)
        self.assertEqual(loan.state, "lent")
        self.assertEqual(loan.partner_id, self.customer)
        self.assertEqual(loan.lent_by_id, self.desk_user)
        self.assertEqual(loan.out_picking_id.state, "done")
        self.assertEqual(self._where(self.loan_1), self.customers)
        self.assertEqual(self.loan_1.loaner_state, "lent")
        # Lent, not given: the borrower does not become its owner, and it is
        # none of the customer's service items.
        self.assertFalse(self.loan_1.customer_id)
        self.assertFalse(self.loan_1.warranty_layer_ids)
        # The Loaners list: out, to whom, until when, for which repair.
        self.assertEqual(
            (
                self.loan_1.loaner_partner_id,
                self.loan_1.loaner_due_date,
                self.loan_1.loaner_repair_id,
            ),
            (self.customer, self.today + timedelta(days=3), repair),
        )
        self.assertEqual(
            self.env["stock.lot"].search(
                [("id", "in", self.loaners.ids), ("loaner_state", "=", "available")]
            ),
            self.loan_2,
        )
        self.assertLogged(repair, "Loaner LOAN-1 lent to Adatum Corporation")
        html = (
            self.env["ir.actions.report"]
            ._render_qweb_html("repair.action_report_repair_order", repair.ids)[0]
            .decode()
        )
        self.assertIn("LOAN-1", html)
        self.assertIn("please bring it back by", html)
        # Lent once at a time, and one loaner per repair.
        other = self._create_repair(self.lot2)
        with self.assertRaisesRegex(UserError, "already lent"):
            self._lend(other, self.loan_1)
        with self.assertRaisesRegex(UserError, "already has loaner LOAN-1 out"):
            self._lend(repair, self.loan_2)
        # The repair does not finish while the loaner is out.
        self._confirm(repair)
        repair.action_repair_start()
        with self.assertRaisesRegex(UserError, "loaner LOAN-1 is still out"):
            repair.action_repair_end()
        self.assertEqual(repair.state, "under_repair")
        repair.with_user(self.technician_user).action_loaner_receive()
        self.assertEqual(loan.state, "returned")
        self.assertEqual(loan.returned_by_id, self.technician_user)
        self.assertEqual(loan.in_picking_id.state, "done")
        self.assertEqual(self._where(self.loan_1), self.location)
        self.assertEqual(self.loan_1.loaner_state, "available")
        with self.assertRaisesRegex(UserError, "already received back"):
            loan._receive()
        self._finish(repair)
        # The loaner's log.
        self.assertEqual(self.loan_1.loan_ids, loan)

    def test_bad_input_saves_nothing(self):
        repair = self._create_repair()
        printer = self._create_product("Printer X200")
        printer_lot = self._create_lot("PRN-1", product=printer, customer=self.customer)
        printer_repair = self._create_repair(printer_lot)
        cases = [
            (repair, self.loan_3, "is blocked"),
            (repair, self.lot2, "is not a loaner"),
            (printer_repair, self.loan_1, "does not stand in for Printer X200"),
        ]
        Loan = self.env["service.loaner.loan"].with_user(self.desk_user)
        for target, lot, message in cases:
            with (
                self.subTest(message=message),
                self.assertRaisesRegex(UserError, message),
            ):
                Loan._lend(target, lot, self.today + timedelta(days=3))
        with self.assertRaisesRegex(UserError, "cannot be in the past"):
            Loan._lend(repair, self.loan_1, self.today - timedelta(days=1))
        # Out of the loaner location (at the customer's): not lendable.
        self.env["stock.quant"]._update_available_quantity(
            self.loaner_product, self.location, -1.0, lot_id=self.loan_2
        )
        with self.assertRaisesRegex(UserError, "is not in"):
            Loan._lend(repair, self.loan_2, self.today + timedelta(days=3))
        # Nothing lent (a database with demo data has a loan of its own).
        self.assertFalse(
            self.env["service.loaner.loan"].search(
                [("repair_id", "in", (repair | printer_repair).ids)]
            )
        )
        self.assertFalse(repair.loaner_loan_ids)

    def test_manager_lets_the_repair_finish_without_it(self):
        repair = self._create_repair()
        loan = self._lend(repair, self.loan_1)
        self._confirm(repair)
        repair.action_repair_start()
        Wizard = self.env["service.loaner.finish.wizard"]
        for user in (self.desk_user, self.technician_user, self.billing_user):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                Wizard.with_user(user).create(
                    {"repair_id": repair.id, "reason": "no"}
                ).action_confirm()
        with self.assertRaisesRegex(UserError, "Only an entitlement manager"):
            loan.with_user(self.desk_user)._allow_finish("please")
        Wizard.with_user(self.manager_user).create(
            {"repair_id": repair.id, "reason": "Replacement ordered"}
        ).action_confirm()
        self.assertEqual(loan.finish_user_id, self.manager_user)
        self.assertLogged(repair, "Replacement ordered")
        repair.action_repair_end()
        self.assertEqual(repair.state, "done")
        self.assertEqual(loan.state, "lent", "the loaner is still out")

    def test_one_late_fee_per_loan(self):
        repair = self._create_repair()
        due = self.today + timedelta(days=3)
        loan = self._lend(repair, self.loan_1, due=due)
        Loan = self.env["service.loaner.loan"]
        with freeze_time(due + timedelta(days=7)):
            self.assertFalse(Loan._cron_late_fees(), "7 days late: not yet")
        with freeze_time(due + timedelta(days=8)):
            self.assertEqual(Loan._cron_late_fees(), loan)
            self.assertFalse(Loan._cron_late_fees(), "once per loan")
        fee = loan.late_fee_line_id
        self.assertEqual(
            (fee.partner_id, fee.price_unit, fee.quantity, fee.state),
            (self.customer, 50.0, 1.0, "to_invoice"),
        )
        self.assertEqual(fee.product_id, self.company._loaner_fee_product())
        self.assertIn("Late return of loaner LOAN-1", fee.name)
        self.assertFalse(fee.entitlement_id)
        self.assertEqual(fee.repair_id, repair)
        # A billing clerk invoices it like an overage.
        fee.with_user(self.billing_user).action_create_invoices()
        self.assertEqual(fee.state, "invoiced")
        self.assertEqual(fee.invoice_id.amount_untaxed, 50.0)
        with self.assertRaises(AccessError):
            fee.with_user(self.desk_user).write({"price_unit": 1.0})
        # A late fee of zero: none.
        self.company.entitlement_loaner_fee = 0.0
        other = self._lend(self._create_repair(self.lot2), self.loan_2, due=due)
        with freeze_time(due + timedelta(days=30)):
            Loan._cron_late_fees()
        self.assertFalse(other.late_fee_line_id)

    def test_the_log_is_the_flows(self):
        loan = self._lend(self._create_repair(), self.loan_1)
        for user in (self.desk_user, self.manager_user):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                loan.with_user(user).write({"due_date": fields.Date.today()})
        with self.assertRaises(AccessError):
            self.env["service.loaner.loan"].with_user(self.manager_user).create(
                {
                    "repair_id": loan.repair_id.id,
                    "lot_id": self.loan_2.id,
                    "partner_id": self.customer.id,
                    "company_id": self.company.id,
                    "state": "lent",
                    "lent_on": fields.Datetime.now(),
                    "due_date": self.today,
                }
            )
        with self.assertRaises(UserError):
            loan.unlink()


@tagged("post_install", "-at_install")
class TestLoanersOverExternalApi(IntegrityApiCase):
    """Each role tries the loaner actions over XML-RPC: the desk lends, the
    desk and technicians take it back, only managers let a repair finish
    without it, nobody writes a loan, and the customer reads their own."""

    def test_roles(self):
        env = self.env
        product = env["product.product"].create(
            {
                "name": "Loaner Laptop",
                "type": "consu",
                "is_storable": True,
                "tracking": "serial",
                "service_loaner": True,
            }
        )
        lot = env["stock.lot"].create({"name": "LOAN-9", "product_id": product.id})
        env["stock.quant"]._update_available_quantity(
            product,
            env.ref("service_entitlement.stock_location_loaners"),
            1.0,
            lot_id=lot,
        )
        repair = self.adatum_repair
        due = fields.Date.to_string(fields.Date.today() + timedelta(days=5))
        wizard_vals = {"repair_id": repair.id, "lot_id": lot.id, "due_date": due}
        for role in ("tech", "billing", "portal"):
            with self.subTest(role=role):
                self.assertRefused(
                    role, "service.loaner.lend.wizard", "create", wizard_vals
                )
        wizard_id = self._call(
            "desk", "service.loaner.lend.wizard", "create", wizard_vals
        )
        self._call("desk", "service.loaner.lend.wizard", "action_lend", [wizard_id])
        env.invalidate_all()
        loan = repair.loaner_loan_id
        self.assertEqual(loan.lot_id, lot)
        for role in ("desk", "tech", "billing", "manager"):
            with self.subTest(role=role):
                self.assertRefused(
                    role, "service.loaner.loan", "write", [loan.id], {"due_date": due}
                )
                self.assertRefused(role, "service.loaner.loan", "unlink", [loan.id])
        self.assertRefused(
            "desk",
            "service.loaner.finish.wizard",
            "create",
            {"repair_id": repair.id, "reason": "x"},
        )
        finish_id = self._call(
            "manager",
            "service.loaner.finish.wizard",
            "create",
            {"repair_id": repair.id, "reason": "Customer abroad"},
        )
        self._call(
            "manager", "service.loaner.finish.wizard", "action_confirm", [finish_id]
        )
        self.assertEqual(
            self._call(
                "portal",
                "service.loaner.loan",
                "search_read",
                [],
                fields=["due_date"],
            ),
            [{"id": loan.id, "due_date": due}],
        )
        self.authenticate("api_portal", "api_portal")
        page = self.url_open("/my/entitlements")
        self.assertEqual(page.status_code, 200)
        self.assertIn("Loaners you have", page.text)
        self.assertIn("LOAN-9", page.text)
        self.assertRefused(
            "billing", "repair.order", "action_loaner_receive", [repair.id]
        )
        self._call("tech", "repair.order", "action_loaner_receive", [repair.id])
        env.invalidate_all()
        self.assertEqual(loan.state, "returned")
