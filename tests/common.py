from datetime import date, datetime
from unittest.mock import patch

from dateutil.relativedelta import relativedelta

from odoo import SUPERUSER_ID, Command, api, fields
from odoo.modules.registry import DummyRLock, Registry
from odoo.sql_db import Cursor
from odoo.tests import Form, new_test_user
from odoo.tests.common import TransactionCase

# The one clock of the whole suite: fixtures and actions read the same "now",
# whatever day the suite runs on.  A Monday in the middle of a month and of a
# quarter; tests that act on another day freeze that day inside the test.
FROZEN_NOW = "2026-11-16 09:00:00"


def _python_now(cursor):
    """A cursor's transaction time from Python's (frozen) clock instead of
    PostgreSQL's ``now()``, as Odoo's own test cursor does: create and write
    dates follow the same clock as the code under test."""
    return datetime.now()


def run_workers(threads, timeout):
    """Start the worker threads of a test and wait for them.  Odoo's test
    runner holds the registries' lock for the whole run: a worker looking up
    the registry (a new environment, Odoo's retry loop) would wait for it
    forever.  As Odoo's HTTP tests do in test mode, the lock is a dummy
    while the workers run."""
    saved, Registry._lock = Registry._lock, DummyRLock()
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=timeout)
    finally:
        Registry._lock = saved


class CommittedTransactions:
    """For tests whose data and steps are committed, each in a transaction
    of its own, as requests are (they clear up what they committed)."""

    def _committed(self, func):
        """``func(env)`` in a transaction of its own, committed."""
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True})
            return func(env)


class FrozenClock:
    """Mixin for test cases (before ``TransactionCase`` or ``HttpCase`` in the
    bases): the class runs at :data:`FROZEN_NOW`, and every cursor, the
    threads' included, takes its time from that clock."""

    freeze_time = FROZEN_NOW

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.startClassPatcher(patch.object(Cursor, "now", _python_now))


class EntitlementCase(FrozenClock, TransactionCase):
    """Small builders shared by the test modules; no demo data needed."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.company = cls.env.company
        cls.today = date(2026, 3, 1)
        cls.customer = cls._create_partner("Adatum Corporation")
        cls.customer_contact = cls.env["res.partner"].create(
            {"name": "Alex Adatum", "parent_id": cls.customer.id}
        )
        cls.other_customer = cls._create_partner("Fabrikam Inc")
        cls.categ = cls.env["product.category"].create({"name": "Laptops"})
        cls.laptop = cls._create_product("Laptop Pro 14", categ=cls.categ)
        cls.overage_product = cls.env["product.product"].create(
            {"name": "Out-of-warranty repair", "type": "service", "list_price": 150}
        )
        cls.lot = cls._create_lot("LAP-0041", customer=cls.customer)
        cls.accident = cls.env.ref("service_entitlement.fault_reason_accidental_damage")
        cls.desk_user = new_test_user(
            cls.env,
            login="se_desk",
            groups="base.group_user,service_entitlement.group_service_desk",
        )
        cls.technician_user = new_test_user(
            cls.env,
            login="se_tech",
            groups="base.group_user,service_entitlement.group_technician",
        )
        cls.billing_user = new_test_user(
            cls.env,
            login="se_billing",
            groups="base.group_user,service_entitlement.group_billing_clerk",
        )
        cls.manager_user = new_test_user(
            cls.env,
            login="se_manager",
            groups="base.group_user,service_entitlement.group_entitlement_manager",
        )
        cls.plain_user = new_test_user(
            cls.env, login="se_plain", groups="base.group_user"
        )

    def assertLogged(self, record, text):
        """``text`` is in one of the messages of ``record``'s chatter."""
        bodies = record.message_ids.mapped("body")
        self.assertTrue(any(text in body for body in bodies), (text, bodies))

    @classmethod
    def _create_partner(cls, name, **vals):
        return cls.env["res.partner"].create({"name": name, "is_company": True, **vals})

    @classmethod
    def _create_product(cls, name, categ=None, tracking="serial", **vals):
        return cls.env["product.product"].create(
            {
                "name": name,
                "type": "consu",
                "is_storable": True,
                "tracking": tracking,
                "categ_id": (categ or cls.env.ref("product.product_category_all")).id,
                **vals,
            }
        )

    @classmethod
    def _create_lot(cls, name, product=None, customer=None, **vals):
        return cls.env["stock.lot"].create(
            {
                "name": name,
                "product_id": (product or cls.laptop).id,
                "company_id": cls.env.company.id,
                "customer_id": customer.id if customer else False,
                **vals,
            }
        )

    @classmethod
    def _entitlement_vals(cls, **vals):
        return {
            "name": "Laptop hardware warranty",
            "partner_id": cls.customer.id,
            "date_start": date(2026, 1, 1),
            "date_end": date(2026, 12, 31),
            "allocation_type": "incidents",
            "total_terms": 3,
            "lot_ids": [Command.set(cls.lot.ids)],
            "excluded_fault_reason_ids": [Command.set(cls.accident.ids)],
            "overage_product_id": cls.overage_product.id,
            "overage_price": 150.0,
            **vals,
        }

    @classmethod
    def _create_entitlement(cls, **vals):
        return cls.env["service.entitlement"].create(cls._entitlement_vals(**vals))

    def _end_line(self, line, day, user=None):
        """End a contract line as its manager does: *End…* on the line, the
        last day covered in the dialog, *End Line*; the dialog's credit
        preview."""
        line = line.with_user(user or self.manager_user)
        action = line.action_end()
        with Form(
            line.env[action["res_model"]].with_context(**action["context"])
        ) as dialog:
            dialog.date_end = day
            preview = dialog.credit_amount
        dialog.record.action_confirm()
        return preview


