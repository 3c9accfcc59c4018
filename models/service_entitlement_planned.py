from datetime import datetime, time, timedelta

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools.misc import format_date

SERVICE_PERIOD_UNITS = [("weeks", "Weeks"), ("months", "Months")]
PLANNED_NEXT_ON = [
    ("created", "When the repair is made"),
    ("done", "When the repair is done"),
]
# At most this many planned repairs of one line in one run: a bound, not a
# business rule (two years of weekly service).
MAX_PLANNED_PER_RUN = 104


class ServiceEntitlement(models.Model):
    """Planned service from contracts (Business Central's Create Contract
    Service Orders): the contract says how far ahead its planned repairs are
    made, when a line's next planned date moves, and whether planned repairs
    use the contract's terms."""

    _inherit = "service.entitlement"

    planned_horizon_days = fields.Integer(
        string="Plan Repairs Days Ahead",
        default=30,
        tracking=True,
        help="Planned repairs of this contract are made at most this many "
        "days before their date (Business Central's maximum days ahead).",
    )
    planned_next_on = fields.Selection(
        PLANNED_NEXT_ON,
        string="Next Planned Service",
        required=True,
        default="created",
        tracking=True,
        help="When a line's next planned service date moves on by its "
        "service period: when its planned repair is made, or only once it is "
        "done (the next one is then made after the last one is finished).",
    )
    planned_use_terms = fields.Boolean(
        string="Planned Repairs Use Terms",
        tracking=True,
        help="Planned repairs use the contract's incidents or hours like any "
        "repair; otherwise they are covered without using them.",
    )

    planned_suspend_days = fields.Integer(
        string="Suspend When Planned Service Is Overdue By",
        tracking=True,
        help="Days: coverage of a serial number is suspended while its planned "
        "service is overdue by more than this (its planned repair not done); "
        "zero: never. Planned repairs themselves stay covered.",
    )

    @api.constrains("planned_horizon_days", "planned_suspend_days")
    def _check_planned_horizon_days(self):
        for rec in self:
            if rec.planned_horizon_days < 0:
                raise ValidationError(
                    self.env._(
                        "%(name)s cannot plan repairs a negative number of days ahead.",
                        name=rec.display_name,
                    )
                )
            if rec.planned_suspend_days < 0:
                raise ValidationError(
                    self.env._(
                        "%(name)s cannot suspend coverage after a negative number "
                        "of days.",
                        name=rec.display_name,
                    )
                )

    def _planned_suspension(self, lot, day):
        """(contract line, overdue since) when the planned service of ``lot``
        under this contract is overdue on ``day`` by more than the contract's
        suspension days; None otherwise."""
        self.ensure_one()
        if not (
            self.entitlement_type == "service_contract"
            and self.planned_suspend_days
            and lot
            and day
        ):
            return None
        # sudo: the verdict reads every line of the contract, whoever asks
        for line in self.sudo().contract_line_ids:
            if line.lot_id != lot or not line.service_period:
                continue
            since = line._planned_overdue_since()
            if since and since + timedelta(days=self.planned_suspend_days) < day:
                return line, since
        return None


