"""Entitlement counters moved in short transactions of their own.

Odoo runs a request in one REPEATABLE READ transaction.  If two requests
consume from the same entitlement, the second one cannot see the first one's
consumption, nor lock the entitlement after the first one committed: it fails
with a serialization error, and Odoo replays the whole request, up to five
times.  With many users on one entitlement some requests run out of replays.

So the counters of an entitlement (used and remaining terms, the terms used
per channel, the low-terms alert flag) are never written by the request's
transaction.  They move in a transaction of their own, at READ COMMITTED, on
a second connection: it locks the entitlement row (waiting for the other
requests' short transactions, never failing), reads the latest committed
counters, lets the caller decide from them, writes the new counters and one
*reservation* row per entitlement and channel, and commits at once.  A
consumption first tries the counters the request read: decided on those,
they move in one statement if they are still those (see ``_take``).  The
request's transaction then writes the ledger rows that point at their
reservation.

A reservation is confirmed by the ledger rows that point at it.  Once the
request's transaction has ended, its reservations are given back if it
rolled back, or if a savepoint dropped their ledger rows; if the process
died, the cron gives them back after ``STALE_AFTER``.  The cron also deletes
the confirmed ones.

The entitlement's own transaction is used instead (``inline``) in test mode,
when the request created or wrote the entitlement itself (the second
connection would not see it, or would wait for this transaction), and when
the lock cannot be had within ``LOCK_TIMEOUT``.
"""

import logging
from collections import defaultdict
from contextlib import contextmanager
from datetime import timedelta

from psycopg2.errors import LockNotAvailable
from psycopg2.extensions import ISOLATION_LEVEL_READ_COMMITTED

from odoo import api, fields, models
from odoo.tools import SQL

from . import entitlement_policy as policy
from .entitlement_counters import Counters
from .service_entitlement_channel_limit import CHANNELS

_logger = logging.getLogger(__name__)

LOCK_TIMEOUT = "2s"
# The short transactions on the second connection: they wait for the lock at
# most LOCK_TIMEOUT, and need not wait for their commit to reach the disk.
# The request's own commit, which comes after in the write-ahead log, is
# flushed to disk with everything before it; a reservation lost with a crash
# before that has no ledger row either.
APART_SETTINGS = (
    f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'; SET LOCAL synchronous_commit = off; "
)
# A reservation this old without ledger rows belongs to a transaction that
# will never commit (a request is killed after a few minutes).
STALE_AFTER = timedelta(hours=1)
# Entitlements created or written in the current transaction (data of the
# rollback hooks: cleared on commit and rollback, not by a savepoint).
TOUCHED = "service_entitlement.touched"
PENDING = "service_entitlement.reservations"
CONFIRMED = "service_entitlement.confirmed_reservations"


