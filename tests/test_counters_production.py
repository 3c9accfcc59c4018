"""The repair flow on the counters' production path.

Every other flow test works inside the test's own transaction, on data the
second connection cannot see, so the counters move inline there.  Here the
data is committed and each step runs in a committed transaction of its own,
as requests do: the terms are reserved on the second connection
(service.entitlement.reservation), the ledger rows confirm the reservations,
the job deletes the confirmed ones, and after every step the counters equal
the ledger.
"""

from datetime import timedelta
from unittest import mock

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests.common import TransactionCase, tagged

from odoo.addons.service_entitlement.models.ledger_guard import ledger_writer

from .common import CommittedTransactions, FrozenClock


@tagged("post_install", "-at_install", "concurrency")
class TestCountersProductionPath(CommittedTransactions, FrozenClock, TransactionCase):
    def setUp(self):
        super().setUp()

        def build(env):
            today = fields.Date.context_today(env["repair.order"])
            partner = env["res.partner"].create(
                {"name": "Production path customer", "is_company": True}
            )
            product = env["product.product"].create(
                {"name": "Production path device", "type": "consu"}
            )
            overage = env["product.product"].create(
                {"name": "Production path overage", "type": "service"}
            )
            entitlements = env["service.entitlement"].create(
                [
                    {
                        "name": f"Production path {policy}",
                        "partner_id": partner.id,
                        "date_start": today - timedelta(days=1),
                        "date_end": today + timedelta(days=30),
                        "total_terms": 2,
                        "limit_policy": policy,
                        "overage_product_id": overage.id,
                        "overage_price": 80.0,
                    }
                    for policy in ("block", "bill")
                ]
            )
            entitlements.action_activate()
            repairs = env["repair.order"].create(
                [
                    {
                        "partner_id": partner.id,
                        "product_id": product.id,
                        "entitlement_id": entitlement.id,
                    }
                    for entitlement in entitlements
                    for __ in range(3)
                ]
            )
            return {
                "partner": partner.id,
                "products": (product | overage).ids,
                "entitlements": entitlements.ids,
                "repairs": repairs.ids,
            }

        self.ids = self._committed(build)
        self.addCleanup(self._drop)
        # Count the reservations taken on the second connection.
        Reservation = type(self.env["service.entitlement.reservation"])
        self.apart = mock.patch.object(
            Reservation, "_run_apart", autospec=True, side_effect=Reservation._run_apart
        )
        self.run_apart = self.apart.start()
        self.addCleanup(self.apart.stop)

    def _drop(self):
        def drop(env):
            entitlements = env["service.entitlement"].browse(self.ids["entitlements"])
            repairs = env["repair.order"].browse(self.ids["repairs"])
            for table in ("billing_line", "consumption", "reservation"):
                env.cr.execute(
                    f"DELETE FROM service_entitlement_{table} "
                    "WHERE entitlement_id = ANY(%s)",
                    [entitlements.ids],
                )
            # Clearing up what the test committed, as a script would.
            with ledger_writer():
                repairs.write({"state": "cancel"})
                repairs.unlink()
                entitlements.write({"state": "cancelled"})
                entitlements.unlink()
            env["product.product"].browse(self.ids["products"]).unlink()
            env["res.partner"].browse(self.ids["partner"]).unlink()

        self._committed(drop)

    def _step(self, repair_index, method, *args):
        """Call ``method`` on a repair in a request of its own."""

        def call(env):
            repair = env["repair.order"].browse(self.ids["repairs"][repair_index])
            return getattr(repair, method)(*args)

        return self._committed(call)

    def _state(self, entitlement_index):
        """(used terms, ledger sum, overage, billing lines not cancelled, reservations
        left), as committed."""

        def read(env):
            entitlement_id = self.ids["entitlements"][entitlement_index]
            entitlement = env["service.entitlement"].browse(entitlement_id)
            rows = env["service.entitlement.consumption"].search(
                [("entitlement_id", "=", entitlement_id)]
            )
            lines = env["service.entitlement.billing.line"].search(
                [("entitlement_id", "=", entitlement_id), ("is_cancelled", "=", False)]
            )
            return (
                entitlement.used_terms,
                sum(rows.mapped("quantity")),
                sum(rows.mapped("overage_quantity")),
                len(lines),
                env["service.entitlement.reservation"].search_count(
                    [("entitlement_id", "=", entitlement_id)]
                ),
            )

        return self._committed(read)

    def _settle(self):
        self._committed(
            lambda env: env["service.entitlement.reservation"]._cron_settle()
        )

    def test_block_entitlement_through_its_life(self):
        self._step(0, "action_validate")
        self.assertEqual(self._state(0), (1, 1, 0, 0, 1), "reserved, confirmed")
        self._settle()
        self.assertEqual(self._state(0), (1, 1, 0, 0, 0), "settled: deleted")
        self._step(1, "action_validate")
        with self.assertRaisesRegex(UserError, "its policy blocks it"):
            self._step(2, "action_validate")
        self.assertEqual(self._state(0)[:2], (2, 2), "a block moves nothing")
        # Cancelling gives the incident back, on the second connection too.
        self._step(0, "action_repair_cancel")
        self.assertEqual(self._state(0)[:2], (1, 1))
        self._step(2, "action_validate")
        self.assertEqual(self._state(0)[:2], (2, 2))
        # Cancelled, reset to draft and confirmed again: one consumption.
        self._step(1, "action_repair_cancel")
        self._step(1, "action_repair_cancel_draft")
        self.assertEqual(self._state(0)[:2], (1, 1))
        self._step(1, "action_validate")
        self._settle()
        self.assertEqual(self._state(0), (2, 2, 0, 0, 0))
        self.assertGreaterEqual(
            self.run_apart.call_count, 5, "the counters moved on the second connection"
        )

    def test_bill_entitlement_bills_each_overage_once(self):
        for index in (3, 4, 5):
            self._step(index, "action_validate")
        self.assertEqual(self._state(1), (2, 2, 1, 1, 3))
        # The billed repair is cancelled: its line is cancelled, its terms
        # (none: all overage) stay with the others.
        self._step(5, "action_repair_cancel")
        self.assertEqual(self._state(1)[:4], (2, 2, 0, 0))
        # A covered one is cancelled: the incident comes back.
        self._step(3, "action_repair_cancel")
        self.assertEqual(self._state(1)[:4], (1, 1, 0, 0))
        self._settle()
        self.assertEqual(self._state(1), (1, 1, 0, 0, 0))
        self.assertTrue(self.run_apart.call_count)

    def test_counters_in_the_request_when_asked(self):
        """System parameter service_entitlement.counters_in_request: no second
        connection, the counters move in the request's transaction."""
        param = "service_entitlement.counters_in_request"
        self._committed(lambda env: env["ir.config_parameter"].set_param(param, "1"))
        self.addCleanup(
            self._committed,
            lambda env: env["ir.config_parameter"].set_param(param, False),
        )
        self._step(0, "action_validate")
        self._step(1, "action_validate")
        with self.assertRaisesRegex(UserError, "its policy blocks it"):
            self._step(2, "action_validate")
        self._step(0, "action_repair_cancel")
        self.assertEqual(self._state(0)[:2], (1, 1))
        self.assertFalse(self.run_apart.call_count)

    def test_counters_moved_since_the_request_read_them(self):
        """A request decides on the counters it read and moves them in one
        statement only if they are unchanged; when another request took
        terms in between, it decides again under the lock, on the counters
        as committed."""

        def confirm_after_another(env, index, other):
            # This request reads the entitlement (1 incident used of 2), then
            # another one takes the last incident and commits.
            entitlement = env["service.entitlement"].browse(self.ids["entitlements"][0])
            self.assertEqual(entitlement.used_terms, 1)
            self._step(other, "action_validate")
            env["repair.order"].browse(self.ids["repairs"][index]).action_validate()

        Reservation = type(self.env["service.entitlement.reservation"])
        with mock.patch.object(
            Reservation,
            "_locked_states",
            autospec=True,
            side_effect=Reservation._locked_states,
        ) as locked:
            self._step(0, "action_validate")
            self.assertFalse(locked.call_count, "unchanged counters: no lock read")
            with self.assertRaisesRegex(UserError, "its policy blocks it"):
                self._committed(lambda env: confirm_after_another(env, 2, 1))
            self.assertEqual(locked.call_count, 1, "decided again under the lock")
        self.assertEqual(
            self._state(0)[:2], (2, 2), "the last incident was taken once, not twice"
        )
        # On the billing entitlement, the overage is billed on the counters
        # as committed: 2 covered, 1 billed.
        self._step(3, "action_validate")

        def bill_after_another(env):
            entitlement = env["service.entitlement"].browse(self.ids["entitlements"][1])
            self.assertEqual(entitlement.used_terms, 1)
            self._step(4, "action_validate")
            env["repair.order"].browse(self.ids["repairs"][5]).action_validate()

        self._committed(bill_after_another)
        self.assertEqual(self._state(1)[:4], (2, 2, 1, 1))
