from dateutil.relativedelta import relativedelta

from odoo import SUPERUSER_ID, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL, format_date

from .ledger_guard import ledger_writer

# How far back finished repairs count towards a repeat failure.
REPEAT_FAILURE_MONTHS = 12


class RepairOrder(models.Model):
    """The repair's own warranty: finishing a repair gives it and its serial
    number a repair warranty, a repair within it is a free re-repair, and a
    serial number repaired too often is flagged as a repeat failure."""

    _inherit = "repair.order"

    # Found when the repair is created, in the statement that matches its
    # entitlements (_compute_entitlement_id), and by the flow from then on.
    rerepair_of_id = fields.Many2one(
        "repair.order",
        string="Re-repair of",
        compute="_compute_entitlement_id",
        store=True,
        readonly=False,
        precompute=True,
        copy=False,
        index="btree_not_null",
        tracking=True,
        domain="[('lot_id', '=', lot_id), ('state', '=', 'done'), "
        "('repair_warranty_end', '>=', schedule_date)]",
        help="The finished repair of the same serial number whose repair "
        "warranty covers this one: a re-repair is covered in full and uses no "
        "entitlement terms.",
    )

    lot_repair_count = fields.Integer(
        string="Earlier Repairs",
        compute="_compute_entitlement_id",
        store=True,
        precompute=True,
        copy=False,
        readonly=True,
        help="Finished repairs of the same serial number in the 12 months "
        "before this one.",
        flow_only=True,
    )

    finished_date = fields.Date(
        string="Finished On",
        copy=False,
        readonly=True,
        help="When the repair was ended; its repair warranty starts here.",
        flow_only=True,
    )

    repair_warranty_end = fields.Date(
        string="Repair Warranty Until",
        copy=False,
        readonly=True,
        help="A new repair of the same serial number until this date is a "
        "re-repair, covered in full.",
        flow_only=True,
    )

    # Not tracked on the repair (a related field takes the serial number's
    # tracking, and would read the serial number at every write).
    lot_repeat_failure = fields.Boolean(
        related="lot_id.repeat_failure", string="Repeat Failure", tracking=False
    )

    def _compute_entitlement_id(self):
        """The entitlement, and the repair a new draft of a serial number
        redoes: the serial number's finished repairs are read in the
        statement that matches the entitlements."""
        for repair in self:
            along = repair._rerepair_sql()
            repair.entitlement_id, rows = repair._entitlement_best(along)
            if along is None:
                repair.rerepair_of_id, repair.lot_repair_count = False, 0
                continue
            date = repair._entitlement_get_date()
            if rows is None:
                # No match ran (no customer): the same statement on its own.
                rows = self.env.execute_query(along)[0][0]
            repair.rerepair_of_id, repair.lot_repair_count = repair._rerepair_pick(
                [
                    (row_id, fields.Date.to_date(finished), fields.Date.to_date(end))
                    for row_id, finished, end in rows
                ],
                date,
            )

    def _rerepair_sql(self):
        """SQL of the finished repairs of the draft's serial number that may
        make it a re-repair or count towards a repeat failure, as JSON
        [[id, finished on, repair warranty end]], latest first; None when
        the repair looks for none."""
        self.ensure_one()
        if self._entitlement_bypassed() or self.state != "draft" or not self.lot_id:
            return None
        self.env["repair.order"].flush_model(
            ["lot_id", "state", "finished_date", "repair_warranty_end"]
        )
        date = self._entitlement_get_date()
        return SQL(
            "SELECT COALESCE(json_agg(json_build_array(r.id, r.finished_date, "
            "r.repair_warranty_end) ORDER BY r.finished_date DESC, r.id DESC), "
            "'[]') FROM repair_order r WHERE r.lot_id = %s AND r.state = 'done' "
            "AND r.id <> ALL(%s) AND (r.finished_date >= %s "
            "OR r.repair_warranty_end >= %s)",
            self.lot_id._origin.id,
            self._origin.ids,
            date - relativedelta(months=REPEAT_FAILURE_MONTHS),
            date,
        )

    def _rerepair_pick(self, rows, date):
        """(the repair it redoes or an empty recordset, the number of
        finished repairs of the last 12 months) of a repair of ``date``,
        from its serial number's finished repairs ``rows`` [(id, finished
        on, repair warranty end)], latest first: the latest whose repair
        warranty covers the date."""
        since = date - relativedelta(months=REPEAT_FAILURE_MONTHS)
        redone = next((row_id for row_id, __, end in rows if end and end >= date), None)
        # A repair finished before the add-on kept its finish date
        # (imported, or done before install) counts as not recent.
        count = sum(1 for __, finished, __ in rows if finished and finished >= since)
        return self.env["repair.order"].browse(redone or ()), count

    def _rerepair_matches(self):
        """{repair: (the repair it redoes or an empty recordset, the serial
        number's finished repairs of the last 12 months)}: the latest
        finished repair of the same serial number whose repair warranty
        covers the repair's date.  One query for all the repairs."""
        Repair = self.env["repair.order"]
        dates = {
            repair: repair._entitlement_get_date() for repair in self if repair.lot_id
        }
        matches = {repair: (Repair, 0) for repair in self}
        if not dates:
            return matches
        earliest = min(dates.values())
        since = earliest - relativedelta(months=REPEAT_FAILURE_MONTHS)
        # sudo: the serial's earlier repairs count, whatever the creator may read
        earlier = (
            Repair.sudo()
            .search_fetch(
                [
                    ("lot_id", "in", [repair.lot_id._origin.id for repair in dates]),
                    ("state", "=", "done"),
                    ("id", "not in", self._origin.ids),
                    "|",
                    ("finished_date", ">=", since),
                    ("repair_warranty_end", ">=", earliest),
                ],
                ["lot_id", "finished_date", "repair_warranty_end"],
                order="finished_date desc, id desc",
            )
            .grouped("lot_id")
        )
        for repair, date in dates.items():
            done = earlier.get(repair.lot_id._origin, Repair)
            matches[repair] = repair._rerepair_pick(
                [(d.id, d.finished_date, d.repair_warranty_end) for d in done], date
            )
        return matches

    def _rerepair_rematch(self):
        """Link draft repairs to the repair they redo, as their serial
        number and date say (the add-on's own write: no tracking needed)."""
        if self._entitlement_bypassed():
            return
        drafts = self.filtered(lambda r: r.state == "draft")
        for repair, (redone, count) in drafts._rerepair_matches().items():
            vals = {}
            if redone != repair.rerepair_of_id:
                vals["rerepair_of_id"] = redone.id
            if count != repair.lot_repair_count:
                vals["lot_repair_count"] = count
            if vals:
                with ledger_writer():
                    repair.write(vals)

    @api.onchange("lot_id", "schedule_date")
    def _onchange_rerepair(self):
        if self.state == "draft":
            redone, count = self._rerepair_matches()[self]
            self.rerepair_of_id = redone
            self.lot_repair_count = count

    @api.constrains("rerepair_of_id")
    def _check_rerepair_of(self):
        for repair in self.filtered("rerepair_of_id"):
            # sudo: the redone repair is checked whatever the writer may read of it
            redone = repair.rerepair_of_id.sudo()
            if redone == repair:
                raise ValidationError(
                    self.env._("A repair cannot be a re-repair of itself.")
                )
            if not repair.lot_id or redone.lot_id != repair.lot_id:
                raise ValidationError(
                    self.env._(
                        "%(repair)s can only redo a repair of its own serial "
                        "number: %(redone)s repaired %(lot)s.",
                        repair=repair.display_name,
                        redone=redone.display_name,
                        lot=redone.lot_id.name or self.env._("no serial number"),
                    )
                )
            if redone.state != "done" or not redone.repair_warranty_end:
                raise ValidationError(
                    self.env._(
                        "%(redone)s is not finished: only a finished repair "
                        "carries a repair warranty.",
                        redone=redone.display_name,
                    )
                )
            date = repair._entitlement_get_date()
            if date > redone.repair_warranty_end:
                raise ValidationError(
                    self.env._(
                        "The repair warranty of %(redone)s ended on %(end)s: "
                        "%(repair)s of %(date)s is not a re-repair.",
                        redone=redone.display_name,
                        end=format_date(self.env, redone.repair_warranty_end),
                        repair=repair.display_name,
                        date=format_date(self.env, date),
                    )
                )

    def _rerepair_check_write(self, vals):
        if "rerepair_of_id" not in vals:
            return
        if any(
            repair.state != "draft"
            and repair.rerepair_of_id.id != (vals["rerepair_of_id"] or False)
            for repair in self
        ):
            raise UserError(
                self.env._(
                    "Re-repair of can only change while the repair is a "
                    "draft: it decides what the repair used."
                )
            )

    def _rerepair_written(self, vals):
        """A new serial number or date may make the repair a re-repair (or
        no longer one)."""
        if "rerepair_of_id" in vals:
            self._entitlement_invalidate()
        elif {"lot_id", "schedule_date"} & set(vals):
            self._rerepair_rematch()

    def _repair_warranty_days(self):
        self.ensure_one()
        return (
            self.product_id.product_tmpl_id.repair_warranty_days
            or self.company_id.repair_warranty_days
        )

    def _start_repair_warranty(self):
        """Give each finished repair its repair warranty, and flag the serial
        numbers repaired too often."""
        today = fields.Date.context_today(self)
        with ledger_writer():
            for repair in self:
                days = repair._repair_warranty_days()
                repair.write(
                    {
                        "finished_date": today,
                        "repair_warranty_end": (
                            today + relativedelta(days=days) if days else False
                        ),
                    }
                )
        for repair in self.filtered("lot_id"):
            # What the repair counted when it was created, and this one: only
            # a serial number that may have reached the limit is counted again.
            limit = repair.company_id.repeat_failure_count
            if limit and repair.lot_repair_count + 1 >= limit:
                repair._flag_repeat_failure(limit)

    def _flag_repeat_failure(self, limit):
        self.ensure_one()
        # sudo: whoever closes the repair flags the serial and asks a manager on it
        lot = self.lot_id.sudo()
        if lot.repeat_failure:
            return
        since = fields.Date.context_today(self) - relativedelta(
            months=REPEAT_FAILURE_MONTHS
        )
        # sudo: every finished repair of the serial counts, whatever the closer reads
        count = self.sudo().search_count(
            [
                ("lot_id", "=", lot.id),
                ("state", "=", "done"),
                ("finished_date", ">=", since),
            ]
        )
        if count < limit:
            return
        with ledger_writer():
            lot.repeat_failure = True
        message = self.env._(
            "%(lot)s was repaired %(count)s times in %(months)s months (latest: "
            "%(repair)s): propose a replacement to the customer.",
            lot=lot.display_name,
            count=count,
            months=REPEAT_FAILURE_MONTHS,
            repair=self.name,
        )
        lot.message_post(body=message)
        lot.activity_schedule(
            "mail.mail_activity_data_todo",
            summary=self.env._("Repeat failure: propose a replacement"),
            note=message,
            user_id=self._repeat_failure_responsible().id,
        )

    def _repeat_failure_responsible(self):
        """Who is asked to propose a replacement: the responsible of the
        repair's entitlement if a manager, else the first entitlement
        manager of the company."""
        self.ensure_one()
        managers = self.env.ref("service_entitlement.group_entitlement_manager").users
        responsible = self._entitlement_terms().user_id
        if responsible in managers:
            return responsible
        company_managers = managers.filtered(
            lambda user: self.company_id in user.company_ids and not user.share
        )
        return company_managers.sorted("id")[:1] or self.env.user

    # ------------------------------------------------------------------
    # Blocked serial numbers
    # ------------------------------------------------------------------

    @api.model
    def _service_block_check(self, lots):
        """Serial numbers blocked for everything get no repair; an
        entitlement manager (or the superuser's scripts) may open one anyway:
        those serial numbers are returned, to be logged on the repairs."""
        blocked = lots.filtered(lambda lot: lot.service_blocked == "all")
        if (
            blocked
            and self.env.uid != SUPERUSER_ID
            and not self.env.user.has_group(
                "service_entitlement.group_entitlement_manager"
            )
        ):
            blocked._check_service_blocked("all", self.env._("a repair"))
        return blocked

    def _service_block_log(self, blocked):
        for repair in self.filtered(lambda r: r.lot_id and r.lot_id in blocked):
            repair.message_post(
                body=self.env._(
                    "Serial number %(lot)s is blocked for everything: this repair "
                    "was opened by %(user)s anyway.",
                    lot=repair.lot_id.name,
                    user=self.env.user.name,
                )
            )