class ServiceEntitlementContractLine(models.Model):
    _inherit = "service.entitlement.contract.line"

    service_period = fields.Integer(
        compute="_compute_service_period",
        store=True,
        readonly=False,
        precompute=True,
        help="Planned service every so many weeks or months; zero: none. "
        "A serial number's line takes its contract's by default.",
    )
    service_period_unit = fields.Selection(
        SERVICE_PERIOD_UNITS,
        compute="_compute_service_period",
        store=True,
        readonly=False,
        precompute=True,
    )
    next_planned_date = fields.Date(
        string="Next Planned Service",
        compute="_compute_next_planned_date",
        store=True,
        readonly=False,
        precompute=True,
        help="The date of the next planned repair of this line's serial "
        "number (by default one service period after the line starts); it "
        "moves on by the service period.",
    )
    planned_repair_ids = fields.One2many(
        "repair.order", "contract_line_id", string="Planned Repairs", readonly=True
    )

    @api.depends("lot_id", "entitlement_id")
    def _compute_service_period(self):
        for line in self:
            contract = line.entitlement_id
            if not line.service_period and line.lot_id:
                line.service_period = contract.planned_service_period
            if not line.service_period_unit:
                line.service_period_unit = contract.planned_service_unit or "months"

    @api.depends("service_period", "service_period_unit", "date_start")
    def _compute_next_planned_date(self):
        for line in self:
            if line.service_period and line.date_start and not line.next_planned_date:
                line.next_planned_date = line._next_planned_after(line.date_start)

    @api.constrains("service_period", "next_planned_date", "lot_id")
    def _check_service_period(self):
        for line in self:
            if line.service_period < 0:
                raise ValidationError(
                    self.env._(
                        "The service period of %(line)s cannot be negative.",
                        line=line.name,
                    )
                )
            if line.service_period and not line.lot_id:
                raise ValidationError(
                    self.env._(
                        "%(line)s covers a product, not a serial number: planned "
                        "service is for the lines of serial numbers.",
                        line=line.name,
                    )
                )
            if line.service_period and not line.next_planned_date:
                raise ValidationError(
                    self.env._(
                        "%(line)s has a service period: give it its next planned "
                        "service date.",
                        line=line.name,
                    )
                )

    def _next_planned_after(self, day):
        self.ensure_one()
        if self.service_period_unit == "weeks":
            return day + relativedelta(weeks=self.service_period)
        return day + relativedelta(months=self.service_period)

    def _planned_overdue_since(self):
        """The first planned service date of the line still to do: its
        planned repairs not done (nor cancelled), or its next planned date."""
        self.ensure_one()
        dates = [
            repair.planned_date
            # sudo: every planned repair of the line counts, whatever the asker reads
            for repair in self.sudo().planned_repair_ids
            if repair.planned_service and repair.state not in ("done", "cancel")
        ]
        if self.next_planned_date:
            dates.append(self.next_planned_date)
        return min(dates, default=None)

    def _planned_limit(self, date_to):
        """The last day of the window whose planned service is made now:
        ``date_to``, no further than the contract's days ahead, the line's
        end and the contract's end."""
        self.ensure_one()
        contract = self.entitlement_id
        today = fields.Date.context_today(self)
        limits = [
            date_to,
            today + timedelta(days=contract.planned_horizon_days),
            contract.date_end,
        ]
        if self.date_end:
            limits.append(self.date_end)
        return min(limits)

    @api.model
    def _create_planned_repairs(self, date_to):
        """Make the planned repairs due by ``date_to`` (within each
        contract's days ahead), one per serial number and planned date, never
        twice: the lines are locked first, so that a second run at the same
        time (another manager, the daily job) waits, then finds them made."""
        # sudo: a run (a manager's or the daily job's) makes all planned repairs due
        lines = self.sudo().search(
            [
                ("entitlement_id.state", "=", "active"),
                ("service_period", ">", 0),
                ("next_planned_date", "<=", date_to),
                ("lot_id", "!=", False),
            ]
        )
        # Only in the companies that use planned service (Settings).
        lines = lines.filtered(
            lambda line: line.entitlement_id.company_id._service_uses("planned")
        )
        if not lines:
            return self.env["repair.order"]
        self.env.cr.execute(
            "SELECT id FROM service_entitlement_contract_line WHERE id IN %s "
            "ORDER BY id FOR NO KEY UPDATE",
            [tuple(lines.ids)],
            log_exceptions=False,
        )
        lines.invalidate_recordset()
        # sudo: the planned repairs already made count, whoever made them
        Repair = self.env["repair.order"].sudo()
        # The planned repairs already made, read once for all the lines.
        made_before = {
            (line.id, day)
            for line, day in Repair._read_group(
                [("contract_line_id", "in", lines.ids), ("planned_service", "=", True)],
                ["contract_line_id", "planned_date:day"],
            )
        }
        made = Repair
        for line in lines:
            limit = line._planned_limit(date_to)
            for __ in range(MAX_PLANNED_PER_RUN):
                day = line.next_planned_date
                if not day or day > limit or not line._in_force_on(day):
                    break
                if (line.id, day) not in made_before:
                    made |= line._create_planned_repair(day)
                if line.entitlement_id.planned_next_on == "done":
                    # The next one waits until this one is done.
                    break
                line._write_flow({"next_planned_date": line._next_planned_after(day)})
        return made

    def _create_planned_repair(self, day):
        self.ensure_one()
        contract = self.entitlement_id
        lot = self.lot_id
        company = contract.company_id
        vals = {
            "partner_id": contract.partner_id.id,
            "product_id": lot.product_id.id,
            "lot_id": lot.id,
            "company_id": company.id,
            "entitlement_id": contract.id,
            "schedule_date": datetime.combine(day, time(8, 0)),
            "planned_service": True,
            "contract_line_id": self.id,
            "planned_date": day,
            # The contract's responsible, not whoever ran the job.
            "user_id": contract.user_id.id,
            "internal_notes": self.env._(
                "Planned service of %(contract)s, due %(date)s.",
                contract=contract.display_name,
                date=format_date(self.env, day),
            ),
        }
        repair = self.env["repair.order"].with_company(company)._flow_create(vals)
        return repair

    def _planned_repair_done(self, repair):
        """A planned repair is done: the line's next planned date moves on if
        the contract waits for it."""
        self.ensure_one()
        if (
            self.entitlement_id.planned_next_on == "done"
            and self.next_planned_date == repair.planned_date
        ):
            self._write_flow(
                {"next_planned_date": self._next_planned_after(repair.planned_date)}
            )

    @api.model
    def _cron_create_planned_repairs(self):
        # sudo: the daily job reads the days ahead of every active contract
        horizon = max(
            self.env["service.entitlement"]
            .sudo()
            .search([("state", "=", "active")])
            .mapped("planned_horizon_days")
            or [0]
        )
        today = fields.Date.context_today(self)
        return self._create_planned_repairs(today + timedelta(days=horizon))


class RepairOrder(models.Model):
    _inherit = "repair.order"

    planned_service = fields.Boolean(
        readonly=True,
        copy=False,
        index=True,
        flow_only=True,
        help="Made by Create Planned Repairs from a contract line's service period.",
    )
    contract_line_id = fields.Many2one(
        "service.entitlement.contract.line",
        string="Planned From",
        readonly=True,
        copy=False,
        index="btree_not_null",
        ondelete="set null",
        flow_only=True,
    )
    planned_date = fields.Date(
        string="Planned Service Date", readonly=True, copy=False, flow_only=True
    )

    def _entitlement_suspension(self, entitlement):
        """A planned repair is the overdue service itself: never suspended."""
        if self.planned_service:
            return None
        return super()._entitlement_suspension(entitlement)

    def init(self):
        res = super().init()
        # A contract line's planned service of a day is one repair.
        self.env.cr.execute(
            """
            CREATE UNIQUE INDEX IF NOT EXISTS repair_order_planned_once
            ON repair_order (contract_line_id, planned_date)
            WHERE planned_service
            """
        )
        return res
