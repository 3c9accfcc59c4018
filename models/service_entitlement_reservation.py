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
*reservation* row per entitlement and channel, and commits at once.  The
request's transaction then writes the ledger rows that point at their
reservation.

A reservation is confirmed by the ledger rows that point at it.  Once the
request's transaction has ended, its reservations are deleted if ledger rows
confirm them and given back otherwise (it rolled back, or a savepoint dropped
the ledger rows); if the process died, the cron gives them back after
``STALE_AFTER``.

The entitlement's own transaction is used instead (``inline``) in test mode,
when the request created or wrote the entitlement itself (the second
connection would not see it, or would wait for this transaction), and when
the lock cannot be had within ``LOCK_TIMEOUT``.
"""

import json
import logging
from datetime import timedelta

from psycopg2.errors import LockNotAvailable
from psycopg2.extensions import ISOLATION_LEVEL_READ_COMMITTED

from odoo import api, fields, models

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


class ServiceEntitlementReservation(models.Model):
    _name = "service.entitlement.reservation"
    _description = "Entitlement Terms Reservation"
    _log_access = False
    _order = "id"

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
    def _take(self, entitlement, channel, decide):
        """Lock ``entitlement``, call ``decide(remaining)`` with the terms
        left for ``channel`` as last committed, and add the quantity it
        returns to the counters.  ``decide`` may raise to take nothing.

        Returns (reservation id, remaining before, counters after)."""

        def step(cr):
            left = self._locked_remaining(cr, [entitlement.id], channel)
            if entitlement.id not in left:
                return None
            remaining = left[entitlement.id]
            quantity = decide(remaining)
            moved = self._move(cr, [(entitlement.id, channel, quantity)])
            return moved, remaining

        moved, remaining = self._in_own_transaction(entitlement.ids, step)
        ((reservation_id, counters),) = moved.items()
        return reservation_id, remaining, counters

    @api.model
    def _apply(self, moves):
        """Add the quantities of ``moves`` [(entitlement id, channel,
        quantity)] to the counters, without a decision.

        Returns {(entitlement id, channel): (reservation id, counters after)}."""
        ids = sorted({entitlement_id for entitlement_id, __, __ in moves})

        def step(cr):
            left = self._locked_remaining(cr, ids, False)
            if set(ids) - set(left):
                return None
            return self._move(cr, moves), None

        moved, __ = self._in_own_transaction(ids, step)
        return {
            (counters["entitlement_id"], counters["channel"]): (
                reservation_id,
                counters,
            )
            for reservation_id, counters in moved.items()
        }

    @api.model
    def _locked_remaining(self, cr, ids, channel):
        """Lock the entitlements in id order; {id: terms left for channel}."""
        cr.execute(
            (APART_SETTINGS if cr is not self.env.cr else "")
            + """
            SELECT id FROM service_entitlement WHERE id = ANY(%(ids)s)
             ORDER BY id FOR NO KEY UPDATE;
            SELECT e.id, e.total_terms - COALESCE(e.used_terms, 0),
                   l.max_terms - COALESCE(l.used_terms, 0)
              FROM service_entitlement e
              LEFT JOIN service_entitlement_channel_limit l
                ON l.entitlement_id = e.id AND l.channel = %(channel)s
             WHERE e.id = ANY(%(ids)s)
            """,
            {"ids": ids, "channel": channel or None},
            log_exceptions=False,
        )
        return {
            entitlement_id: min(
                left, channel_left if channel_left is not None else left
            )
            for entitlement_id, left, channel_left in cr.fetchall()
        }

    @api.model
    def _move(self, cr, moves):
        """Write the counters and the reservation rows of ``moves``, the
        entitlements being locked.  {reservation id: counters after}."""
        cr.execute(
            """
            WITH moves AS (
                SELECT (m->>0)::int AS entitlement_id, NULLIF(m->>1, '') AS channel,
                       (m->>2)::float8 AS quantity
                  FROM jsonb_array_elements(%(moves)s::jsonb) m
            ), groups AS (
                SELECT entitlement_id, channel, sum(quantity) AS quantity
                  FROM moves GROUP BY entitlement_id, channel
            ), counters AS (
                SELECT e.id, n.used, e.total_terms - n.used AS remaining,
                       CASE WHEN e.total_terms > 0
                            THEN 100 * (e.total_terms - n.used) / e.total_terms
                            ELSE 0 END AS percent,
                       n.quantity > 0 AND e.state = 'active'
                           AND NOT COALESCE(e.threshold_alert_sent, false)
                           AS alert_due
                  FROM service_entitlement e
                  JOIN (SELECT entitlement_id, sum(quantity) AS quantity
                          FROM groups GROUP BY entitlement_id) g
                    ON g.entitlement_id = e.id
                 CROSS JOIN LATERAL (
                       SELECT COALESCE(e.used_terms, 0) + g.quantity AS used,
                              g.quantity) n
            ), entitlements AS (
                UPDATE service_entitlement e
                   SET used_terms = c.used,
                       remaining_terms = c.remaining,
                       remaining_percent = c.percent,
                       threshold_alert_sent = COALESCE(e.threshold_alert_sent, false)
                           OR (c.alert_due AND c.percent <= e.alert_threshold_percent)
                  FROM counters c
                 WHERE e.id = c.id
             RETURNING e.id, e.used_terms, e.remaining_terms, e.remaining_percent,
                       c.alert_due AND c.percent <= e.alert_threshold_percent
                           AS alert_set
            ), channels AS (
                UPDATE service_entitlement_channel_limit l
                   SET used_terms = COALESCE(l.used_terms, 0) + g.quantity
                  FROM groups g
                 WHERE l.entitlement_id = g.entitlement_id AND l.channel = g.channel
             RETURNING l.entitlement_id, l.channel, l.used_terms
            ), reservations AS (
                INSERT INTO service_entitlement_reservation
                       (entitlement_id, channel, quantity, alert_set, date)
                SELECT g.entitlement_id, g.channel, g.quantity, u.alert_set,
                       now() at time zone 'UTC'
                  FROM groups g JOIN entitlements u ON u.id = g.entitlement_id
             RETURNING id, entitlement_id, channel, alert_set
            )
            SELECT r.id, r.entitlement_id, r.channel, u.used_terms, u.remaining_terms,
                   u.remaining_percent, r.alert_set, c.used_terms
              FROM reservations r
              JOIN entitlements u ON u.id = r.entitlement_id
              LEFT JOIN channels c
                ON c.entitlement_id = r.entitlement_id AND c.channel = r.channel
            """,
            {"moves": json.dumps([[e, c or "", q] for e, c, q in moves])},
            log_exceptions=False,
        )
        return {
            row[0]: {
                "entitlement_id": row[1],
                "channel": row[2] or False,
                "used_terms": row[3],
                "remaining_terms": row[4],
                "remaining_percent": row[5],
                "alert_set": row[6],
                "channel_used_terms": row[7],
            }
            for row in cr.fetchall()
        }

    # ------------------------------------------------------------------
    # Transactions
    # ------------------------------------------------------------------

    def _inline(self, ids):
        """Whether the counters must move in the request's own transaction."""
        touched = self.env.cr.postrollback.data.get(TOUCHED, ())
        return self.env.registry.in_test_mode() or any(i in touched for i in ids)

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
        self._update_cache(result[0])
        return result

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
        confirm them (a savepoint dropped them); delete the confirmed ones.
        (Cursor data of the commit and rollback hooks outlives savepoints.)"""
        main = self.env.cr
        dbname = main.dbname
        for hooks, settle in (
            (main.postcommit, self._settle_committed),
            (main.postrollback, self._undo_apart),
        ):
            pending = hooks.data.setdefault(PENDING, set())
            if not pending:
                hooks.add(
                    lambda hooks=hooks, settle=settle: settle(
                        dbname, hooks.data.pop(PENDING, set())
                    )
                )
            pending.update(reservation_ids)

    @api.model
    def _settle_committed(self, dbname, ids):
        if not ids:
            return
        from odoo.modules.registry import Registry

        with Registry(dbname).cursor() as cr:
            cr.connection.set_isolation_level(ISOLATION_LEVEL_READ_COMMITTED)
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
    def _undo_apart(self, dbname, ids):
        """Give back reservations ``ids`` in a transaction of their own."""
        if not ids:
            return
        from odoo.modules.registry import Registry

        with Registry(dbname).cursor() as cr:
            cr.connection.set_isolation_level(ISOLATION_LEVEL_READ_COMMITTED)
            self._undo(cr, sorted(ids))

    @api.model
    def _undo(self, cr, ids):
        """Take the moves of reservations ``ids`` back out of the counters and
        delete them."""
        cr.execute(
            """
            SELECT e.id FROM service_entitlement e
              JOIN service_entitlement_reservation r ON r.entitlement_id = e.id
             WHERE r.id = ANY(%(ids)s)
             ORDER BY e.id FOR NO KEY UPDATE OF e;
            WITH gone AS (
                DELETE FROM service_entitlement_reservation WHERE id = ANY(%(ids)s)
             RETURNING entitlement_id, channel, quantity, alert_set
            ), counters AS (
                SELECT e.id, COALESCE(e.used_terms, 0) - g.quantity AS used,
                       e.total_terms, g.alert_set
                  FROM service_entitlement e
                  JOIN (SELECT entitlement_id, sum(quantity) AS quantity,
                               bool_or(COALESCE(alert_set, false)) AS alert_set
                          FROM gone GROUP BY entitlement_id) g
                    ON g.entitlement_id = e.id
            ), entitlements AS (
                UPDATE service_entitlement e
                   SET used_terms = c.used,
                       remaining_terms = c.total_terms - c.used,
                       remaining_percent = CASE WHEN c.total_terms > 0
                           THEN 100 * (c.total_terms - c.used) / c.total_terms
                           ELSE 0 END,
                       threshold_alert_sent = COALESCE(e.threshold_alert_sent, false)
                           AND NOT c.alert_set
                  FROM counters c
                 WHERE e.id = c.id
             RETURNING e.id
            ), channels AS (
                UPDATE service_entitlement_channel_limit l
                   SET used_terms = COALESCE(l.used_terms, 0) - g.quantity
                  FROM (SELECT entitlement_id, channel, sum(quantity) AS quantity
                          FROM gone GROUP BY entitlement_id, channel) g
                 WHERE l.entitlement_id = g.entitlement_id AND l.channel = g.channel
             RETURNING l.id
            )
            SELECT (SELECT count(*) FROM entitlements), (SELECT count(*) FROM channels)
            """,
            {"ids": list(ids)},
        )

    def _update_cache(self, moved):
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
        with self.env.registry.cursor() as cr:
            cr.connection.set_isolation_level(ISOLATION_LEVEL_READ_COMMITTED)
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
