"""Query budgets of the repair flow with the add-on.

The number of queries to create, confirm and finish a repair must not depend
on how many entitlements the database holds: matching is one indexed search
and consumption locks only the entitlement it uses.
"""

from unittest.mock import patch

from dateutil.relativedelta import relativedelta

from odoo.tests.common import tagged, warmup

from .common import RepairEntitlementCase

# Budgets measured on Odoo 18.0 with a serial-numbered product (warm caches).
# Confirming reads the channel limits and the service level targets too.
# A plain repair of an uncovered customer, same flow, takes fewer queries;
# the difference is the cost of matching, the ledger row and the lock, and at
# confirmation the server-side checks: the consumption brought in line with
# the new state, and Under Warranty recomputed from the verdict.
CREATE_BUDGET = 29
CONFIRM_BUDGET = 37
DONE_BUDGET = 50


@tagged("post_install", "-at_install")
class TestQueryCounts(RepairEntitlementCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.warranty = cls._active_entitlement(total_terms=10_000, lot_ids=[])
        # Ten entitlements in the database to start with.
        for index in range(9):
            cls._active_entitlement(
                partner_id=cls.other_customer.id, lot_ids=[], name=f"Other {index}"
            )

    def _bulk_entitlements(self, count):
        """Insert ``count`` active entitlements of other customers (and some
        expired ones of ours) directly in SQL: fast, and invisible to caches."""
        partners = self.env["res.partner"].create(
            [{"name": f"Bulk customer {i}", "is_company": True} for i in range(200)]
        )
        self.env.flush_all()
        start = self.start - relativedelta(years=2)
        self.env.cr.execute(
            """
            INSERT INTO service_entitlement (
                name, code, partner_id, company_id, entitlement_type, state,
                date_start, date_end, allocation_type, total_terms, used_terms,
                remaining_terms, remaining_percent, limit_policy, consume_on,
                coverage_scope, active, is_default, parts_coverage_percent,
                labor_coverage_percent, overage_price,
                create_uid, write_uid, create_date, write_date)
            SELECT 'Bulk ' || g, 'BULK/' || g,
                   CASE WHEN g %% 100 = 0 THEN %(own)s
                        ELSE (%(partners)s)[1 + g %% %(npartners)s] END,
                   %(company)s, 'warranty',
                   CASE WHEN g %% 100 = 0 THEN 'expired' ELSE 'active' END,
                   %(start)s, CASE WHEN g %% 100 = 0 THEN %(old_end)s ELSE %(end)s END,
                   'incidents', 5, 0, 5, 100, 'block', 'confirm', 'all', true, false,
                   100, 100, 0, 1, 1, now(), now()
              FROM generate_series(1, %(count)s) g
            """,
            {
                "own": self.customer.id,
                "partners": partners.ids,
                "npartners": len(partners),
                "company": self.company.id,
                "start": start,
                "old_end": start + relativedelta(years=1),
                "end": self.end,
                "count": count,
            },
        )
        self.env.invalidate_all()

    def _flow(self, budgets=None, expected=True):
        """Create, confirm and finish one repair; query counts of each step."""
        counts = []
        cr = self.env.cr

        def measure(step, budget):
            self.env.flush_all()
            self.env.invalidate_all()
            # As assertQueryCount does: no random garbage collection of the bus.
            with patch("random.random", lambda: 1):
                before = cr.sql_log_count
                if budgets:
                    with self.assertQueryCount(budget):
                        result = step()
                        self.env.flush_all()
                else:
                    result = step()
                    self.env.flush_all()
                counts.append(cr.sql_log_count - before)
            return result

        lot = self._create_lot(f"PERF-{cr.sql_log_count}", customer=self.customer)
        self.env["stock.quant"]._update_available_quantity(
            self.laptop, self.env.ref("stock.stock_location_stock"), 1.0, lot_id=lot
        )
        repair = measure(
            lambda: self.env["repair.order"].create(
                {
                    "partner_id": self.customer.id,
                    "product_id": self.laptop.id,
                    "lot_id": lot.id,
                }
            ),
            CREATE_BUDGET,
        )
        self.assertEqual(
            repair.entitlement_id, self.warranty if expected else self.warranty.browse()
        )
        measure(repair.action_validate, CONFIRM_BUDGET)
        measure(
            lambda: (repair.action_repair_start(), repair.action_repair_end()),
            DONE_BUDGET,
        )
        self.assertEqual(repair.state, "done")
        return counts

    @warmup
    def test_query_count_does_not_grow_with_entitlements(self):
        self._flow()  # warm the caches
        with_ten = self._flow(budgets=True)
        self._bulk_entitlements(10_000)
        self.assertGreaterEqual(
            self.env["service.entitlement"].search_count([]), 10_000
        )
        with_ten_thousand = self._flow(budgets=True)
        if self.warm:
            self.assertEqual(with_ten, with_ten_thousand)
        self.assertEqual(self.warranty.used_terms, 3)

    def test_overhead_against_uncovered_repair(self):
        """The flow of a customer without entitlement, for comparison: the
        add-on still searches, but writes no ledger row and takes no lock."""
        self.warranty.action_cancel()
        self._flow(expected=False)
        plain = self._flow(expected=False)
        self.warranty.action_draft()
        self.warranty.action_activate()
        self._flow()
        covered = self._flow()
        # Measured: plain [23, 19, 43], covered [29, 37, 45]. Matching costs
        # a few queries; consumption (lock, ledger row, counters, state sync,
        # verdict) about eighteen.
        for step, extra in zip(("create", "confirm", "done"), (6, 18, 5), strict=True):
            with self.subTest(step=step):
                index = ("create", "confirm", "done").index(step)
                self.assertLessEqual(covered[index] - plain[index], extra)
