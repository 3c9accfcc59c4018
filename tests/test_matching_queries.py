"""Query budget of matching a repair to its entitlement.

Matching (the repair's eligible entitlements, best first: what the add-on
does to choose the entitlement when a repair is created or changed) costs a
few queries whatever the number of entitlements in the database and of the
customer's candidates: one search, then one query for the coverage levels or
the exclusions of all the candidates at once.
"""

from unittest.mock import patch

from dateutil.relativedelta import relativedelta

from odoo import Command
from odoo.tests.common import tagged

from .bulk_data import insert_others_and_expired
from .common import RepairEntitlementCase

# Measured from cold caches, reading the repair's own fields included.
MATCH_BUDGET = 5


@tagged("post_install", "-at_install")
class TestMatchingQueries(RepairEntitlementCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # The user's time zone in the context, as in a request.
        cls.env = cls.env(context=dict(cls.env.context, tz="Europe/Brussels"))
        cls.phone = cls._create_product("Phone 8")
        cls.phone_lot = cls._create_lot("PHO-0001", product=cls.phone)
        # Five candidates of the customer for its laptop serial: by serial
        # (excluding accidental damage), by product, by category (the
        # default), one expired and one not started yet; five entitlements of
        # another customer.
        cls.by_lot = cls._active_entitlement(name="By serial")
        cls.by_product = cls._active_entitlement(
            name="By product",
            lot_ids=[],
            excluded_fault_reason_ids=[],
            product_ids=[Command.set(cls.laptop.ids)],
        )
        cls.by_category = cls._active_entitlement(
            name="By category",
            lot_ids=[],
            excluded_fault_reason_ids=[],
            product_categ_ids=[Command.set(cls.categ.ids)],
            is_default=True,
        )
        cls._active_entitlement(
            name="Not started",
            date_start=cls.today + relativedelta(days=10),
        )
        expired = cls._create_entitlement(
            name="Expired",
            date_start=cls.start - relativedelta(years=2),
            date_end=cls.start - relativedelta(years=1),
        )
        cls.env.cr.execute(
            "UPDATE service_entitlement SET state = 'expired' WHERE id = %s",
            [expired.id],
        )
        for index in range(5):
            cls._active_entitlement(
                partner_id=cls.other_customer.id,
                lot_ids=[],
                name=f"Other {index}",
            )
        cls.env.invalidate_all()
        cls.repairs = {
            "covered": cls._draft_repair(cls.lot),
            "excluded": cls._draft_repair(cls.lot, fault_reason_id=cls.accident.id),
            "uncovered": cls._draft_repair(cls.phone_lot),
        }

    @classmethod
    def _draft_repair(cls, lot, **vals):
        return cls.env["repair.order"].create(
            {
                "partner_id": cls.customer_contact.id,
                "product_id": lot.product_id.id,
                "lot_id": lot.id,
                **vals,
            }
        )

    def _bulk_entitlements(self, count):
        """Insert ``count`` entitlements in SQL: of other customers, covering
        the same product or category or everything, and expired ones of our
        customer covering its serial."""
        insert_others_and_expired(
            self,
            count,
            {
                "coverage_scope": "CASE WHEN g %% 100 = 0 THEN 'lot' "
                "WHEN g %% 4 = 1 THEN 'product' WHEN g %% 4 = 2 THEN 'category' "
                "ELSE 'all' END",
            },
        )
        for relation, column, value, scope in (
            ("service_entitlement_stock_lot_rel", "lot_id", self.lot.id, "lot"),
            (
                "service_entitlement_product_product_rel",
                "product_id",
                self.laptop.id,
                "product",
            ),
            (
                "service_entitlement_product_category_rel",
                "categ_id",
                self.categ.id,
                "category",
            ),
        ):
            self.env.cr.execute(
                f"""
                INSERT INTO {relation} (entitlement_id, {column})
                SELECT id, %s FROM service_entitlement
                 WHERE code LIKE 'BULK/%%' AND coverage_scope = %s
                """,
                [value, scope],
            )
        self.env.invalidate_all()

    def _match_all(self):
        """{case: (queries, ranked eligible entitlements)}, caches cold."""
        results = {}
        cr = self.env.cr
        for case, repair in self.repairs.items():
            self.env.flush_all()
            self.env.invalidate_all()
            before = cr.sql_log_count
            ranked = repair._entitlement_ranked_eligible()
            results[case] = (cr.sql_log_count - before, ranked)
        return results

    def test_matching_queries_do_not_grow_with_entitlements(self):
        with_ten = self._match_all()
        self.assertEqual(
            with_ten["covered"][1], self.by_lot | self.by_category | self.by_product
        )
        self.assertEqual(with_ten["excluded"][1], self.by_category | self.by_product)
        self.assertFalse(with_ten["uncovered"][1])
        self._bulk_entitlements(10_000)
        self.assertGreaterEqual(
            self.env["service.entitlement"].search_count([]), 10_000
        )
        with_ten_thousand = self._match_all()
        for case, (queries, ranked) in with_ten.items():
            with self.subTest(case=case):
                self.assertLessEqual(queries, MATCH_BUDGET)
                self.assertEqual(with_ten_thousand[case][0], queries)
                self.assertEqual(with_ten_thousand[case][1].ids, ranked.ids)

    def test_repair_creation_matches_in_the_same_queries(self):
        """Creating a repair chooses the best eligible entitlement; its cost
        does not depend on the number of entitlements either."""

        def create():
            self.env.flush_all()
            self.env.invalidate_all()
            # As assertQueryCount does: no random garbage collection of the bus.
            with patch("random.random", lambda: 1):
                before = self.env.cr.sql_log_count
                repair = self.env["repair.order"].create(
                    {
                        "partner_id": self.customer.id,
                        "product_id": self.laptop.id,
                        "lot_id": self.lot.id,
                    }
                )
                self.env.flush_all()
                return repair, self.env.cr.sql_log_count - before

        create()  # warm the registry caches
        repair, with_ten = create()
        self.assertEqual(repair.entitlement_id, self.by_lot)
        self._bulk_entitlements(10_000)
        repair, with_ten_thousand = create()
        self.assertEqual(repair.entitlement_id, self.by_lot)
        self.assertEqual(with_ten_thousand, with_ten)
