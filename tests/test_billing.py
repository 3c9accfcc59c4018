import threading

from odoo import SUPERUSER_ID, Command, api
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.service import model as service_model
from odoo.tests import tagged, users
from odoo.tools import mute_logger

from odoo.addons.service_entitlement.models.ledger_guard import ledger_writer

from .common import RepairEntitlementCase, run_workers


class BillingCase(RepairEntitlementCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.tax = cls.env["account.tax"].create(
            {"name": "Service tax 10%", "amount": 10, "type_tax_use": "sale"}
        )
        cls.overage_product.taxes_id = [Command.set(cls.tax.ids)]
        cls.lot3 = cls._create_lot("LAP-0043", customer=cls.customer)
        cls.lot4 = cls._create_lot("LAP-0044", customer=cls.customer)

    def _warranty(self, **vals):
        return self._active_entitlement(
            **{
                "limit_policy": "bill",
                "lot_ids": [
                    Command.set((self.lot | self.lot2 | self.lot3 | self.lot4).ids)
                ],
                **vals,
            }
        )

    def _fourth_repair(self, warranty):
        for lot in (self.lot, self.lot2, self.lot3):
            self._confirm(self._create_repair(lot=lot))
        self.assertEqual(warranty.remaining_terms, 0)
        return self._confirm(self._create_repair(lot=self.lot4))


class TestOverageBilling(BillingCase):
    def test_fourth_repair_bills_once_and_invoices_once(self):
        """The seed story: a 4th repair on a 3-incident warranty is billed."""
        warranty = self._warranty()
        repair = self._fourth_repair(warranty)
        line = repair.service_billing_line_ids
        self.assertEqual(len(warranty.billing_line_ids), 1)
        self.assertRecordValues(
            line,
            [
                {
                    "partner_id": self.customer.id,
                    "entitlement_id": warranty.id,
                    "repair_id": repair.id,
                    "product_id": self.overage_product.id,
                    "quantity": 1,
                    "price_unit": 150,
                    "currency_id": self.company.currency_id.id,
                    "state": "to_invoice",
                    "price_subtotal": 150,
                }
            ],
        )
        self.assertEqual(line.tax_ids, self.tax)
        self.assertEqual(line.consumption_id, repair.entitlement_consumption_ids)

        BillingLine = self.env["service.entitlement.billing.line"].with_user(
            self.billing_user
        )
        BillingLine.browse(line.id).action_create_invoices()
        invoice = line.invoice_id
        self.assertEqual(line.state, "invoiced")
        self.assertRecordValues(
            invoice,
            [
                {
                    "move_type": "out_invoice",
                    "state": "draft",
                    "partner_id": self.customer.id,
                    "amount_untaxed": 150,
                    "amount_total": 165,
                }
            ],
        )
        aml = invoice.invoice_line_ids
        self.assertEqual(aml.service_billing_line_id, line)
        for text in (repair.name, "LAP-0044", warranty.code):
            self.assertIn(text, aml.name)
        self.assertEqual(invoice.service_repair_ids, repair)
        self.assertEqual((repair.service_invoice_count, warranty.invoice_count), (1, 1))

        # Running it again invoices nothing more and says why.
        result = BillingLine.browse(line.id).action_create_invoices()
        self.assertEqual(result["tag"], "display_notification")
        self.assertIn("already invoiced", result["params"]["message"])
        self.assertEqual(len(line.invoice_line_ids), 1)

        # Cancelling the invoice frees the line; invoicing again works.
        invoice.button_cancel()
        self.assertEqual(line.state, "to_invoice")
        BillingLine.browse(line.id).action_create_invoices()
        self.assertEqual(line.state, "invoiced")
        self.assertNotEqual(line.invoice_id, invoice)
        with self.assertRaisesRegex(UserError, "invoiced again"):
            invoice.button_draft()

    def test_deleting_draft_invoice_frees_lines(self):
        warranty = self._warranty(total_terms=1)
        self._confirm(self._create_repair(lot=self.lot))
        repair = self._confirm(self._create_repair(lot=self.lot2))
        line = repair.service_billing_line_ids
        line._create_invoices()
        line.invoice_id.unlink()
        self.assertEqual(line.state, "to_invoice")
        self.assertEqual(warranty.billing_line_count, 1)

    def test_one_invoice_per_customer(self):
        warranty = self._warranty(total_terms=1)
        other_lot = self._create_lot("FAB-1", customer=self.other_customer)
        other = self._active_entitlement(
            partner_id=self.other_customer.id,
            lot_ids=[Command.set(other_lot.ids)],
            limit_policy="bill",
            total_terms=1,
        )
        self._confirm(self._create_repair(lot=self.lot))
        for lot in (self.lot2, self.lot3, self.lot4):
            self._confirm(self._create_repair(lot=lot))
        for __ in range(3):
            self._confirm(
                self._create_repair(lot=other_lot, partner=self.other_customer)
            )
        lines = (warranty | other).billing_line_ids
        self.assertEqual(len(lines), 5)
        invoices, skipped = lines._create_invoices()
        self.assertFalse(skipped)
        self.assertEqual(len(invoices), 2)
        by_partner = {inv.partner_id: inv for inv in invoices}
        self.assertEqual(len(by_partner[self.customer].invoice_line_ids), 3)
        self.assertEqual(len(by_partner[self.other_customer].invoice_line_ids), 2)

    def test_pricelist_price_when_no_overage_price(self):
        pricelist = self.env["product.pricelist"].create(
            {
                "name": "Partners",
                "item_ids": [
                    Command.create(
                        {
                            "applied_on": "0_product_variant",
                            "product_id": self.overage_product.id,
                            "compute_price": "fixed",
                            "fixed_price": 120,
                        }
                    )
                ],
            }
        )
        self.customer.property_product_pricelist = pricelist
        warranty = self._warranty(total_terms=1, overage_price=0)
        self._confirm(self._create_repair(lot=self.lot))
        self._confirm(self._create_repair(lot=self.lot2))
        self.assertEqual(warranty.billing_line_ids.price_unit, 120)

    def test_hours_overage_quantity(self):
        bank = self._active_entitlement(
            allocation_type="hours",
            total_terms=2,
            lot_ids=[],
            limit_policy="bill",
            overage_price=80,
        )
        repair = self._confirm(self._create_repair(labor_hours=3.5))
        self.assertEqual(bank.billing_line_ids.quantity, 1.5)
        self.assertEqual(bank.billing_line_ids.price_subtotal, 120)
        self.assertEqual(repair.entitlement_coverage, "partial")

    def test_no_billing_line_for_warn_or_block_override(self):
        warn = self._active_entitlement(total_terms=1, limit_policy="warn")
        self._confirm(self._create_repair())
        self._confirm(self._create_repair())
        self.assertFalse(warn.billing_line_ids)
        warn.action_cancel()
        block = self._active_entitlement(total_terms=1, limit_policy="block")
        self._confirm(self._create_repair())
        repair = self._create_repair()
        repair.with_user(self.manager_user).action_entitlement_override_confirm()
        self.assertFalse(block.billing_line_ids)
        repair = self._create_repair()
        repair.with_user(self.manager_user).action_entitlement_override_bill()
        self.assertEqual(block.billing_line_ids.repair_id, repair)
        self.assertIn("overage billed", repair.entitlement_consumption_ids.note)

    def test_missing_overage_product_is_explained(self):
        # Refused when activated, not when the fourth repair is confirmed.
        with self.assertRaisesRegex(ValidationError, "set its overage product"):
            with self.env.cr.savepoint():
                self._warranty(total_terms=1, overage_product_id=False)


class TestReversals(BillingCase):
    def test_reversal_cancels_line_still_to_invoice(self):
        warranty = self._warranty()
        repair = self._fourth_repair(warranty)
        line = repair.service_billing_line_ids
        repair.action_repair_cancel()
        self.assertEqual(line.state, "cancelled")
        self.assertEqual(warranty.remaining_terms, 0)
        invoices, skipped = line._create_invoices()
        self.assertFalse(invoices)
        self.assertEqual(skipped, line)

    def test_reversal_of_invoiced_line_credits_on_next_run(self):
        warranty = self._warranty()
        repair = self._fourth_repair(warranty)
        line = repair.service_billing_line_ids
        invoice, __ = line._create_invoices()
        invoice.action_post()
        repair.action_repair_cancel()
        credit = warranty.billing_line_ids - line
        self.assertRecordValues(
            credit,
            [
                {
                    "is_credit": True,
                    "credited_line_id": line.id,
                    "quantity": -1,
                    "state": "to_invoice",
                    "price_subtotal": -150,
                }
            ],
        )
        self.assertEqual(line.state, "invoiced")
        refunds, __ = (
            self.env["service.entitlement.billing.line"]
            .search(
                [("state", "=", "to_invoice"), ("partner_id", "=", self.customer.id)]
            )
            ._create_invoices()
        )
        self.assertEqual(refunds.move_type, "out_refund")
        self.assertEqual(refunds.amount_untaxed, 150)
        self.assertEqual(credit.state, "invoiced")

    def test_overage_text_in_the_customers_language(self):
        """The billing line's text goes on the customer's invoice: it is in
        the customer's language, whoever confirmed the repair, and so is its
        credit."""
        self.env["res.lang"]._activate_lang("fr_FR")
        self.env["ir.module.module"]._load_module_terms(
            ["service_entitlement"], ["fr_FR"], overwrite=True
        )
        self.customer.lang = "fr_FR"
        self.assertEqual(self.env.user.lang, "en_US")
        warranty = self._warranty()
        repair = self._fourth_repair(warranty)
        line = repair.service_billing_line_ids
        self.assertIn(f"Dépassement sur {warranty.display_name}", line.name)
        self.assertNotIn("Overage", line.name)
        invoice, __ = line._create_invoices()
        invoice.action_post()
        repair.action_repair_cancel()
        credit = warranty.billing_line_ids - line
        self.assertTrue(credit.name.startswith("Avoir"), credit.name)


class TestInvoicingHooksAndCron(BillingCase):
    def test_prepare_methods_are_the_extension_points(self):
        warranty = self._warranty(total_terms=1)
        self._confirm(self._create_repair(lot=self.lot))
        self._confirm(self._create_repair(lot=self.lot2))
        BillingLine = type(self.env["service.entitlement.billing.line"])
        prepare_invoice = BillingLine._prepare_invoice
        prepare_line = BillingLine._prepare_invoice_line

        def custom_invoice(lines, *args):
            return {**prepare_invoice(lines, *args), "ref": "Overages Q1"}

        def custom_line(line, move_type):
            vals = prepare_line(line, move_type)
            return {**vals, "name": "Custom: " + vals["name"]}

        from unittest.mock import patch

        with (
            patch.object(BillingLine, "_prepare_invoice", custom_invoice),
            patch.object(BillingLine, "_prepare_invoice_line", custom_line),
        ):
            invoice, __ = warranty.billing_line_ids._create_invoices()
        self.assertEqual(invoice.ref, "Overages Q1")
        self.assertTrue(invoice.invoice_line_ids.name.startswith("Custom: "))

    def test_cron_invoices_due_lines_and_is_safe_to_rerun(self):
        warranty = self._warranty(total_terms=1)
        for lot in (self.lot, self.lot2, self.lot3):
            self._confirm(self._create_repair(lot=lot))
        cron = self.env.ref("service_entitlement.service_entitlement_billing_line_cron")
        self.assertFalse(cron.active, "off by default")
        BillingLine = self.env["service.entitlement.billing.line"]
        BillingLine._cron_invoice_due_lines()
        self.assertEqual(set(warranty.billing_line_ids.mapped("state")), {"invoiced"})
        self.assertEqual(len(warranty.billing_line_ids.invoice_id), 1)
        BillingLine._cron_invoice_due_lines()
        self.assertEqual(len(warranty.billing_line_ids.invoice_line_ids), 2)

    @mute_logger("odoo.sql_db")
    def test_database_refuses_a_second_invoice_line(self):
        warranty = self._warranty(total_terms=1)
        self._confirm(self._create_repair(lot=self.lot))
        self._confirm(self._create_repair(lot=self.lot2))
        line = warranty.billing_line_ids
        invoice, __ = line._create_invoices()
        # Even a bug in the add-on's own code (inside ledger_writer) could not
        # put the line on a second live invoice: the database refuses it.
        with self.assertRaises(Exception) as caught, ledger_writer():
            with self.env.cr.savepoint():
                invoice.write(
                    {
                        "invoice_line_ids": [
                            Command.create(line._prepare_invoice_line("out_invoice"))
                        ]
                    }
                )
                self.env.flush_all()
        self.assertIn("service_billing_line_once", str(caught.exception))


class TestBillingRights(BillingCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.warranty = cls._active_entitlement(
            total_terms=1, limit_policy="bill", lot_ids=[]
        )

    def setUp(self):
        super().setUp()
        self._confirm(self._create_repair())
        self.repair = self._confirm(self._create_repair())
        self.line = self.repair.service_billing_line_ids

    @users("se_billing")
    def test_billing_clerk_invoices_but_cannot_change_the_rest(self):
        line = self.line.with_env(self.env)
        self.assertEqual(line.price_unit, 150)
        with self.assertRaises(AccessError):
            line.price_unit = 1
        invoices, __ = line._create_invoices()
        self.assertEqual(invoices.state, "draft")
        with self.assertRaises(AccessError):
            self.repair.with_env(self.env).write({"labor_hours": 3})
        with self.assertRaises(AccessError):
            self.warranty.with_env(self.env).write({"overage_price": 1})
        with self.assertRaises(AccessError):
            self.line.with_env(self.env).unlink()

    @users("se_tech")
    def test_technician_sees_no_prices(self):
        with self.assertRaises(AccessError):
            self.env["service.entitlement.billing.line"].search([])
        with self.assertRaises(AccessError):
            self.warranty.with_env(self.env).read(["overage_price"])
        # The repair and its entitlement are still theirs to see.
        self.assertEqual(self.repair.with_env(self.env).entitlement_id, self.warranty)
        self.assertEqual(self.repair.with_env(self.env).service_billing_line_count, 0)

    @users("se_desk")
    def test_service_desk_sees_overages_but_does_not_invoice(self):
        line = self.line.with_env(self.env)
        self.assertEqual(line.state, "to_invoice")
        with self.assertRaises(AccessError):
            self.env["account.move"].create({"move_type": "out_invoice"})


# Worker threads with cursors of their own (see run_workers), under
# pytest-odoo and Odoo's runner alike.
@tagged("post_install", "-at_install", "concurrency")
class TestConcurrentInvoicing(BillingCase):
    """Two clerks invoice the same lines at the same moment, each in its own
    transaction: one invoice line per billing line, never two."""

    def test_two_clerks_at_once(self):
        def build(env):
            customer = env["res.partner"].create(
                {"name": "Concurrent clerk customer", "is_company": True}
            )
            product = env["product.product"].create(
                {"name": "Concurrent device", "type": "consu"}
            )
            overage = env["product.product"].create(
                {"name": "Concurrent overage", "type": "service"}
            )
            entitlement = env["service.entitlement"].create(
                self._entitlement_vals(
                    partner_id=customer.id,
                    lot_ids=[],
                    excluded_fault_reason_ids=[],
                    total_terms=1,
                    limit_policy="bill",
                    overage_product_id=overage.id,
                )
            )
            entitlement.action_activate()
            repairs = env["repair.order"].create(
                [{"partner_id": customer.id, "product_id": product.id}] * 4
            )
            for repair in repairs:
                repair.action_validate()
            # A committed user with billing rights; creating one here would
            # wait on rows this test's own transaction holds.
            clerk = env.ref("base.user_admin")
            return (
                customer.id,
                entitlement.id,
                entitlement.billing_line_ids.ids,
                clerk.id,
            )

        with self.registry.cursor() as cr:
            customer_id, entitlement_id, line_ids, clerk_id = build(
                api.Environment(cr, SUPERUSER_ID, {})
            )
        self.assertEqual(len(line_ids), 3)
        barrier = threading.Barrier(2)
        outcome = []

        def clerk():
            with self.registry.cursor() as cr:
                env = api.Environment(cr, clerk_id, {})
                lines = env["service.entitlement.billing.line"].browse(line_ids)
                barrier.wait(timeout=30)
                try:
                    result = service_model.retrying(lines._create_invoices, env)
                    outcome.append((len(result[0]), len(result[1])))
                except Exception as exc:  # reported by the assertion below
                    outcome.append(repr(exc))

        threads = [threading.Thread(target=clerk) for __ in range(2)]
        try:
            run_workers(threads, timeout=60)
            self.assertEqual(sorted(outcome), [(0, 3), (1, 0)])
            with self.registry.cursor() as cr:
                env = api.Environment(cr, SUPERUSER_ID, {})
                lines = env["service.entitlement.billing.line"].browse(line_ids)
                self.assertEqual(len(lines.invoice_line_ids), 3)
                self.assertEqual(len(lines.invoice_id), 1)
                self.assertEqual(set(lines.mapped("state")), {"invoiced"})
        finally:
            with self.registry.cursor() as cr:
                env = api.Environment(cr, SUPERUSER_ID, {})
                lines = env["service.entitlement.billing.line"].browse(line_ids)
                lines.invoice_id.unlink()
                cr.execute(
                    "DELETE FROM service_entitlement_billing_line WHERE id = ANY(%s)",
                    [line_ids],
                )
                cr.execute(
                    "DELETE FROM service_entitlement_consumption "
                    "WHERE entitlement_id = %s",
                    [entitlement_id],
                )
                repairs = env["repair.order"].search([("partner_id", "=", customer_id)])
                entitlement = env["service.entitlement"].browse(entitlement_id)
                # Clearing up what the test committed, as a script would.
                with ledger_writer():
                    repairs.write({"state": "cancel"})
                    repairs.unlink()
                    entitlement.write({"state": "cancelled"})
                    entitlement.unlink()


class TestStatementReport(BillingCase):
    def test_statement_shows_coverage_usage_and_overages(self):
        warranty = self._warranty()
        repair = self._fourth_repair(warranty)
        html = (
            self.env["ir.actions.report"]
            ._render_qweb_html(
                "service_entitlement.report_service_entitlement", warranty.ids
            )[0]
            .decode()
        )
        for text in (
            warranty.code,
            "LAP-0041",
            "Accidental damage",
            "Bill the overage",
            repair.name,
            "Overages",
            "Overage on",
        ):
            self.assertIn(text, html)
