from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.osv import expression


class RepairOrder(models.Model):
    """Service levels of a repair: response and resolution deadlines from the
    entitlement's targets, in the company's working hours."""

    _inherit = "repair.order"

    sla_start = fields.Datetime(
        string="Received",
        default=fields.Datetime.now,
        copy=False,
        help="When the request reached the service desk; service level "
        "deadlines count from here.",
    )
    sla_response_deadline = fields.Datetime(
        string="Respond By",
        compute="_compute_sla_deadlines",
        store=True,
        help="From the entitlement's response time, in working hours.",
    )
    sla_resolution_deadline = fields.Datetime(
        string="Resolve By",
        compute="_compute_sla_deadlines",
        store=True,
        index="btree_not_null",
    )
    sla_responded_at = fields.Datetime(string="Responded", copy=False, readonly=True)
    sla_resolved_at = fields.Datetime(string="Resolved", copy=False, readonly=True)
    sla_missed = fields.Boolean(
        copy=False,
        readonly=True,
        help="Responded or resolved after the deadline.",
    )
    sla_status = fields.Selection(
        [
            ("none", "No target"),
            ("on_track", "On track"),
            ("at_risk", "At risk"),
            ("breached", "Breached"),
            ("met", "Met"),
        ],
        string="Service Level",
        compute="_compute_sla_status",
        search="_search_sla_status",
    )

    @api.depends("entitlement_id", "sla_start")
    def _compute_sla_deadlines(self):
        for repair in self:
            entitlement = repair.entitlement_id.sudo()
            start = repair.sla_start or fields.Datetime.now()
            calendar = repair.company_id.resource_calendar_id
            repair.sla_response_deadline = repair._sla_deadline(
                calendar, entitlement.response_hours, start
            )
            repair.sla_resolution_deadline = repair._sla_deadline(
                calendar, entitlement.resolution_hours, start
            )

    @api.model
    def _sla_deadline(self, calendar, hours, start):
        if not hours:
            return False
        if not calendar:
            return start + relativedelta(hours=hours)
        return calendar.plan_hours(hours, start, compute_leaves=True)

    @api.model
    def _sla_risk_window(self):
        """Open deadlines within this many hours are at risk."""
        return 8

    def _compute_sla_status(self):
        now = fields.Datetime.now()
        soon = now + relativedelta(hours=self._sla_risk_window())
        for repair in self:
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
            elif repair.sla_missed or any(d < now for d in pending):
                repair.sla_status = "breached"
            elif not pending:
                repair.sla_status = "met"
            elif any(d < soon for d in pending):
                repair.sla_status = "at_risk"
            else:
                repair.sla_status = "on_track"

    def _search_sla_status(self, operator, value):
        if operator not in ("=", "in") or not value:
            raise UserError(self.env._("Unsupported search on the service level."))
        values = [value] if operator == "=" else list(value)
        now = fields.Datetime.now()
        soon = now + relativedelta(hours=self._sla_risk_window())
        overdue = [
            "|",
            "&",
            ("sla_responded_at", "=", False),
            ("sla_response_deadline", "<", now),
            "&",
            ("sla_resolved_at", "=", False),
            ("sla_resolution_deadline", "<", now),
        ]
        breached = ["|", ("sla_missed", "=", True), *overdue]
        at_risk = [
            "&",
            "!",
            *breached,
            "|",
            "&",
            ("sla_responded_at", "=", False),
            ("sla_response_deadline", "<", soon),
            "&",
            ("sla_resolved_at", "=", False),
            ("sla_resolution_deadline", "<", soon),
        ]
        domains = {"breached": breached, "at_risk": at_risk}
        unsupported = set(values) - set(domains)
        if unsupported:
            raise UserError(
                self.env._("Only breached and at-risk repairs can be searched.")
            )
        return expression.OR([domains[v] for v in values])

    def _sla_record(self, field, deadline_field, target_field):
        """Note when the repair was answered or resolved, and whether late.
        Only repairs whose entitlement sets that target are looked at."""
        now = fields.Datetime.now()
        targeted = self.filtered(lambda r: r.entitlement_id.sudo()[target_field])
        for repair in targeted.filtered(
            lambda r, f=field: r[deadline_field] and not r[f]
        ):
            late = bool(repair[deadline_field] and now > repair[deadline_field])
            repair.write({field: now, "sla_missed": repair.sla_missed or late})

    def _action_repair_confirm(self):
        res = super()._action_repair_confirm()
        self._sla_record("sla_responded_at", "sla_response_deadline", "response_hours")
        return res

    def action_repair_done(self):
        res = super().action_repair_done()
        self._sla_record("sla_responded_at", "sla_response_deadline", "response_hours")
        self._sla_record(
            "sla_resolved_at", "sla_resolution_deadline", "resolution_hours"
        )
        return res
