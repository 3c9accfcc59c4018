"""Repairs racing for the last incident, each in its own database transaction.

Odoo runs each request in its own REPEATABLE READ transaction and retries it
on serialization failures (``odoo.service.model.retrying``).  These tests start
K threads on a barrier, each with its own cursor, and confirm one repair each
through that same retry loop.  The terms are taken in a short transaction of
their own (service.entitlement.reservation): no racer may fail, none may take
the same terms twice.

The other tests here follow a reservation whose request does not commit: a
rollback, a savepoint that drops the ledger row, a process that died.
"""

import os
import threading
from datetime import timedelta
from types import SimpleNamespace
from unittest import mock

from psycopg2 import errorcodes
from psycopg2.extensions import TransactionRollbackError

from odoo import SUPERUSER_ID, api, fields
from odoo.exceptions import UserError
from odoo.service import model as service_model
from odoo.tests.common import TransactionCase, tagged

from odoo.addons.service_entitlement.models.ledger_guard import ledger_writer

from .common import CommittedTransactions, FrozenClock, run_workers

# Rounds per racer count; the benchmark run raises it.
ROUNDS = int(os.environ.get("SERVICE_ENTITLEMENT_RACE_ROUNDS", "50"))
POLICIES = ("block", "warn", "bill")


# Racers are worker threads with cursors of their own (see run_workers), under
# pytest-odoo and Odoo's runner alike.
@tagged("post_install", "-at_install", "concurrency")
class TestLastIncidentRace(CommittedTransactions, FrozenClock, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.registry_ = cls.registry

    def _setup_rounds(self, racers, rounds):
        def build(env):
            today = fields.Date.context_today(env["repair.order"])
            partner = env["res.partner"].create(
                {"name": f"Race customer K={racers}", "is_company": True}
            )
            product = env["product.product"].create(
                {"name": f"Race device K={racers}", "type": "consu"}
            )
            overage = env["product.product"].create(
                {"name": f"Race overage K={racers}", "type": "service"}
            )
            plan = []
            for round_no in range(rounds):
                entitlement = env["service.entitlement"].create(
                    {
                        "name": f"Race K={racers} round {round_no}",
                        "partner_id": partner.id,
                        "date_start": today - timedelta(days=1),
                        "date_end": today + timedelta(days=30),
                        "total_terms": 1,
                        "limit_policy": POLICIES[round_no % len(POLICIES)],
                        "overage_product_id": overage.id,
                        "overage_price": 100.0,
                    }
                )
                entitlement.action_activate()
                repairs = env["repair.order"].create(
                    [
                        {
                            "partner_id": partner.id,
                            "product_id": product.id,
                            "entitlement_id": entitlement.id,
                        }
                        for __ in range(racers)
                    ]
                )
                plan.append((entitlement.id, repairs.ids))
            return partner.id, product.id, plan

        return self._committed(build)

    def _race(self, repair_ids):
        barrier = threading.Barrier(len(repair_ids))
        outcome = {}

        def racer(repair_id):
            with self.registry.cursor() as cr:
                env = api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True})
                repair = env["repair.order"].browse(repair_id)
                barrier.wait(timeout=30)
                try:
                    service_model.retrying(repair.action_validate, env)
                    outcome[repair_id] = "confirmed"
                except UserError:
                    cr.rollback()
                    outcome[repair_id] = "blocked"
                except TransactionRollbackError as exc:
                    # Odoo gave up after its retries: the user sees an error
                    # and may try again; nothing was written.
                    cr.rollback()
                    outcome[repair_id] = errorcodes.lookup(exc.pgcode)

        threads = [threading.Thread(target=racer, args=(rid,)) for rid in repair_ids]
        run_workers(threads, timeout=120)
        return outcome

    def _check_round(self, env, entitlement_id, repair_ids, outcome):
        entitlement = env["service.entitlement"].browse(entitlement_id)
        repairs = env["repair.order"].browse(repair_ids)
        rows = env["service.entitlement.consumption"].search(
            [("entitlement_id", "=", entitlement_id)]
        )
        policy = entitlement.limit_policy
        covered = rows.filtered(lambda r: r.quantity == 1)
        self.assertEqual(len(covered), 1, f"{policy}: exactly one repair is covered")
        self.assertEqual(entitlement.used_terms, sum(rows.mapped("quantity")))
        self.assertEqual(entitlement.used_terms, 1)
        self.assertEqual(entitlement.remaining_terms, 0)
        others = repairs.filtered(lambda r: r.id != covered.res_id)
        confirmed_others = others.filtered(lambda r: r.state == "confirmed")
        if policy == "block":
            self.assertFalse(confirmed_others, "block lets no second repair through")
            self.assertEqual(len(rows), 1)
        else:
            for repair in confirmed_others:
                row = rows.filtered(lambda r, repair=repair: r.res_id == repair.id)
                self.assertEqual((row.quantity, row.overage_quantity), (0, 1))
                self.assertEqual(repair.entitlement_warning, policy == "warn")
        self.assertEqual(
            set(outcome.values()) - {"confirmed", "blocked"},
            set(),
            "no racer fails on the others",
        )
        self.assertFalse(
            env["service.entitlement.reservation"].search(
                [
                    ("entitlement_id", "=", entitlement_id),
                    ("id", "not in", rows.mapped("reservation_id")),
                ]
            ),
            "every reservation is confirmed by a ledger row",
        )
        for repair in others - confirmed_others:
            self.assertNotEqual(outcome[repair.id], "confirmed")
            self.assertFalse(
                rows.filtered(lambda r, repair=repair: r.res_id == repair.id)
            )

    def _cleanup(self, partner_id, product_id, plan):
        def drop(env):
            entitlement_ids = [e for e, __ in plan]
            repair_ids = [r for __, rs in plan for r in rs]
            cr = env.cr
            cr.execute(
                "DELETE FROM service_entitlement_consumption "
                "WHERE entitlement_id = ANY(%s)",
                [entitlement_ids],
            )
            # Clearing up what the test committed, as a script would.
            with ledger_writer():
                env["repair.order"].browse(repair_ids).write({"state": "cancel"})
                env["repair.order"].browse(repair_ids).unlink()
                env["service.entitlement"].browse(entitlement_ids).write(
                    {"state": "cancelled"}
                )
                env["service.entitlement"].browse(entitlement_ids).unlink()
            env["product.product"].browse(product_id).unlink()
            env["product.product"].search(
                [("name", "=like", "Race overage K=%")]
            ).unlink()
            env["res.partner"].browse(partner_id).unlink()

        self._committed(drop)

    def _run(self, racers):
        partner_id, product_id, plan = self._setup_rounds(racers, ROUNDS)
        outcomes = []
        try:
            # Odoo waits up to 2**try seconds between tries; a hundredth of
            # that keeps the same retry loop and the run short.
            fast = SimpleNamespace(uniform=lambda low, high: high / 100)
            with mock.patch.object(service_model, "random", fast):
                for entitlement_id, repair_ids in plan:
                    outcome = self._race(repair_ids)
                    self.assertEqual(len(outcome), racers, "every racer finished")
                    outcomes.append(outcome)
                    self._committed(
                        lambda env, e=entitlement_id, r=repair_ids, o=outcome: (
                            self._check_round(env, e, r, o)
                        )
                    )
        finally:
            self._cleanup(partner_id, product_id, plan)
        return outcomes

    def test_two_racers(self):
        self._run(2)

    def test_four_racers(self):
        self._run(4)

    def test_eight_racers(self):
        self._run(8)


