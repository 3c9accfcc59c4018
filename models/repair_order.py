from odoo import api, fields, models
from odoo.exceptions import UserError
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
    # Flow
    # ------------------------------------------------------------------

    def _action_repair_confirm(self):
        res = super()._action_repair_confirm()
        self._entitlement_consume("confirm")
        return res

    def action_repair_done(self):
        res = super().action_repair_done()
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
