import json

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, float_compare, float_round

from .ledger_guard import ledger_writer
from .service_entitlement_channel_limit import CHANNELS

# The ledger's columns as ``_record`` writes them, with their SQL types.
LEDGER_COLUMNS = {
    "entitlement_id": "int4",
    "company_id": "int4",
    "partner_id": "int4",
    "date": "timestamp",
    "user_id": "int4",
    "kind": "varchar",
    "quantity": "float8",
    "overage_quantity": "float8",
    "bill_overage": "bool",
    "reversed_id": "int4",
    "repair_id": "int4",
    "channel": "varchar",
    "res_model": "varchar",
    "res_id": "int4",
    "cycle": "int4",
    "note": "varchar",
    "waiver": "varchar",
    "reservation_id": "int4",
}
# Why a document was covered without using terms: its ledger row is a zero
# row that says so.
WAIVERS = [
    ("goodwill", "Goodwill"),
    ("rerepair", "Re-repair"),
    ("planned", "Planned service"),
    ("layer", "Another warranty"),
    ("campaign", "Service campaign"),
]
LEDGER_INSERT = """
    INSERT INTO service_entitlement_consumption
           ({columns}, create_uid, create_date, write_uid, write_date)
    SELECT {columns}, %s, %s, %s, %s
      FROM jsonb_to_recordset(%s::jsonb) AS r({types})
 RETURNING id
""".format(
    columns=", ".join(LEDGER_COLUMNS),
    types=", ".join(f"{name} {kind}" for name, kind in LEDGER_COLUMNS.items()),
)


