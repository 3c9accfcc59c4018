from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import SQL

from .ledger_guard import ledger_writer
from .notify import dialog
from .repair_order_hold import HOLD_REASONS


class RepairOrder(models.Model):
    """Service levels of a repair: response and resolution deadlines from the
    entitlement's targets, in the company's working hours."""

    _inherit = "repair.order"

    sla_start = fields.Datetime(
        string="Received",
        default=fields.Datetime.now,
        copy=False,
        # The desk says when the request came in until the repair is
        # confirmed; from then on its deadlines count from it.
        flow_only=[("state", "!=", "draft")],
        help="When the request reached the service desk; service level "
        "deadlines count from here.",
    )
    sla_response_deadline = fields.Datetime(
        string="Respond By",
        compute="_compute_sla_deadlines",
        store=True,
        precompute=True,
        help="From the entitlement's response time, in working hours.",
    )
    sla_resolution_deadline = fields.Datetime(
        string="Resolve By",
        compute="_compute_sla_deadlines",
        store=True,
        precompute=True,
        index="btree_not_null",
    )
    sla_responded_at = fields.Datetime(
        string="Responded",
        copy=False,
        readonly=True,
        flow_only=True,
    )
    sla_resolved_at = fields.Datetime(
        string="Resolved",
        copy=False,
        readonly=True,
        flow_only=True,
    )
    sla_missed = fields.Boolean(
        copy=False,
        readonly=True,
        help="Responded or resolved after the deadline.",
        flow_only=True,
    )
    hold_ids = fields.One2many("repair.order.hold", "repair_id", string="Holds")
    sla_hold_since = fields.Datetime(
        string="On Hold Since",
        copy=False,
        readonly=True,
        help="The repair is on hold: its service level clocks stopped here.",
        flow_only=True,
    )
    sla_held_hours = fields.Float(
        string="Working Hours On Hold",
        copy=False,
        readonly=True,
        help="Working hours the repair spent on hold: its resolution deadline "
        "moved by as much.",
        flow_only=True,
    )
    sla_held_response_hours = fields.Float(
        string="Working Hours On Hold Before the Response",
        copy=False,
        readonly=True,
        help="Working hours on hold before the repair was answered: its "
        "response deadline moved by as much.",
        flow_only=True,
    )
    sla_status = fields.Selection(
        [
            ("none", "No target"),
            ("on_hold", "On hold"),
            ("on_track", "On track"),
            ("at_risk", "At risk"),
            ("breached", "Breached"),
            ("met", "Met"),
        ],
        string="Service Level",
        compute="_compute_sla_status",
        search="_search_sla_status",
    )

    @api.constrains("sla_start")
    def _check_sla_start(self):
        # A minute's leeway for the clocks of the browser and the server.
        latest = fields.Datetime.now() + relativedelta(minutes=1)
        for repair in self:
            if repair.sla_start and repair.sla_start > latest:
                raise ValidationError(
                    self.env._(
                        "%(repair)s cannot be received in the future.",
                        repair=repair.display_name,
                    )
                )

    # The targets follow the terms: the entitlement's hours, the response
    # time of the contract line of the repaired item, the company calendar.
    # (What was missed is recorded by the flow, in sla_missed, and stays.)
    @api.depends(
        "entitlement_id.response_hours",
        "entitlement_id.resolution_hours",
        "entitlement_id.entitlement_type",
        "entitlement_id.contract_line_ids.response_hours",
        "entitlement_id.contract_line_ids.lot_id",
        "entitlement_id.contract_line_ids.product_id",
        "entitlement_id.contract_line_ids.date_start",
        "entitlement_id.contract_line_ids.date_end",
        "company_id.resource_calendar_id",
        "lot_id",
        "product_id",
        "sla_start",
        "sla_held_hours",
        "sla_held_response_hours",
    )
    def _compute_sla_deadlines(self):
        """Deadlines count working hours from when the request came in, and
        move by the working hours the repair spent on hold (only the holds
        before the response move the response deadline)."""
        using = self._service_using("sla")
        for repair in self:
            if repair not in using:
                repair.sla_response_deadline = repair.sla_resolution_deadline = False
                continue
            response = repair._sla_target_hours("response_hours")
            resolution = repair._entitlement_terms().resolution_hours
            if not (response or resolution):
                # No target: no deadline, nothing of the calendar to read.
                repair.sla_response_deadline = repair.sla_resolution_deadline = False
                continue
            start = repair.sla_start or fields.Datetime.now()
            calendar = repair.company_id.resource_calendar_id
            repair.sla_response_deadline = repair._sla_deadline(
                calendar, response, start, repair.sla_held_response_hours
            )
            repair.sla_resolution_deadline = repair._sla_deadline(
                calendar, resolution, start, repair.sla_held_hours
            )

    def _sla_target_hours(self, target_field):
        """The entitlement's target, or the response time that the service
        contract's line of the repaired item sets instead."""
        self.ensure_one()
        entitlement = self._entitlement_terms()
        if (
            target_field == "response_hours"
            and entitlement.entitlement_type == "service_contract"
            and entitlement.contract_line_ids
        ):
            lines = entitlement.contract_line_ids.filtered(
                lambda line: line.response_hours and line.in_force
            )
            line = (
                lines.filtered(lambda line: line.lot_id == self.lot_id)[:1]
                or (
                    lines.filtered(
                        lambda line: (
                            not line.lot_id and line.product_id == self.product_id
                        )
                    )[:1]
                )
            )
            if line:
                return line.response_hours
        return entitlement[target_field]

    @api.model
    def _sla_deadline(self, calendar, hours, start, held=0.0):
        if not hours:
            return False
        if not calendar:
            return start + relativedelta(hours=hours + held)
        return calendar.plan_hours(hours + held, start, compute_leaves=True)

    def _sla_working_hours(self, start, end):
        """Working hours of the repair's company calendar between two
        moments (all hours without a calendar)."""
        self.ensure_one()
        calendar = self.company_id.resource_calendar_id
        if not calendar:
            return (end - start).total_seconds() / 3600.0
        return calendar.get_work_duration_data(start, end, compute_leaves=True)["hours"]

    @api.model
    def _sla_risk_window(self):
        """Open deadlines within this many hours are at risk."""
        return 8

    def _compute_sla_status(self):
        now = fields.Datetime.now()
        soon = now + relativedelta(hours=self._sla_risk_window())
        for repair in self:
            # On hold, the clocks stopped when the repair was put on hold.
            clock = repair.sla_hold_since or now
            pending = [
                deadline
                for deadline, done in (
                    (repair.sla_response_deadline, repair.sla_responded_at),
                    (repair.sla_resolution_deadline, repair.sla_resolved_at),
                )
                if deadline and not done
            ]
            if not (repair.sla_response_deadline or repair.sla_resolution_deadline):
                repair.sla_status = "none"
            elif repair.sla_missed or any(d < clock for d in pending):
                repair.sla_status = "breached"
            elif not pending:
                repair.sla_status = "met"
            elif repair.sla_hold_since:
                repair.sla_status = "on_hold"
            elif any(d < soon for d in pending):
                repair.sla_status = "at_risk"
            else:
                repair.sla_status = "on_track"

    def _search_sla_status(self, operator, value):
        """Breached, at-risk and on-hold repairs, as ``_compute_sla_status``
        tells them: the deadlines are compared with when the repair was put
        on hold, if it is, else with now."""
        if operator not in ("=", "in") or not value:
            raise UserError(self.env._("Unsupported search on the service level."))
        values = [value] if operator == "=" else list(value)
        now = fields.Datetime.now()
        soon = now + relativedelta(hours=self._sla_risk_window())

        def past(moment):
            return SQL(
                """COALESCE(
                       (r.sla_responded_at IS NULL AND r.sla_response_deadline < %s)
                       OR (r.sla_resolved_at IS NULL
                           AND r.sla_resolution_deadline < %s), FALSE)""",
                moment,
                moment,
            )

        clock = SQL("COALESCE(r.sla_hold_since, %s)", now)
        breached = SQL("(COALESCE(r.sla_missed, FALSE) OR %s)", past(clock))
        conditions = {
            "breached": breached,
            "at_risk": SQL(
                "(NOT %s AND r.sla_hold_since IS NULL AND %s)", breached, past(soon)
            ),
            "on_hold": SQL(
                """(NOT %s AND r.sla_hold_since IS NOT NULL
                    AND (r.sla_response_deadline IS NOT NULL
                         OR r.sla_resolution_deadline IS NOT NULL))""",
                breached,
            ),
        }
        unsupported = set(values) - set(conditions)
        if unsupported:
            raise UserError(
                self.env._(
                    "Only breached, at-risk and on-hold repairs can be searched."
                )
            )
        self.flush_model(
            [
                "sla_missed",
                "sla_hold_since",
                "sla_responded_at",
                "sla_resolved_at",
                "sla_response_deadline",
                "sla_resolution_deadline",
            ]
        )
        return [
            (
                "id",
                "in",
                SQL(
                    "(SELECT r.id FROM repair_order r WHERE %s)",
                    SQL(" OR ").join(conditions[v] for v in values),
                ),
            )
        ]

    # ------------------------------------------------------------------
    # On hold
    # ------------------------------------------------------------------

    def _sla_can_hold(self):
        user = self.env.user
        return user.has_group("service_entitlement.group_service_desk") or (
            user.has_group("service_entitlement.group_technician")
        )

    def action_sla_hold(self):
        """Open the wizard that asks why the repair waits."""
        self.ensure_one()
        self._sla_check_hold()
        return dialog(
            "repair.order.hold.wizard",
            self.env._("Put On Hold"),
            default_repair_id=self.id,
        )

    def _sla_check_hold(self, on_hold=False):
        """Whether the user may put these repairs on hold or resume them,
        and they are open (and, unless ``on_hold``, not on hold yet)."""
        if not self._sla_can_hold():
            raise AccessError(
                self.env._(
                    "Only the service desk and technicians can put a repair on "
                    "hold or resume it."
                )
            )
        for repair in self:
            if repair.state in ("done", "cancel"):
                raise UserError(
                    self.env._(
                        "%(repair)s is closed: it cannot be put on hold.",
                        repair=repair.display_name,
                    )
                )
            if repair.sla_hold_since and not on_hold:
                raise UserError(
                    self.env._(
                        "%(repair)s is already on hold.", repair=repair.display_name
                    )
                )

    def _sla_put_on_hold(self, reason_type, reason):
        """Stop the repairs' service level clocks: waiting for the customer,
        for parts or for a third party, and why."""
        self._sla_check_hold()
        reason = (reason or "").strip()
        if not reason:
            raise UserError(self.env._("Say why the repair is on hold."))
        if reason_type not in dict(HOLD_REASONS):
            raise UserError(self.env._("Say what the repair is waiting for."))
        now = fields.Datetime.now()
        with ledger_writer():
            # sudo: holds are the flow's; the desk or a technician pausing records one
            self.env["repair.order.hold"].sudo().create(
                [
                    {
                        "repair_id": repair.id,
                        "reason_type": reason_type,
                        "reason": reason,
                        "user_id": self.env.user.id,
                        "date_start": now,
                    }
                    for repair in self
                ]
            )
            # sudo: sla_hold_since is flow-only; putting on hold stops the clocks
            self.sudo().write({"sla_hold_since": now})
        label = dict(
            self.env["repair.order.hold"]
            ._fields["reason_type"]
            ._description_selection(self.env)
        )[reason_type]
        for repair in self:
            repair.message_post(
                body=self.env._(
                    "On hold (%(what)s): %(reason)s. The service level clocks "
                    "are stopped.",
                    what=label,
                    reason=reason,
                )
            )

    def action_sla_resume(self):
        """Start the clocks again: the deadlines move by the working hours
        spent on hold."""
        if not self._sla_can_hold():
            raise AccessError(
                self.env._(
                    "Only the service desk and technicians can put a repair on "
                    "hold or resume it."
                )
            )
        held = self.filtered("sla_hold_since")
        if not held:
            raise UserError(self.env._("The repair is not on hold."))
        held._sla_resume()
        return True

    def _sla_resume(self):
        now = fields.Datetime.now()
        # sudo: holds are the flow's; resuming ends the open ones, whoever resumes
        holds = self.sudo().hold_ids.filtered(lambda h: not h.date_end)
        with ledger_writer():
            holds.write({"date_end": now})
            # sudo: the held hours are flow-only; resuming adds the hold's to them
            for repair in self.sudo():
                mine = holds.filtered(lambda h, r=repair: h.repair_id == r)
                before_response = mine.filtered(
                    lambda h, r=repair: (
                        not r.sla_responded_at or h.date_start < r.sla_responded_at
                    )
                )
                repair.write(
                    {
                        "sla_hold_since": False,
                        "sla_held_hours": repair.sla_held_hours
                        + sum(mine.mapped("working_hours")),
                        "sla_held_response_hours": repair.sla_held_response_hours
                        + sum(before_response.mapped("working_hours")),
                    }
                )
        for repair in self:
            hours = sum(
                holds.filtered(lambda h, r=repair: h.repair_id == r).mapped(
                    "working_hours"
                )
            )
            hours_text = f"{hours:.2f}"
            repair.message_post(
                body=self.env._(
                    "Resumed after %(hours)s working hours on hold; the service "
                    "level deadlines moved by as much.",
                    hours=hours_text,
                )
            )

    def _sla_record(self, field, deadline_field, target_field):
        """Note when the repair was answered or resolved, and whether late.
        Only repairs whose entitlement sets that target are looked at."""
        now = fields.Datetime.now()
        # The repair's own deadline first: one without any reads no terms.
        pending = self.filtered(lambda r, f=field: r[deadline_field] and not r[f])
        for repair in pending.filtered(lambda r: r._sla_target_hours(target_field)):
            late = bool(repair[deadline_field] and now > repair[deadline_field])
            with ledger_writer():
                repair.write({field: now, "sla_missed": repair.sla_missed or late})

    def _sla_record_response(self):
        self._sla_record("sla_responded_at", "sla_response_deadline", "response_hours")

    def _sla_record_resolution(self):
        self._sla_record(
            "sla_resolved_at", "sla_resolution_deadline", "resolution_hours"
        )
