"""Query budgets of the repair flow with the add-on.

The number of queries to create, confirm and finish a repair must not depend
on how many entitlements the database holds: matching is one indexed search
and consumption locks only the entitlement it uses.
"""

from unittest.mock import patch

from lxml import etree

from odoo.tests.common import tagged, warmup

from .bulk_data import insert_others_and_expired
from .common import RepairEntitlementCase

# Budgets measured on Odoo 18.0 with a serial-numbered product (warm caches),
# as the administrator in a request's context (language, time zone), each
# step with what its commit runs first (the chatter's tracking).  Plain Odoo's
# same flow (hooks bypassed) takes 24, 21 and 47: the add-on adds one
# statement at creation, the matching search, which also reads the serial
# number's earlier repairs (re-repair, repeat failures); the entitlement, its
# service levels, its verdict and the re-repair go into the new row (no update
# after the insert); at confirmation the
# entitlement's read, the counters (one statement while nobody else moved
# them) and the ledger row; nothing at the end (what it needs of the
# entitlement is kept on the repair).
CREATE_BUDGET = 24
CONFIRM_BUDGET = 24
DONE_BUDGET = 47
# Manufacturing, installed beside the add-on in the test database, reads two
# more rows when a repair's stock moves are done (plain Odoo's cost).
MRP_DONE_QUERIES = 2
# Plain Odoo's flow plus at most this (bench/bench_flow.py measures 4 against
# a database without the add-on, both connections counted).
FLOW_OVERHEAD = 4
# The repair form read as the web client reads it (every field of the form,
# from empty caches), and the customer's onchange on a new repair: measured
# on Odoo 18.0 with the add-on (48 and 18 when the customer's share priced
# a repair with nothing to charge).
FORM_READ_BUDGET = 43
CUSTOMER_ONCHANGE_BUDGET = 13


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
        insert_others_and_expired(self, count)
        self.env.invalidate_all()

    def _flow(self, budgets=None, expected=True, plain=False):
        """Create, confirm and finish one repair; query counts of each step.

        With ``plain``, the add-on's hooks are bypassed: the repair goes
        through plain Odoo's flow.  The context is a request's: the user's
        language and time zone."""
        counts = []
        cr = self.env.cr
        admin = self.env.ref("base.user_admin")
        context = {"lang": "en_US", "tz": admin.tz or "Europe/Brussels"}
        if plain:
            context["service_entitlement_bypass"] = True
        env = self.env(user=admin, context=dict(self.env.context, **context))

        def measure(step, budget):
            # Each step is a request: it starts with empty caches and ends
            # with what a commit runs first (flush, pre-commit hooks such as
            # the chatter's tracking), as assertQueryCount measures it.
            self.env.flush_all()
            cr.flush()
            self.env.invalidate_all()
            # As assertQueryCount does: no random garbage collection of the bus.
            with patch("random.random", lambda: 1):
                before = cr.sql_log_count
                if budgets:
                    with self.assertQueryCount(budget):
                        result = step()
                else:
                    result = step()
                    self.env.flush_all()
                    cr.flush()
                counts.append(cr.sql_log_count - before)
            return result

        lot = self._create_lot(f"PERF-{cr.sql_log_count}", customer=self.customer)
        self.env["stock.quant"]._update_available_quantity(
            self.laptop, self.env.ref("stock.stock_location_stock"), 1.0, lot_id=lot
        )
        repair = measure(
            lambda: env["repair.order"].create(
                {
                    "partner_id": self.customer.id,
                    "product_id": self.laptop.id,
                    "lot_id": lot.id,
                }
            ),
            CREATE_BUDGET,
        )
        self.assertEqual(
            repair.entitlement_id,
            self.warranty if expected and not plain else self.warranty.browse(),
        )
        measure(repair.action_validate, CONFIRM_BUDGET)
        measure(
            lambda: (repair.action_repair_start(), repair.action_repair_end()),
            DONE_BUDGET + (MRP_DONE_QUERIES if "mrp.production" in self.env else 0),
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

    def test_overhead_against_plain_odoo(self):
        """The same flow in plain Odoo (the add-on's hooks bypassed), with
        10 and with 10,000 entitlements in the database: the whole flow costs
        at most 4 queries more.  In production the same statements move the
        terms on a second connection (bench/bench_flow.py counts both
        connections, against a database without the add-on); here, in test
        mode, they run in the test's transaction."""
        self._flow()
        self._flow(plain=True)
        overheads = []
        for size in (10, 10_000):
            if size > 10:
                self._bulk_entitlements(size)
            plain = self._flow(plain=True)
            covered = self._flow()
            overheads.append(sum(covered) - sum(plain))
            with self.subTest(entitlements=size):
                self.assertLessEqual(sum(covered) - sum(plain), FLOW_OVERHEAD)
        self.assertEqual(overheads[0], overheads[1], "flat with the data")

    def test_switched_off_costs_what_plain_odoo_costs(self):
        """A company that does not use entitlements (Settings): its repairs
        take exactly the queries of the flow with the add-on's hooks
        bypassed, step by step."""
        self._flow()
        self._flow(plain=True)
        plain = self._flow(plain=True)
        self.env.company.entitlement_enabled = False
        self._flow(expected=False)
        self.assertEqual(self._flow(expected=False), plain)
        self.assertEqual(self.warranty.used_terms, 1, "no terms used while off")


def form_spec(records, arch):
    """What Odoo's web client asks of ``records`` for the form ``arch``: each
    field of the form, the display names of its relations and the fields of
    its lists' columns."""
    spec = {}
    for node in arch:
        if node.tag != "field":
            spec.update(form_spec(records, node))
            continue
        field = records._fields.get(node.get("name"))
        if field is None:
            continue
        if field.type == "many2one":
            spec[field.name] = {"fields": {"display_name": {}}}
        elif field.type in ("one2many", "many2many"):
            comodel = records.env[field.comodel_name]
            columns = next((view for view in node if view.tag == "list"), None)
            spec[field.name] = {
                "fields": form_spec(comodel, columns)
                if columns is not None
                else {"display_name": {}}
            }
        else:
            spec[field.name] = {}
    return spec


@tagged("post_install", "-at_install")
class TestFormQueries(RepairEntitlementCase):
    """What the repair form costs the service desk on each read and when the
    customer is chosen; a new repair with nothing to charge yet does not
    price anything (the customer's pricelist, the fiscal position)."""

    def test_form_read_and_customer_onchange_budgets(self):
        admin = self.env.ref("base.user_admin")
        env = self.env(user=admin, context={"lang": "en_US", "tz": "Europe/Brussels"})
        Repair = env["repair.order"]
        arch = etree.fromstring(
            Repair.get_views([(False, "form")])["views"]["form"]["arch"]
        )
        spec = form_spec(Repair, arch)
        warranty = self._active_entitlement()
        repair = Repair.create(
            {
                "partner_id": self.customer.id,
                "product_id": self.laptop.id,
                "lot_id": self.lot.id,
            }
        )
        self.assertEqual(repair.entitlement_id, warranty)
        repair.web_read(spec)  # warm the registry's caches
        self.env.flush_all()
        self.env.invalidate_all()
        with self.assertQueryCount(FORM_READ_BUDGET):
            values = repair.web_read(spec)[0]
        self.assertEqual(values["cost_customer_amount"], 0.0)
        self.env.invalidate_all()
        with self.assertQueryCount(CUSTOMER_ONCHANGE_BUDGET):
            Repair.onchange({"partner_id": self.customer.id}, ["partner_id"], spec)