@tagged("post_install", "-at_install", "concurrency")
class TestReservationsOfFailedRequests(
    CommittedTransactions, FrozenClock, TransactionCase
):
    """A request that took terms and then does not commit gives them back."""

    def setUp(self):
        super().setUp()

        def build(env):
            today = fields.Date.context_today(env["repair.order"])
            partner = env["res.partner"].create(
                {"name": "Reservation customer", "is_company": True}
            )
            product = env["product.product"].create(
                {"name": "Reservation device", "type": "consu"}
            )
            entitlement = env["service.entitlement"].create(
                {
                    "name": "Reservation warranty",
                    "partner_id": partner.id,
                    "date_start": today - timedelta(days=1),
                    "date_end": today + timedelta(days=30),
                    "total_terms": 5,
                    "channel_limit_ids": [(0, 0, {"channel": "phone", "max_terms": 3})],
                }
            )
            entitlement.action_activate()
            repair = env["repair.order"].create(
                {
                    "partner_id": partner.id,
                    "product_id": product.id,
                    "entitlement_id": entitlement.id,
                    "intake_channel": "phone",
                }
            )
            return partner.id, product.id, entitlement.id, repair.id

        self.partner_id, self.product_id, self.entitlement_id, self.repair_id = (
            self._committed(build)
        )
        self.addCleanup(self._drop)

    def _drop(self):
        def drop(env):
            env.cr.execute(
                "DELETE FROM service_entitlement_consumption WHERE entitlement_id = %s",
                [self.entitlement_id],
            )
            repair = env["repair.order"].browse(self.repair_id)
            entitlement = env["service.entitlement"].browse(self.entitlement_id)
            # Clearing up what the test committed, as a script would.
            with ledger_writer():
                repair.write({"state": "cancel"})
                repair.unlink()
                entitlement.write({"state": "cancelled"})
                entitlement.unlink()
            env["product.product"].browse(self.product_id).unlink()
            env["res.partner"].browse(self.partner_id).unlink()

        self._committed(drop)

    def _state(self):
        """(used terms, used by phone, ledger sum, reservations) as committed."""

        def read(env):
            entitlement = env["service.entitlement"].browse(self.entitlement_id)
            rows = env["service.entitlement.consumption"].search(
                [("entitlement_id", "=", self.entitlement_id)]
            )
            return (
                entitlement.used_terms,
                entitlement.channel_limit_ids.used_terms,
                sum(rows.mapped("quantity")),
                env["service.entitlement.reservation"].search_count(
                    [("entitlement_id", "=", self.entitlement_id)]
                ),
            )

        return self._committed(read)

    def _confirm(self, env):
        env["repair.order"].browse(self.repair_id).action_validate()

    def test_rollback_gives_the_terms_back(self):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            self._confirm(env)
            self.assertEqual(
                env["service.entitlement"].browse(self.entitlement_id).used_terms,
                1,
                "the request sees the terms it took",
            )
            cr.rollback()
        self.assertEqual(self._state(), (0, 0, 0, 0))

    def test_savepoint_that_drops_the_ledger_row_gives_the_terms_back(self):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            with self.assertRaises(ValueError), cr.savepoint():
                self._confirm(env)
                raise ValueError("the rest of the import failed")
            # The test's own cursor: it commits like a request.
            cr.commit()  # pylint: disable=invalid-commit
        self.assertEqual(self._state(), (0, 0, 0, 0))

    def test_committed_request_keeps_them(self):
        self._committed(self._confirm)
        self.assertEqual(self._state(), (1, 1, 1, 1))
        self._committed(
            lambda env: env["service.entitlement.reservation"]._cron_settle()
        )
        self.assertEqual(self._state(), (1, 1, 1, 0), "confirmed: deleted")

    def test_cron_gives_back_what_a_dead_process_reserved(self):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            self._confirm(env)
            # The process dies: no rollback hook runs.
            cr.postrollback.clear()
            cr.rollback()
        self.assertEqual(self._state(), (1, 1, 0, 1))
        settle = lambda env: env["service.entitlement.reservation"]._cron_settle()  # noqa: E731
        self._committed(settle)
        self.assertEqual(self._state(), (1, 1, 0, 1), "too recent to be abandoned")
        self._committed(
            lambda env: env.cr.execute(
                "UPDATE service_entitlement_reservation "
                "SET date = date - interval '2 hours' WHERE entitlement_id = %s",
                [self.entitlement_id],
            )
        )
        self._committed(settle)
        self.assertEqual(self._state(), (0, 0, 0, 0))

    def test_entitlement_held_by_the_request_itself(self):
        """A request that locked the entitlement row itself takes the terms in
        its own transaction instead of waiting for itself."""
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            cr.execute(
                "SELECT id FROM service_entitlement WHERE id = %s FOR NO KEY UPDATE",
                [self.entitlement_id],
            )
            self._confirm(env)
            cr.commit()  # pylint: disable=invalid-commit
        self.assertEqual(self._state(), (1, 1, 1, 1))