class ServiceEntitlementConsumption(models.Model):
    """Append-only ledger of what service documents took from entitlements.

    A row is never edited nor deleted: giving terms back writes a reversal row
    that points at the row it reverses.  ``entitlement.used_terms`` is the sum
    of ``quantity`` over the ledger.
    """

    _name = "service.entitlement.consumption"
    _description = "Entitlement Consumption"
    _order = "date desc, id desc"
    # Rows are written by the ledger's own code only (``_record``).
    _flow_owned = True
    # The company of a row is its entitlement's (a related field): there is
    # nothing to check, and checking costs a query per batch of rows.

    entitlement_id = fields.Many2one(
        "service.entitlement",
        required=True,
        index=True,
        ondelete="cascade",
        readonly=True,
        check_company=True,
    )
    company_id = fields.Many2one(
        related="entitlement_id.company_id", store=True, index=True
    )
    partner_id = fields.Many2one(
        related="entitlement_id.partner_id", store=True, index=True, string="Customer"
    )
    allocation_type = fields.Selection(related="entitlement_id.allocation_type")
    date = fields.Datetime(
        required=True, default=fields.Datetime.now, readonly=True, index=True
    )
    user_id = fields.Many2one(
        "res.users", default=lambda self: self.env.user, readonly=True
    )
    kind = fields.Selection(
        [("consumption", "Consumption"), ("reversal", "Reversal")],
        required=True,
        default="consumption",
        readonly=True,
    )
    quantity = fields.Float(
        string="Terms Used",
        digits="Product Unit of Measure",
        readonly=True,
        help="Incidents or hours taken from the entitlement; negative on a reversal.",
    )
    overage_quantity = fields.Float(
        string="Overage",
        digits="Product Unit of Measure",
        readonly=True,
        help="What the document needed beyond the remaining terms.",
    )
    bill_overage = fields.Boolean(
        readonly=True,
        help="The overage of this consumption is billed to the customer.",
    )
    billing_line_ids = fields.One2many(
        "service.entitlement.billing.line", "consumption_id", readonly=True
    )
    reversed_id = fields.Many2one(
        "service.entitlement.consumption",
        string="Reverses",
        readonly=True,
        index="btree_not_null",
        ondelete="cascade",
    )
    reversal_ids = fields.One2many(
        "service.entitlement.consumption", "reversed_id", string="Reversed By"
    )
    repair_id = fields.Many2one(
        "repair.order",
        compute="_compute_repair_id",
        store=True,
        index="btree_not_null",
        string="Repair Order",
    )
    channel = fields.Selection(
        CHANNELS, readonly=True, help="How the document reached the service desk."
    )
    res_model = fields.Char(string="Document Model", readonly=True, index=True)
    res_id = fields.Many2oneReference(
        string="Document ID", model_field="res_model", readonly=True
    )
    cycle = fields.Integer(
        readonly=True,
        default=0,
        help="Technical: how many times the document was reset before this "
        "consumption. A document consumes at most once per cycle.",
    )
    note = fields.Char(readonly=True)
    waiver = fields.Selection(
        WAIVERS,
        string="Terms Not Used",
        readonly=True,
        index="btree_not_null",
        help="The document was covered without using the entitlement's terms: "
        "goodwill granted by the service desk, the re-repair of a repair "
        "still under its repair warranty, planned service, another "
        "warranty of the serial number that pays first, or a service campaign.",
    )
    reservation_id = fields.Integer(
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="Technical: the move of the entitlement's counters this row "
        "confirms (see service.entitlement.reservation).",
    )

    _sql_constraints = [
        (
            "consumption_once_per_cycle",
            "EXCLUDE (res_model WITH =, res_id WITH =, cycle WITH =) "
            "WHERE (kind = 'consumption' AND res_model IS NOT NULL)",
            "This document has already consumed its entitlement.",
        ),
        (
            "reversal_once",
            "UNIQUE (reversed_id)",
            "This consumption has already been reversed.",
        ),
        (
            "reversal_has_origin",
            "CHECK (kind = 'consumption' OR reversed_id IS NOT NULL)",
            "A reversal must point at the consumption it reverses.",
        ),
    ]

    @api.depends("res_model", "res_id")
    def _compute_repair_id(self):
        for rec in self:
            rec.repair_id = rec.res_id if rec.res_model == "repair.order" else False

    @api.depends("entitlement_id", "kind", "quantity")
    def _compute_display_name(self):
        kinds = dict(self._fields["kind"]._description_selection(self.env))
        for rec in self:
            rec.display_name = (
                f"{rec.entitlement_id.code or ''} {kinds.get(rec.kind, '')} "
                f"{rec.quantity:g}"
            ).strip()

    def _is_billable_overage(self):
        self.ensure_one()
        return self.bill_overage and self.overage_quantity > 0

    # ------------------------------------------------------------------
    # The ledger's API: the only ways terms move
    # ------------------------------------------------------------------

    @api.model
    def _record(self, vals_list):
        """Write ledger rows and let billing react to them: the way to record
        rows outside a document's flow (imports, scripts).  A document's
        flow writes through ``_consume`` and ``_reverse`` and calls billing
        itself, once (see models/entitlement_flow.py)."""
        rows = self._write(vals_list)
        with ledger_writer():
            self.env["service.entitlement.billing.line"]._sync_from_ledger(rows)
        return rows

    @api.model
    def _write(self, vals_list):
        """Write ledger rows: every row of the ledger goes through here.  Rows
        that do not come with the reservation of their terms (``_consume``
        makes one) move the entitlements' counters here, in one short
        transaction for the batch.  Billing is the caller's to call."""
        if isinstance(vals_list, dict):
            vals_list = [vals_list]
        vals_list = [dict(vals) for vals in vals_list]
        # Rows that use no terms (goodwill, re-repairs, their reversals) move
        # no counter: nothing to reserve.
        unreserved = [
            vals
            for vals in vals_list
            if not vals.get("reservation_id")
            and float_compare(vals.get("quantity", 0.0), 0.0, precision_digits=6)
        ]
        alerts = self.env["service.entitlement"]
        if unreserved:
            moved = self.env["service.entitlement.reservation"]._apply(
                [
                    (
                        vals["entitlement_id"],
                        vals.get("channel"),
                        vals.get("quantity", 0.0),
                    )
                    for vals in unreserved
                ]
            )
            for vals in unreserved:
                reservation_id, counters = moved[
                    (vals["entitlement_id"], vals.get("channel") or False)
                ]
                vals["reservation_id"] = reservation_id
                if counters["alert_set"]:
                    alerts |= alerts.browse(vals["entitlement_id"])
        # Every column is given: the stored related and computed fields would
        # otherwise cost an UPDATE of every row after the INSERT, and the
        # defaults a lookup per row.
        # sudo: a row's company and customer are its entitlement's, whoever writes it
        entitlements = (
            self.env["service.entitlement"]
            .sudo()
            .browse({vals["entitlement_id"] for vals in vals_list})
        )
        owners = {
            entitlement.id: (entitlement.company_id.id, entitlement.partner_id.id)
            for entitlement in entitlements
        }
        defaults = {
            "date": fields.Datetime.now(),
            "user_id": self.env.uid,
            "kind": "consumption",
            "quantity": 0.0,
            "overage_quantity": 0.0,
            "bill_overage": False,
            "reversed_id": False,
            "channel": False,
            "res_model": False,
            "res_id": False,
            "cycle": 0,
            "note": False,
            "waiver": False,
            "reservation_id": False,
        }
        vals_list = [
            {
                **defaults,
                "company_id": owners[vals["entitlement_id"]][0],
                "partner_id": owners[vals["entitlement_id"]][1],
                **vals,
            }
            for vals in vals_list
        ]
        for vals in vals_list:
            vals.setdefault(
                "repair_id",
                vals["res_id"] if vals["res_model"] == "repair.order" else False,
            )
        rows = self._insert(vals_list)
        self.env["service.entitlement.reservation"]._confirm(
            {vals["reservation_id"] for vals in vals_list if vals["reservation_id"]}
        )
        known = self._known_lives()
        for row, vals in zip(rows, vals_list, strict=True):
            if vals["res_model"]:
                live = row.id if vals["kind"] == "consumption" else False
                known[(vals["res_model"], vals["res_id"])] = (vals["cycle"], live)
        # sudo: technicians read entitlements only; the alert posts, plans an activity
        alerts.sudo()._send_threshold_alert()
        return rows

    def _insert(self, vals_list):
        """INSERT the rows in one statement and put them in the cache.

        The ledger is append-only and written only by ``_record``, with
        every column given: going through ``create`` would cost the ORM's
        conversions, defaults and recomputations row by row, several times
        the INSERT itself.  Extend ``_record``, not ``create``."""
        precision = self.env["decimal.precision"].precision_get(
            "Product Unit of Measure"
        )
        for vals in vals_list:
            for name in ("quantity", "overage_quantity"):
                vals[name] = float_round(vals[name], precision_digits=precision)
        payload = [
            {
                **{name: vals[name] or None for name in LEDGER_COLUMNS},
                "quantity": vals["quantity"],
                "overage_quantity": vals["overage_quantity"],
                "bill_overage": bool(vals["bill_overage"]),
                "cycle": vals["cycle"] or 0,
                "date": fields.Datetime.to_string(vals["date"]),
            }
            for vals in vals_list
        ]
        self.env.cr.execute(
            SQL(
                LEDGER_INSERT,
                self.env.uid,
                self.env.cr.now(),
                self.env.uid,
                self.env.cr.now(),
                json.dumps(payload),
            )
        )
        # sudo: the rows are the flow's, read back whoever's action wrote them
        rows = self.sudo().browse([row[0] for row in self.env.cr.fetchall()])
        cache = self.env.cache
        for name, kind in LEDGER_COLUMNS.items():
            field = self._fields[name]
            # In the cache's format: no record is None, as the ORM keeps it.
            if kind in ("float8", "bool", "timestamp"):
                values = [vals[name] for vals in vals_list]
            elif name == "cycle":
                values = [vals[name] or 0 for vals in vals_list]
            else:
                values = [vals[name] or None for vals in vals_list]
            cache.update(rows, field, values)
        rows.entitlement_id.invalidate_recordset(["consumption_ids"])
        rows.reversed_id.invalidate_recordset(["reversal_ids"])
        return rows

    @api.model
    def _known_lives(self):
        """{(document model, id): (cycle, id of its live consumption or
        False)}, as far as this transaction has read or written the ledger.

        Rows are written only by ``_record``, which keeps this up to date;
        it lives in the cursor's pre-commit data, which a commit, a rollback
        and a savepoint's rollback clear."""
        return self.env.cr.precommit.data.setdefault(
            "service_entitlement.live_consumptions", {}
        )

    @api.model
    def _consume(self, need):
        """Take what ``need`` (an entitlement_flow.Need) asks of its
        entitlement, applying the entitlement's limit policy to what exceeds
        its terms.

        The decision is taken on the entitlement's latest committed terms,
        under its lock, in a short transaction of its own (see
        service.entitlement.reservation): concurrent documents never take the
        same terms twice, and never fail on each other.  Returns the ledger
        row, or raises when the policy blocks the document.  Everything it
        knows of the document is in ``need``."""
        # sudo: whoever's document consumes, the terms and counters are the flow's
        entitlement = self.env["service.entitlement"].sudo().browse(need.entitlement_id)
        row_vals = {
            "channel": need.channel,
            "entitlement_id": entitlement.id,
            "res_model": need.res_model,
            "res_id": need.res_id,
            "cycle": need.cycle,
            "user_id": self.env.user.id,
        }
        if need.waiver:
            # Covered without using the terms: a zero row says why.
            return self._write(
                [
                    {
                        **row_vals,
                        "waiver": need.waiver["waiver"],
                        "note": need.waiver["note"],
                        "user_id": need.waiver["user_id"],
                    }
                ]
            )
        reservation_id, left, outcome, counters = self.env[
            "service.entitlement.reservation"
        ]._take(entitlement, need.channel, need.quantity, need.override)
        note = False
        if outcome.overage:
            note = self._limit_policy_note(entitlement, need, left, outcome)
        row = self._write(
            [
                {
                    **row_vals,
                    "bill_overage": outcome.billed,
                    "quantity": outcome.covered,
                    "overage_quantity": outcome.overage,
                    "note": note,
                    "reservation_id": reservation_id,
                }
            ]
        )
        if row.overage_quantity > 0:
            entitlement.message_post(body=row._overage_message(need.name))
        if counters["alert_set"]:
            entitlement._send_threshold_alert()
        return row

    @api.model
    def _limit_policy_note(self, entitlement, need, left, outcome):
        """The ledger's note on what the limit policy made of ``need`` when
        ``left`` was left (``outcome``: entitlement_policy.decide's), or the
        error that blocks the document.

        The one place where block, warn and bill are put in words; a block
        is lifted only by the override decision stored on the document."""
        unit = entitlement._unit_label()
        left, needed = f"{left:g}", f"{need.quantity:g}"
        extra = f"{outcome.overage:g}"
        if outcome.blocked:
            raise UserError(
                self.env._(
                    "%(entitlement)s has %(left)s %(unit)s left and %(doc)s "
                    "needs %(need)s: its policy blocks it. Choose another "
                    "entitlement, or ask an entitlement manager to override.",
                    entitlement=entitlement.display_name,
                    left=left,
                    unit=unit,
                    doc=need.name,
                    need=needed,
                )
            )
        if outcome.billed:
            entitlement._overage_product()
        if need.override:
            return self.env._(
                "Block overridden by %(user)s%(billed)s: %(reason)s",
                user=need.override["user_name"],
                billed=self.env._(", overage billed") if need.override["bill"] else "",
                reason=need.override["reason"],
            )
        if outcome.warned:
            return self.env._("Beyond the terms (warning)")
        return self.env._("Overage to bill: %(qty)s %(unit)s", qty=extra, unit=unit)

    def _overage_message(self, document_name):
        """The message that the row of ``document_name`` went beyond the
        terms: what it needed, what was left, and the ledger's note."""
        self.ensure_one()
        entitlement = self.entitlement_id
        need = f"{self.quantity + self.overage_quantity:g}"
        left = f"{self.quantity:g}"
        return self.env._(
            "%(doc)s needs %(need)s %(unit)s of %(entitlement)s, which had "
            "%(left)s left: %(note)s.",
            doc=document_name,
            need=need,
            unit=entitlement._unit_label(),
            entitlement=entitlement.display_name,
            left=left,
            note=self.note,
        )

    def _is_beyond_terms(self):
        """The row went beyond the terms without billing it: a warning, or a
        manager's override."""
        self.ensure_one()
        return self.overage_quantity > 0 and self.entitlement_id.limit_policy != "bill"

    @api.model
    def _reverse(self, consumptions, note=False):
        """Give back live consumptions: one reversal row each."""
        # sudo: whoever resets or cancels the document gives its terms back
        consumptions = consumptions.sudo()
        return self._write(
            [
                {
                    "entitlement_id": live.entitlement_id.id,
                    "kind": "reversal",
                    "reversed_id": live.id,
                    "quantity": -live.quantity,
                    "overage_quantity": -live.overage_quantity,
                    "res_model": live.res_model,
                    "res_id": live.res_id,
                    "cycle": live.cycle,
                    "channel": live.channel,
                    "note": note,
                    "waiver": live.waiver,
                    "user_id": self.env.user.id,
                }
                for live in consumptions
            ]
        )

    def write(self, vals):  # pylint: disable=method-required-super
        raise UserError(
            self.env._(
                "The entitlement ledger is append-only: a consumption cannot be "
                "changed. Reverse it instead."
            )
        )

    @api.ondelete(at_uninstall=False)
    def _unlink_never(self):
        raise UserError(
            self.env._(
                "The entitlement ledger is append-only: a consumption cannot be "
                "deleted. Reverse it instead."
            )
        )
