"""Query budget of invoicing overage billing lines.

Invoicing makes all the invoices of a run with one ``account.move.create``
and reads what the invoices need (lines, taxes, customers, their contacts and
fiscal positions, the journal) once for all of them: the queries it costs do
not depend on the number of invoices, but for the rows written in batches of
a hundred (invoice lines, billing lines).

The part that does not depend on the number of invoices is not small, though:
Odoo's own ``account.move.create`` reads the company, journal, accounts,
taxes, currency and sales team, checks the sequence and the balance and writes
its computed fields, some sixty queries with cold caches whether it makes one
invoice or forty.  So the budget is "at most GOAL queries per invoice over a
fixed part", the fixed part being Odoo's own call for the same invoices
(measured in the same test) plus ADDON_FIXED queries of the add-on; at forty
invoices the whole call fits in GOAL queries per invoice.

Customers without a country, as in the benchmark: for a customer with a
country and no fiscal position of its own, Odoo's ``_get_fiscal_position``
searches the automatic fiscal positions, one query per invoice the add-on
leaves to Odoo.
"""

from unittest.mock import patch

from odoo import Command
from odoo.tests.common import tagged

from .common import RepairEntitlementCase

GOAL = 2  # queries per invoice, at most
# Queries of the add-on that Odoo's account.move.create of the same invoices
# does not make, once per call whatever the number of invoices: lock the
# lines, read them and their taxes, the customers' contacts and fiscal
# positions, the default journal, the credits and the new invoice lines of the
# billing lines; then the billing lines' new state, one UPDATE a hundred lines
# (the batches here have fewer).  Measured: 9.
ADDON_FIXED = 11
LINES_PER_CUSTOMER = 2


@tagged("post_install", "-at_install")
class TestInvoicingQueries(RepairEntitlementCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        tax = cls.env["account.tax"].create(
            {"name": "Overage tax 10%", "amount": 10, "type_tax_use": "sale"}
        )
        cls.overage_product.taxes_id = [Command.set(tax.ids)]
        # Customers of one warm-up run, then of runs of 5 and of 40 invoices.
        cls.batches = {}
        for label, count in (("warm", 2), ("small", 5), ("large", 40)):
            cls.batches[label] = cls._billed_customers(label, count)

    @classmethod
    def _billed_customers(cls, label, count):
        """Billing lines to invoice, LINES_PER_CUSTOMER for each of ``count``
        new customers."""
        partners = cls.env["res.partner"].create(
            [
                {"name": f"Invoicing {label} {index}", "is_company": True}
                for index in range(count)
            ]
        )
        entitlements = cls.env["service.entitlement"].create(
            [
                cls._entitlement_vals(
                    partner_id=partner.id,
                    lot_ids=[],
                    total_terms=1,
                    limit_policy="bill",
                    name=f"Invoicing {label} {partner.id}",
                )
                for partner in partners
            ]
        )
        for entitlement in entitlements:
            entitlement.action_activate()
        cls.env["service.entitlement.consumption"]._record(
            [
                {
                    "entitlement_id": entitlement.id,
                    "quantity": 0,
                    "overage_quantity": 1,
                    "bill_overage": True,
                    "res_model": "test.invoicing.document",
                    "res_id": entitlement.id * 100 + index,
                }
                for entitlement in entitlements
                for index in range(LINES_PER_CUSTOMER)
            ]
        )
        lines = cls.env["service.entitlement.billing.line"].search(
            [("entitlement_id", "in", entitlements.ids)]
        )
        assert len(lines) == count * LINES_PER_CUSTOMER, lines
        return lines

    def _count(self, func):
        """(result, queries) of ``func()`` with cold caches, flushed."""
        env = self.env
        env.flush_all()
        env.invalidate_all()
        # As assertQueryCount does: no random garbage collection of the bus.
        with patch("random.random", lambda: 1):
            before = env.cr.sql_log_count
            result = func()
            env.flush_all()
            return result, env.cr.sql_log_count - before

    def _plain_count(self, lines):
        """Queries of Odoo's account.move.create of the invoices of ``lines``,
        without the links to the billing lines; rolled back."""
        vals_list = lines._prepare_invoices_vals()
        for vals in vals_list:
            for command in vals["invoice_line_ids"]:
                command[2].pop("service_billing_line_id")
        Move = self.env["account.move"].with_env(lines.env)
        self.env.flush_all()
        self.env.cr.execute("SAVEPOINT invoicing_plain")
        moves, count = self._count(lambda: Move.create(vals_list))
        self.assertEqual(len(moves), len(vals_list))
        self.env.cr.execute("ROLLBACK TO SAVEPOINT invoicing_plain")
        self.env.invalidate_all()
        return count

    def _invoice(self, lines):
        (invoices, skipped), count = self._count(lines._create_invoices)
        self.assertFalse(skipped)
        self.assertEqual(len(invoices), len(lines.partner_id))
        self.assertEqual(set(lines.mapped("state")), {"invoiced"})
        return invoices, count

    def _measure(self, env):
        """{label: (invoices, add-on queries, Odoo's queries)} of the small
        and large batches, invoiced in ``env``."""
        self._invoice(self.batches["warm"].with_env(env))  # warm registry caches
        counts = {}
        for label in ("small", "large"):
            lines = self.batches[label].with_env(env)
            plain = self._plain_count(lines)
            invoices, ours = self._invoice(lines)
            counts[label] = (len(invoices), ours, plain)
        return counts

    def test_queries_per_invoice(self):
        """As the benchmark measures it, without mail tracking."""
        env = self.env(context=dict(self.env.context, tracking_disable=True))
        counts = self._measure(env)
        for invoices, ours, plain in counts.values():
            with self.subTest(invoices=invoices):
                # What the add-on adds to Odoo's own call is fixed.
                self.assertLessEqual(ours - plain, ADDON_FIXED)
        (small, small_q, small_plain), (large, large_q, __) = (
            counts["small"],
            counts["large"],
        )
        # Each invoice costs at most GOAL queries over a fixed part: Odoo's
        # own call (measured on the small batch) and ADDON_FIXED.
        fixed = small_plain + ADDON_FIXED
        for invoices, ours in ((small, small_q), (large, large_q)):
            self.assertLessEqual(ours, GOAL * invoices + fixed)
        self.assertLessEqual(large_q - small_q, GOAL * (large - small))
        # At forty invoices the fixed part is spread enough for the whole call.
        self.assertLessEqual(large_q, GOAL * large)
        # The cost per invoice does not grow with the batch.
        self.assertLessEqual(large_q / large, small_q / small)

    def test_no_query_per_invoice_over_odoo_with_tracking(self):
        """With mail tracking, as clerks and the cron invoice: Odoo posts a
        creation message on every new invoice (some seven queries each, the
        same with or without the add-on); the add-on still adds only its fixed
        part."""
        counts = self._measure(self.env)
        for invoices, ours, plain in counts.values():
            with self.subTest(invoices=invoices):
                self.assertLessEqual(ours - plain, ADDON_FIXED)
