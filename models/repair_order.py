from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.osv import expression
from odoo.tools import float_compare

from .service_entitlement_channel_limit import CHANNELS


class RepairOrder(models.Model):
    _name = "repair.order"
    _inherit = ["repair.order", "service.entitlement.consumer.mixin"]

    fault_reason_id = fields.Many2one(
        "service.fault.reason",
        tracking=True,
        help="Why the item failed, as found by the technician. Entitlements may "
        "exclude some reasons, such as accidental damage.",
    )
    intake_channel = fields.Selection(
        CHANNELS,
        string="Channel",
        default="phone",
        tracking=True,
        help="How the request reached the service desk.",
    )
    labor_hours = fields.Float(
        string="Labour Hours",
        tracking=True,
        digits="Product Unit of Measure",
        help="Hours worked on the repair; what an hours entitlement consumes.",
    )
    entitlement_limit_policy = fields.Selection(
        related="entitlement_id.limit_policy", string="Limit Policy"
    )
    entitlement_allocation_type = fields.Selection(
        related="entitlement_id.allocation_type", string="Entitlement Unit"
    )
    under_warranty = fields.Boolean(
        compute="_compute_under_warranty", store=True, readonly=False
    )

    service_billing_line_ids = fields.One2many(
        "service.entitlement.billing.line", "repair_id", string="Overage Lines"
    )
    service_billing_line_count = fields.Integer(
        compute="_compute_service_billing_counts"
    )
    service_invoice_count = fields.Integer(compute="_compute_service_billing_counts")

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

    _sql_constraints = [
        (
            "labor_hours_positive",
            "CHECK(labor_hours >= 0)",
            "Labour hours cannot be negative.",
        ),
    ]

    # ------------------------------------------------------------------
    # Entitlement hooks
    # ------------------------------------------------------------------

    @api.model
    def _entitlement_match_depends(self):
        return [
            "partner_id",
            "product_id",
            "lot_id",
            "fault_reason_id",
            "schedule_date",
            "company_id",
        ]

    @api.onchange(
        "partner_id", "product_id", "lot_id", "fault_reason_id", "schedule_date"
    )
    def _onchange_entitlement_match(self):
        self._entitlement_rematch()

    def _entitlement_get_partner(self):
        return self.partner_id

    def _entitlement_get_date(self):
        return fields.Date.context_today(
            self, self.schedule_date or fields.Datetime.now()
        )

    def _entitlement_get_lot(self):
        return self.lot_id

    def _entitlement_get_product(self):
        return self.product_id

    def _entitlement_get_fault_reason(self):
        return self.fault_reason_id

    def _entitlement_get_hours(self):
        return self.labor_hours

    def _entitlement_get_company(self):
        return self.company_id

    def _entitlement_get_channel(self):
        return self.intake_channel

    def _entitlement_is_open(self):
        return self.state == "draft"

    # ------------------------------------------------------------------
    # Computes and constraints
    # ------------------------------------------------------------------

    @api.depends("entitlement_id", "fault_reason_id")
    def _compute_under_warranty(self):
        for repair in self:
            entitlement = repair.entitlement_id.sudo()
            if not entitlement:
                repair.under_warranty = repair.under_warranty
                continue
            repair.under_warranty = (
                not repair._entitlement_excludes(entitlement)
                and float_compare(
                    entitlement.parts_coverage_percent, 100.0, precision_digits=2
                )
                == 0
            )

    def _compute_service_billing_counts(self):
        self.service_billing_line_count = self.service_invoice_count = 0
        BillingLine = self.env["service.entitlement.billing.line"]
        if not BillingLine.has_access("read"):
            return
        for repair, lines, invoices in BillingLine._read_group(
            [("repair_id", "in", self.ids)],
            ["repair_id"],
            ["__count", "invoice_id:count_distinct"],
        ):
            repair.service_billing_line_count = lines
            repair.service_invoice_count = invoices

    def action_view_service_billing_lines(self):
        self.ensure_one()
        action = self.env["ir.actions.actions"]._for_xml_id(
            "service_entitlement.service_entitlement_billing_line_action"
        )
        action["domain"] = [("repair_id", "=", self.id)]
        action["context"] = {}
        return action

    def action_view_service_invoices(self):
        self.ensure_one()
        action = self.env["ir.actions.actions"]._for_xml_id(
            "account.action_move_out_invoice_type"
        )
        invoices = (
            self.env["service.entitlement.billing.line"]
            .search([("repair_id", "=", self.id)])
            .invoice_id
        )
        action["domain"] = [("id", "in", invoices.ids)]
        action["context"] = {"create": False}
        return action

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

    @api.constrains("labor_hours")
    def _check_labor_hours(self):
        for repair in self:
            if repair.labor_hours < 0:
                raise UserError(
                    self.env._(
                        "Labour hours of %(repair)s cannot be negative.",
                        repair=repair.name,
                    )
                )

    def write(self, vals):
        res = super().write(vals)
        if self._entitlement_bypassed():
            return res
        if "fault_reason_id" in vals:
            self._entitlement_release_excluded()
        if "under_warranty" not in vals and {"entitlement_id", "fault_reason_id"} & set(
            vals
        ):
            self._update_sale_order_line_price()
        return res

    # ------------------------------------------------------------------
    # Email intake
    # ------------------------------------------------------------------

    @api.model
    def message_new(self, msg_dict, custom_values=None):
        """A repair request by email from a known customer: the serial number
        is recognised in the subject or the body, and the entitlement is
        matched as for any repair."""
        values = dict(custom_values or {})
        author = self.env["res.partner"].browse(msg_dict.get("author_id")).exists()
        if author:
            values.setdefault("partner_id", author.id)
            values.setdefault("intake_channel", "email")
            lot = self._lot_from_email(author, msg_dict)
            if lot:
                values.setdefault("lot_id", lot.id)
                values.setdefault("product_id", lot.product_id.id)
            if msg_dict.get("body"):
                values.setdefault("internal_notes", msg_dict["body"])
        return super().message_new(msg_dict, custom_values=values)

    @api.model
    def _lot_from_email(self, author, msg_dict):
        text = f"{msg_dict.get('subject') or ''} {msg_dict.get('body') or ''}"
        customer = author.commercial_partner_id
        lots = (
            self.env["stock.lot"]
            .sudo()
            .search([("customer_id", "child_of", customer.id)], limit=500)
        )
        found = lots.filtered(lambda lot: lot.name and lot.name in text)
        return found[:1] if len(found) == 1 else self.env["stock.lot"]

    # ------------------------------------------------------------------
    # Flow
    # ------------------------------------------------------------------

    def _action_repair_confirm(self):
        res = super()._action_repair_confirm()
        self._entitlement_consume("confirm")
        self._sla_record("sla_responded_at", "sla_response_deadline", "response_hours")
        return res

    def action_repair_done(self):
        res = super().action_repair_done()
        self._sla_record("sla_responded_at", "sla_response_deadline", "response_hours")
        self._sla_record(
            "sla_resolved_at", "sla_resolution_deadline", "resolution_hours"
        )
        if self._entitlement_bypassed():
            return res
        self._entitlement_release_excluded()
        self._entitlement_recount_hours()
        self.filtered(
            lambda r: (
                not (
                    r.entitlement_id
                    and r._entitlement_excludes(r.entitlement_id.sudo())
                )
            )
        )._entitlement_consume("done")
        return res

    def action_repair_cancel(self):
        res = super().action_repair_cancel()
        self._entitlement_release(note=self.env._("Repair cancelled"))
        return res

    def action_repair_cancel_draft(self):
        res = super().action_repair_cancel_draft()
        # Reversed when cancelled; a new cycle lets it consume again.
        for repair in self:
            repair.entitlement_cycle += 1
        return res

    def action_entitlement_override_bill(self):
        """Confirm despite a blocking entitlement and bill the overage."""
        return self.with_context(
            entitlement_override_bill=True
        ).action_entitlement_override_confirm()

    def action_entitlement_override_confirm(self):
        """Confirm despite a blocking entitlement (entitlement managers)."""
        self.ensure_one()
        if not self._entitlement_can_override():
            raise UserError(
                self.env._("Only entitlement managers can override a blocked repair.")
            )
        self.entitlement_override = True
        return self.action_validate()

    def _entitlement_release_excluded(self):
        """Give back what repairs took when their fault reason is excluded."""
        lives = self._entitlement_live_consumptions()
        excluded = self.filtered(
            lambda r: (
                r.id in lives
                and r.entitlement_id
                and r._entitlement_excludes(r.entitlement_id.sudo())
            )
        )
        for repair in excluded:
            repair._entitlement_release(
                note=self.env._(
                    "Fault reason %(reason)s is excluded",
                    reason=repair.fault_reason_id.name,
                ),
                next_cycle=True,
            )
            repair.message_post(
                body=self.env._(
                    "Not covered: %(entitlement)s excludes %(reason)s; its "
                    "consumption was reversed.",
                    entitlement=repair.entitlement_id.sudo().display_name,
                    reason=repair.fault_reason_id.name,
                )
            )

    def _entitlement_recount_hours(self):
        """Hours entitlements consumed at confirmation take the final hours."""
        lives = self._entitlement_live_consumptions()
        for repair in self:
            live = lives.get(repair.id)
            if not live or live.entitlement_id.allocation_type != "hours":
                continue
            if (
                float_compare(
                    live.quantity + live.overage_quantity,
                    repair.labor_hours,
                    precision_digits=2,
                )
                == 0
            ):
                continue
            repair._entitlement_release(
                note=self.env._("Labour hours changed"), next_cycle=True
            )
            repair._entitlement_consume(live.entitlement_id.consume_on)

    def _update_sale_order_line_price(self):
        res = super()._update_sale_order_line_price()
        self._entitlement_apply_cost_coverage()
        return res

    def action_create_sale_order(self):
        res = super().action_create_sale_order()
        self._entitlement_apply_cost_coverage()
        return res

    def _entitlement_coverage_discounts(self):
        """(parts %, labour %) the customer is spared on this repair."""
        self.ensure_one()
        entitlement = self.entitlement_id.sudo()
        if not entitlement or self.entitlement_coverage in (
            "excluded",
            "not_valid",
            "exhausted",
            "none",
        ):
            return 0.0, 0.0
        return entitlement.parts_coverage_percent, entitlement.labor_coverage_percent

    def _entitlement_apply_cost_coverage(self):
        """Apply the entitlement's coverage to the repair's quotation lines:
        parts get the parts coverage as a discount, services the labour one."""
        for repair in self.filtered("sale_order_id"):
            order = repair.sale_order_id
            if order.state not in ("draft", "sent"):
                continue
            parts, labor = repair._entitlement_coverage_discounts()
            part_lines = repair.move_ids.sale_line_id
            for line in order.order_line.filtered(lambda sol: not sol.display_type):
                if line in part_lines:
                    discount = 0.0 if repair.under_warranty else parts
                elif line.product_id.type == "service" and line != (
                    repair.sale_order_line_id
                ):
                    discount = labor
                else:
                    continue
                if float_compare(line.discount, discount, precision_digits=2):
                    line.discount = discount