class ServiceEntitlementReservation(models.Model):
    _name = "service.entitlement.reservation"
    _description = "Entitlement Terms Reservation"
    _log_access = False
    _order = "id"
    # Written in SQL by the ledger's own connection only.
    _flow_owned = True

    entitlement_id = fields.Many2one(
        "service.entitlement",
        required=True,
        readonly=True,
        index=True,
        ondelete="cascade",
    )
    channel = fields.Selection(CHANNELS, readonly=True)
    quantity = fields.Float(readonly=True, digits="Product Unit of Measure")
    alert_set = fields.Boolean(
        readonly=True,
        help="This move set the entitlement's low-terms alert flag.",
    )
    date = fields.Datetime(required=True, readonly=True, default=fields.Datetime.now)

    # ------------------------------------------------------------------
    # Moving the counters
    # ------------------------------------------------------------------

    @api.model
    def _take(self, entitlement, channel, need, override=None):
        """Lock ``entitlement``, decide what its limit policy makes of
        ``need`` on the terms left for ``channel`` as last committed
        (entitlement_policy.decide, with the manager's ``override``), and add
        what is covered to the counters; a blocked need moves nothing.

        Returns (reservation id or False, terms left before, outcome,
        counters after)."""

        def decide(states):
            left = max(states[entitlement.id].remaining(channel), 0.0)
            return left, policy.decide(entitlement.limit_policy, need, left, override)

        def step(cr):
            # Most often nobody moved the counters since the request read
            # them: decide on those and move them in one round trip, if they
            # are still what was read.  A block is always decided under the
            # lock, on the counters as last committed.
            guess = self._read_states(entitlement)
            if guess:
                left, outcome = decide(guess)
                if not outcome.blocked:
                    moves = [(entitlement.id, channel, outcome.covered)]
                    moved = self._move(cr, guess, moves, expected=True)
                    if moved:
                        return moved, (left, outcome)
            states = self._locked_states(cr, [entitlement.id])
            if entitlement.id not in states:
                return None
            left, outcome = decide(states)
            if outcome.blocked:
                return {}, (left, outcome)
            moved = self._move(cr, states, [(entitlement.id, channel, outcome.covered)])
            return moved, (left, outcome)

        moved, (left, outcome) = self._in_own_transaction(entitlement.ids, step)
        if not moved:
            return False, left, outcome, {"alert_set": False}
        ((reservation_id, counters),) = moved.items()
        return reservation_id, left, outcome, counters

    @api.model
    def _apply(self, moves):
        """Add the quantities of ``moves`` [(entitlement id, channel,
        quantity)] to the counters, without a decision.

        Returns {(entitlement id, channel): (reservation id, counters after)}."""
        ids = sorted({entitlement_id for entitlement_id, __, __ in moves})

        def step(cr):
            states = self._locked_states(cr, ids)
            if set(ids) - set(states):
                return None
            return self._move(cr, states, moves), None

        moved, __ = self._in_own_transaction(ids, step)
        return {
            (counters["entitlement_id"], counters["channel"]): (
                reservation_id,
                counters,
            )
            for reservation_id, counters in moved.items()
        }

    @api.model
    def _locked_states(self, cr, ids, wait=False):
        """Lock the entitlements in id order, then read their counters as
        last committed: {id: Counters}.  One round trip.  On a cursor of
        its own, the lock is given up after LOCK_TIMEOUT, unless ``wait``."""
        cr.execute(
            (APART_SETTINGS if cr is not self.env.cr and not wait else "")
            + """
            SELECT id FROM service_entitlement WHERE id = ANY(%(ids)s)
             ORDER BY id FOR NO KEY UPDATE;
            SELECT e.id, e.total_terms, COALESCE(e.used_terms, 0), e.state,
                   COALESCE(e.threshold_alert_sent, false),
                   COALESCE(e.alert_threshold_percent, 0),
                   (SELECT json_agg(json_build_array(
                               l.id, l.channel, l.max_terms, COALESCE(l.used_terms, 0)))
                      FROM service_entitlement_channel_limit l
                     WHERE l.entitlement_id = e.id)
              FROM service_entitlement e
             WHERE e.id = ANY(%(ids)s)
            """,
            {"ids": ids},
            log_exceptions=False,
        )
        return {row[0]: Counters(row) for row in cr.fetchall()}

    @api.model
    def _read_states(self, entitlement):
        """{id: Counters} of ``entitlement`` as the request read it (no
        query when its row is read already), or None when it has channel
        limits, whose counters are read under the lock only."""
        if entitlement.has_channel_limits:
            return None
        return {
            entitlement.id: Counters(
                (
                    entitlement.id,
                    entitlement.total_terms,
                    entitlement.used_terms or 0.0,
                    entitlement.state,
                    entitlement.threshold_alert_sent,
                    entitlement.alert_threshold_percent or 0.0,
                    None,
                )
            )
        }

    @api.model
    def _counter_statements(self, states, groups, cleared=()):
        """The counters of the locked entitlements ``states`` once
        ``groups`` ({(entitlement id, channel): quantity}) is used (or given
        back, negative), and the statements that write them: (counters after
        per entitlement, {key: (limit id, used after)}, [SQL]).  The alert
        flag of the entitlements in ``cleared`` is cleared."""
        per_entitlement = defaultdict(float)
        for (entitlement_id, __), quantity in groups.items():
            per_entitlement[entitlement_id] += quantity
        after = {
            entitlement_id: states[entitlement_id].moved(quantity)
            for entitlement_id, quantity in per_entitlement.items()
        }
        limits = {
            key: states[key[0]].channel_moved(key[1], quantity)
            for key, quantity in groups.items()
        }
        statements = [
            SQL(
                "UPDATE service_entitlement AS e SET used_terms = v.used, "
                "remaining_terms = v.remaining, remaining_percent = v.percent, "
                "threshold_alert_sent = (e.threshold_alert_sent OR v.alert) "
                "AND NOT v.cleared "
                "FROM (VALUES %s) AS v(id, used, remaining, percent, alert, cleared) "
                "WHERE e.id = v.id",
                SQL(", ").join(
                    SQL(
                        "(%s::int, %s::float8, %s::float8, %s::float8, %s::bool, "
                        "%s::bool)",
                        entitlement_id,
                        counters["used_terms"],
                        counters["remaining_terms"],
                        counters["remaining_percent"],
                        counters["alert_set"],
                        entitlement_id in cleared,
                    )
                    for entitlement_id, counters in after.items()
                ),
            )
        ]
        moved_limits = [limit for limit in limits.values() if limit]
        if moved_limits:
            statements.append(
                SQL(
                    "UPDATE service_entitlement_channel_limit AS l "
                    "SET used_terms = v.used FROM (VALUES %s) AS v(id, used) "
                    "WHERE l.id = v.id",
                    SQL(", ").join(
                        SQL("(%s::int, %s::float8)", limit_id, used)
                        for limit_id, used in moved_limits
                    ),
                )
            )
        return after, limits, statements

    @api.model
    def _move(self, cr, states, moves, expected=False):
        """Write the new counters of the locked entitlements ``states`` and
        the reservation rows of ``moves``: {reservation id: counters after}.

        The new values are computed here from the locked rows: plain
        statements, which PostgreSQL plans in no time.  ``expected``:
        ``states`` (of one entitlement without channel limits) were read
        without the lock; the counters move, in one statement, only if they
        are still those (the update waits for the row's lock and checks its
        last committed version), else nothing moves and {} is returned."""
        groups = defaultdict(float)
        for entitlement_id, channel, quantity in moves:
            groups[(entitlement_id, channel or False)] += quantity
        after, limits, statements = self._counter_statements(states, groups)
        keys = list(groups)
        # Dated by the request's transaction (its time is read once for
        # all its writes), not by another round trip on the second one.
        now = self.env.cr.now()
        rows = SQL(", ").join(
            SQL(
                "(%s::int, %s, %s::float8, %s::bool, %s::timestamp)",
                entitlement_id,
                channel or None,
                groups[(entitlement_id, channel)],
                after[entitlement_id]["alert_set"],
                now,
            )
            for entitlement_id, channel in keys
        )
        columns = "(entitlement_id, channel, quantity, alert_set, date)"
        if expected:
            (state,) = states.values()
            (update,) = statements
            statements = [
                SQL(
                    # On a cursor of its own, the lock is waited for at most
                    # LOCK_TIMEOUT, as in _locked_states.
                    (APART_SETTINGS if cr is not self.env.cr else "")
                    + "WITH moved AS (%s AND e.state = %s "
                    "AND COALESCE(e.total_terms, 0) = %s "
                    "AND COALESCE(e.used_terms, 0) = %s "
                    "AND COALESCE(e.threshold_alert_sent, false) = %s "
                    "AND COALESCE(e.alert_threshold_percent, 0) = %s "
                    "AND NOT EXISTS (SELECT 1 FROM service_entitlement_channel_limit l "
                    "WHERE l.entitlement_id = e.id) RETURNING e.id) "
                    "INSERT INTO service_entitlement_reservation %s "
                    "SELECT * FROM (VALUES %s) AS v%s WHERE EXISTS "
                    "(SELECT 1 FROM moved) RETURNING id",
                    update,
                    state.state,
                    state.total,
                    state.used,
                    bool(state.alert_sent),
                    state.threshold,
                    SQL(columns),
                    rows,
                    SQL(columns),
                )
            ]
        else:
            statements.append(
                SQL(
                    "INSERT INTO service_entitlement_reservation %s VALUES %s "
                    "RETURNING id",
                    SQL(columns),
                    rows,
                )
            )
        cr.execute(SQL("; ").join(statements), log_exceptions=False)
        inserted = cr.fetchall()
        if not inserted:
            return {}
        return {
            reservation_id: {
                **after[entitlement_id],
                "entitlement_id": entitlement_id,
                "channel": channel,
                "channel_used_terms": limits[(entitlement_id, channel)]
                and limits[(entitlement_id, channel)][1],
            }
            for (reservation_id,), (entitlement_id, channel) in zip(
                inserted, keys, strict=True
            )
        }

    # ------------------------------------------------------------------
    # Transactions
    # ------------------------------------------------------------------

    def _inline(self, ids):
        """Whether the counters must move in the request's own transaction."""
        touched = self.env.cr.postrollback.data.get(TOUCHED, ())
        return (
            self.env.registry.in_test_mode()
            or any(i in touched for i in ids)
            or self._counters_in_request()
        )

    @api.model
    def _counters_in_request(self):
        """System parameter ``service_entitlement.counters_in_request``: no
        second connection; the counters move in the request's transaction,
        under the entitlement's lock, and Odoo's retries handle conflicts."""
        # sudo: system parameters are the administrator's; any consumer reads this one
        return bool(
            self.env["ir.config_parameter"]
            .sudo()
            .get_param("service_entitlement.counters_in_request")
        )

    @api.model
    def _in_own_transaction(self, ids, step):
        """Run ``step(cursor)`` in a short transaction of its own and commit
        it; in the request's transaction when it must be (see the module's
        docstring).  ``step`` returns ({reservation id: counters}, extra), or
        None when it does not see an entitlement."""
        # The counters are written in SQL: the ORM must have written what it
        # holds of these entitlements first.
        self.env["service.entitlement"].browse(ids).flush_recordset()
        result = None
        if not self._inline(ids):
            result = self._run_apart(ids, step)
        if result is None:
            result = step(self.env.cr)
            if result is None:
                raise ValueError(f"Entitlements {ids} do not exist")
        if not self.env.registry.in_test_mode():
            self._watch(list(result[0]))
        self._show_moved_counters(result[0])
        return result

    @contextmanager
    def _apart(self):
        """A cursor on a connection of its own at READ COMMITTED, committed
        at the end of the block (rolled back on an error)."""
        with self.env.registry.cursor() as cr:
            cr.connection.set_isolation_level(ISOLATION_LEVEL_READ_COMMITTED)
            yield cr

    @api.model
    def _run_apart(self, ids, step):
        """``step`` on a second connection at READ COMMITTED, committed; None
        when it must run inline after all."""
        cr = self.env.registry.cursor()
        try:
            cr.connection.set_isolation_level(ISOLATION_LEVEL_READ_COMMITTED)
            try:
                result = step(cr)
            except LockNotAvailable:
                # Someone (maybe this very request) holds the entitlement for
                # long: take it in the request's transaction, where Odoo's
                # retries handle a conflict.
                _logger.info(
                    "Entitlements %s busy for %s: counters moved inline",
                    ids,
                    LOCK_TIMEOUT,
                )
                cr.rollback()
                return None
            if result is None:
                cr.rollback()
                return None
            # The reservation's own short transaction on the second
            # connection, not the request's: it commits by design.
            cr.commit()  # pylint: disable=invalid-commit
            return result
        finally:
            cr.close()

    def _watch(self, reservation_ids):
        """Once the request's transaction ends: give its reservations back if
        it rolled back, or if it committed without the ledger rows that
        confirm them (a savepoint dropped them).  Those that ``_confirm``
        vouches for cost nothing; the others are checked against the ledger.
        The cron deletes the confirmed ones.  (The data of the commit and
        rollback hooks outlives savepoints.)"""
        main = self.env.cr

        def settle_committed():
            pending = main.postcommit.data.pop(PENDING, set())
            confirmed = main.postcommit.data.pop(CONFIRMED, set())
            self._settle_committed(pending - confirmed)

        def undo_rolled_back():
            self._undo_apart(main.postrollback.data.pop(PENDING, set()))

        for hooks, settle in (
            (main.postcommit, settle_committed),
            (main.postrollback, undo_rolled_back),
        ):
            pending = hooks.data.setdefault(PENDING, set())
            if not pending:
                hooks.add(settle)
            pending.update(reservation_ids)

    def _confirm(self, reservation_ids):
        """The ledger rows of these reservations are written.  A savepoint
        that rolls back forgets it (pre-commit data), and the reservations
        are then checked against the ledger after commit."""
        cr = self.env.cr
        confirmed = cr.precommit.data.get(CONFIRMED)
        if confirmed is None:
            confirmed = cr.precommit.data[CONFIRMED] = set()

            def carry():
                cr.postcommit.data.setdefault(CONFIRMED, set()).update(
                    cr.precommit.data.get(CONFIRMED, ())
                )

            cr.precommit.add(carry)
        confirmed.update(reservation_ids)

    @api.model
    def _settle_committed(self, ids):
        if ids:
            with self._apart() as cr:
                self._settle(cr, sorted(ids))

    @api.model
    def _settle(self, cr, ids):
        """Delete reservations ``ids`` that ledger rows confirm; give the
        others back."""
        cr.execute(
            """
            SET LOCAL synchronous_commit = off;
            WITH confirmed AS (
                DELETE FROM service_entitlement_reservation r
                 WHERE r.id = ANY(%s)
                   AND EXISTS (SELECT 1 FROM service_entitlement_consumption c
                                WHERE c.reservation_id = r.id)
             RETURNING r.id
            )
            SELECT id FROM service_entitlement_reservation
             WHERE id = ANY(%s) AND id NOT IN (SELECT id FROM confirmed)
            """,
            [ids, ids],
        )
        orphans = [row[0] for row in cr.fetchall()]
        if orphans:
            self._undo(cr, orphans)

    @api.model
    def _undo_apart(self, ids):
        """Give back reservations ``ids`` in a transaction of their own."""
        if ids:
            with self._apart() as cr:
                self._undo(cr, sorted(ids))

    @api.model
    def _undo(self, cr, ids):
        """Take the moves of reservations ``ids`` back out of the counters and
        delete them, under the entitlements' lock: the counters are computed
        as ``_move`` computes them, with a negative quantity."""
        cr.execute(
            "SELECT DISTINCT entitlement_id FROM service_entitlement_reservation "
            "WHERE id = ANY(%s)",
            [list(ids)],
        )
        entitlement_ids = sorted(row[0] for row in cr.fetchall())
        states = self._locked_states(cr, entitlement_ids, wait=True)
        cr.execute(
            "DELETE FROM service_entitlement_reservation WHERE id = ANY(%s) "
            "RETURNING entitlement_id, channel, quantity, alert_set",
            [list(ids)],
        )
        groups, cleared = defaultdict(float), set()
        for entitlement_id, channel, quantity, alert_set in cr.fetchall():
            groups[(entitlement_id, channel or False)] -= quantity
            if alert_set:
                cleared.add(entitlement_id)
        if groups:
            __, __, statements = self._counter_statements(states, groups, cleared)
            cr.execute(SQL("; ").join(statements), log_exceptions=False)

    def _show_moved_counters(self, moved):
        """Show the request the counters as they are now: its snapshot of the
        database predates them."""
        Entitlement = self.env["service.entitlement"]
        Limit = self.env["service.entitlement.channel.limit"]
        cache = self.env.cache
        for counters in moved.values():
            entitlement = Entitlement.browse(counters["entitlement_id"])
            for name in ("used_terms", "remaining_terms", "remaining_percent"):
                cache.set(entitlement, Entitlement._fields[name], counters[name])
            if counters["alert_set"]:
                cache.set(
                    entitlement, Entitlement._fields["threshold_alert_sent"], True
                )
            if counters["channel_used_terms"] is not None:
                # sudo: each limit of the channel shows its count, whoever consumed
                limits = entitlement.sudo().channel_limit_ids.filtered(
                    lambda limit, c=counters: limit.channel == c["channel"]
                )
                for limit in limits:
                    cache.set(
                        limit,
                        Limit._fields["used_terms"],
                        counters["channel_used_terms"],
                    )

    # ------------------------------------------------------------------
    # Cron
    # ------------------------------------------------------------------

    @api.model
    def _cron_settle(self):
        """Delete the reservations their ledger rows confirmed, and give back
        those whose transaction never committed.  On a connection of its own
        at READ COMMITTED, as the reservations are made: the cron's own
        transaction could not lock an entitlement that requests have moved
        since it began."""
        if self.env.registry.in_test_mode():
            self._settle_stale(self.env.cr)
            return True
        with self._apart() as cr:
            self._settle_stale(cr)
        return True

    @api.model
    def _settle_stale(self, cr):
        cr.execute(
            """
            DELETE FROM service_entitlement_reservation r
             WHERE EXISTS (SELECT 1 FROM service_entitlement_consumption c
                            WHERE c.reservation_id = r.id)
            """
        )
        cr.execute(
            """
            SELECT id FROM service_entitlement_reservation r
             WHERE date < %s
               AND NOT EXISTS (SELECT 1 FROM service_entitlement_consumption c
                                WHERE c.reservation_id = r.id)
            """,
            [fields.Datetime.now() - STALE_AFTER],
        )
        stale = [row[0] for row in cr.fetchall()]
        if stale:
            _logger.info(
                "Giving back %s abandoned entitlement reservations", len(stale)
            )
            self._undo(cr, stale)