@tagged("post_install", "-at_install", "concurrency")
class TestContractInvoicingRace(CommittedTransactions, FrozenClock, TransactionCase):
    """Two billing clerks (or a clerk and OCA contract's daily job) invoice
    the same service contracts at the same moment, each in its own
    transaction: every period is invoiced once."""

    def test_two_clerks_invoice_once(self):
        def build(env):
            today = fields.Date.context_today(env["service.entitlement"])
            partner = env["res.partner"].create(
                {"name": "Contract race customer", "is_company": True}
            )
            product = env["product.product"].create(
                {
                    "name": "Contract race device",
                    "type": "consu",
                    "tracking": "serial",
                }
            )
            lots = env["stock.lot"].create(
                [{"name": f"RACE-{i}", "product_id": product.id} for i in range(3)]
            )
            contracts = env["service.entitlement"].create(
                [
                    {
                        "name": f"Race contract {i}",
                        "partner_id": partner.id,
                        "entitlement_type": "service_contract",
                        # Activation invoices the starting period; the month
                        # after it is due.
                        "date_start": today - timedelta(days=40),
                        "date_end": today + timedelta(days=300),
                        "invoice_period": "month",
                        "invoice_prepaid": True,
                        "contract_line_ids": [
                            fields.Command.create(
                                {"lot_id": lot.id, "line_value": 1200.0}
                            )
                        ],
                    }
                    for i, lot in enumerate(lots)
                ]
            )
            contracts.action_activate()
            return partner.id, product.id, lots.ids, contracts.ids, today

        partner_id, product_id, lot_ids, contract_ids, today = self._committed(build)
        self.addCleanup(self._drop, partner_id, product_id, lot_ids, contract_ids)
        barrier = threading.Barrier(2)
        made = {}

        def clerk(name):
            with self.registry.cursor() as cr:
                env = api.Environment(cr, SUPERUSER_ID, {})
                Entitlement = env["service.entitlement"]
                oca = Entitlement.browse(contract_ids).contract_id
                barrier.wait(timeout=30)
                moves = service_model.retrying(
                    lambda: Entitlement._contract_invoice_due(oca, today), env
                )
                made[name] = len(moves)

        threads = [threading.Thread(target=clerk, args=(n,)) for n in ("a", "b")]
        run_workers(threads, timeout=120)
        self.assertEqual(sorted(made.values()), [0, 3], made)

        def invoices(env):
            contracts = env["service.entitlement"].browse(contract_ids)
            return sum(len(c.contract_id._get_related_invoices()) for c in contracts)

        # Three starting periods on activation, three months by the clerks.
        self.assertEqual(self._committed(invoices), 6)

    def _drop(self, partner_id, product_id, lot_ids, contract_ids):
        def drop(env):
            contracts = env["service.entitlement"].browse(contract_ids)
            oca = contracts.contract_id
            moves = env["account.move"].search([("partner_id", "=", partner_id)])
            moves.filtered(lambda m: m.state == "posted").button_draft()
            moves.unlink()
            env.cr.execute(
                "UPDATE service_entitlement SET state = 'cancelled', "
                "contract_id = NULL WHERE id IN %s",
                [tuple(contract_ids)],
            )
            env.cr.execute(
                "DELETE FROM contract_contract WHERE id IN %s", [tuple(oca.ids)]
            )
            env.invalidate_all()
            contracts.unlink()
            env["stock.lot"].browse(lot_ids).unlink()
            env["product.product"].browse(product_id).unlink()
            env["res.partner"].browse(partner_id).unlink()

        self._committed(drop)