class RepairEntitlementCase(EntitlementCase):
    """Entitlements valid around today, and repairs of serial-numbered items."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=False))
        cls.today = fields.Date.context_today(cls.env["repair.order"])
        cls.start = cls.today - relativedelta(days=30)
        cls.end = cls.today + relativedelta(days=335)
        cls.lot2 = cls._create_lot("LAP-0042", customer=cls.customer)

    @classmethod
    def _entitlement_vals(cls, **vals):
        return super()._entitlement_vals(
            **{"date_start": cls.start, "date_end": cls.end, **vals}
        )

    @classmethod
    def _active_entitlement(cls, **vals):
        entitlement = cls._create_entitlement(**vals)
        entitlement.action_activate()
        return entitlement

    def _create_repair(self, lot=None, partner=None, env=None, **vals):
        env = env or self.env
        lot = lot if lot is not None else self.lot
        repair = env["repair.order"].create(
            {
                "partner_id": (partner or self.customer).id,
                "product_id": lot.product_id.id if lot else self.laptop.id,
                "lot_id": lot.id if lot else False,
                **vals,
            }
        )
        if lot:
            self.env["stock.quant"]._update_available_quantity(
                lot.product_id, repair.product_location_src_id, 1.0, lot_id=lot
            )
        return repair

    def _confirm(self, repair):
        result = repair.action_validate()
        self.assertIs(result, True, "the repair should confirm without a wizard")
        return repair

    def _finish(self, repair):
        if repair.state == "draft":
            self._confirm(repair)
        repair.action_repair_start()
        repair.action_repair_end()
        self.assertEqual(repair.state, "done")
        return repair

    def assertLedgerAgrees(self, entitlement):
        self.env.flush_all()
        self.env.cr.execute(
            """SELECT e.used_terms, e.remaining_terms, e.total_terms,
                      COALESCE(SUM(c.quantity), 0)
                 FROM service_entitlement e
            LEFT JOIN service_entitlement_consumption c ON c.entitlement_id = e.id
                WHERE e.id = %s
             GROUP BY e.id""",
            [entitlement.id],
        )
        used, remaining, total, ledger = self.env.cr.fetchone()
        self.assertAlmostEqual(used, ledger)
        self.assertAlmostEqual(remaining, total - ledger)
