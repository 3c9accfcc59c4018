from contextlib import contextmanager

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import float_compare

from . import payer
from .ledger_guard import flow_writes, ledger_writer
from .notify import dialog
from .service_entitlement_channel_limit import CHANNELS

# Made by the flow (planned service, a campaign's repair) or finished (with
# its repair warranty): a repair that used an entitlement and is not done
# may move to another unit its entitlement covers (see
# _entitlement_check_still_covered).
FLOW_MADE_REPAIR = [
    "|",
    "|",
    ("planned_service", "=", True),
    ("campaign_item_id", "!=", False),
    ("state", "=", "done"),
]


class RepairOrder(models.Model):
    _name = "repair.order"
    _inherit = ["repair.order", "service.entitlement.consumer.mixin"]
    # A repair's state moves through Odoo's actions only (confirm, start,
    # end, cancel, reset): they check what a direct write would skip, such as
    # never cancelling a finished repair.
    # The customer's last rating is rating's to compute.
    # A repair the flow made (planned service, a campaign's) or finished
    # keeps its serial number, customer, product and company: moved, it
    # would carry its coverage (its repair warranty) to another unit.
    _flow_only_declared = {
        "state": True,
        "rating_last_value": True,
        **dict.fromkeys(("partner_id", "product_id", "company_id"), FLOW_MADE_REPAIR),
        "lot_id": ["&", ("lot_id", "!=", False), *FLOW_MADE_REPAIR],
    }

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
    # Shown on the repair, not tracked on it (a related field would take the
    # entitlement's tracking, and read the entitlement at every write).
    entitlement_limit_policy = fields.Selection(
        related="entitlement_id.limit_policy", string="Limit Policy", tracking=False
    )
    # Kept on the repair (see entitlement_consume_on): finishing a repair
    # does not read its entitlement.
    entitlement_allocation_type = fields.Selection(
        related="entitlement_id.allocation_type",
        string="Entitlement Unit",
        tracking=False,
        store=True,
        precompute=True,
        flow_only=True,
    )
    entitlement_enabled = fields.Boolean(related="company_id.entitlement_enabled")
    under_warranty = fields.Boolean(
        compute="_compute_under_warranty",
        store=True,
        readonly=False,
        precompute=True,
        help="With an entitlement, follows its verdict: ticked when the repair "
        "is covered and the entitlement covers all of the parts. Without one, "
        "set by hand as in Odoo.",
    )

    # Computed with the new row rather than written after it: the fields the
    # entitlement, its verdict and the service levels follow are set before
    # the insert (Odoo's computes, unchanged), and so are rating's last value
    # (none before the repair is done) and those that follow them.
    partner_id = fields.Many2one(
        compute="_compute_partner_id", store=True, readonly=False, precompute=True
    )
    # (Editable as the repair's form makes it: a precomputed read-only field
    # would ignore the serial number given to create.)
    # Odoo's compute, under Odoo's name.
    lot_id = fields.Many2one(
        compute="compute_lot_id",  # pylint: disable=method-compute
        store=True,
        readonly=False,
        precompute=True,
    )
    rating_last_value = fields.Float(
        compute="_compute_rating_last_value", store=True, precompute=True
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

    def _entitlement_triggers_passed(self):
        return {
            "confirmed": {"confirm"},
            "under_repair": {"confirm"},
            "done": {"confirm", "done"},
        }.get(self.state, set())

    def _entitlement_release_note(self):
        if self.state == "cancel":
            return self.env._("Repair cancelled")
        if self.state == "draft":
            return self.env._("Repair reset to draft")
        return super()._entitlement_release_note()

    # ------------------------------------------------------------------
    # Computes and constraints
    # ------------------------------------------------------------------

    # The verdict reads the repair and the definition of its entitlement
    # (these trigger); what is left of the entitlement comes from the ledger,
    # which changes under concurrent repairs: triggering on it would make each
    # confirmation rewrite every other repair of the entitlement.  The ledger's
    # side is recomputed instead where it counts: when the repair consumes or
    # gives back (_entitlement_invalidate) and before its quotation is made.
    @api.depends(
        "entitlement_id",
        "entitlement_cycle",
        "fault_reason_id",
        "schedule_date",
        "partner_id",
        "product_id",
        "lot_id",
        "company_id",
        "intake_channel",
        "labor_hours",
        "entitlement_id.parts_coverage_percent",
        "entitlement_id.excluded_fault_reason_ids",
        "entitlement_decision",
        "rerepair_of_id",
        "lot_id.warranty_layer_ids",
        "fault_reason_id",
        "schedule_date",
        "campaign_item_id",
    )
    def _compute_under_warranty(self):
        # Without an entitlement, Under Warranty is the staff's to tick (as in
        # Odoo); it does not outlive an entitlement that no longer applies.
        # With one (or a re-repair, a campaign, a warranty layer), it is the
        # payer's plan: all the parts paid for.
        self.under_warranty = False
        for repair in self._service_using("entitlements").filtered(
            lambda r: (
                r.entitlement_id
                or r.rerepair_of_id
                or r.campaign_item_id
                or r.lot_id.warranty_layer_count
            )
        ):
            repair.under_warranty = repair._entitlement_plan().under_warranty

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

    # ------------------------------------------------------------------
    # CRUD and Odoo's actions: this file is their one owner in the add-on.
    # Each concern (re-repairs, the repair warranty and blocked serial
    # numbers in repair_order_warranty.py, service levels in
    # repair_order_sla.py, the
    # entitlement's consumption in the consumer mixin, below Odoo's repair)
    # is a named step, called here in this order.
    # ------------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        # A repair asked for as confirmed (Odoo's sale order does, for a
        # product that creates a repair) is created, then confirmed by
        # Confirm's action: matched, checked and consuming like any other.
        to_confirm = [vals.get("state") == "confirmed" for vals in vals_list]
        vals_list = [
            {**vals, "state": "draft"} if confirm else vals
            for vals, confirm in zip(vals_list, to_confirm, strict=True)
        ]
        blocked = self._service_block_check(
            self.env["stock.lot"].browse(
                {vals["lot_id"] for vals in vals_list if vals.get("lot_id")}
            )
        )
        repairs = super().create(vals_list)
        repairs._service_block_log(blocked)
        if any(to_confirm):
            repairs.browse(
                [repair.id for repair, c in zip(repairs, to_confirm, strict=True) if c]
            )._action_repair_confirm()
        return repairs

    def write(self, vals):
        if "under_warranty" in vals:
            self._check_under_warranty_follows_entitlement(vals["under_warranty"])
        self._rerepair_check_write(vals)
        blocked = self._service_block_check(
            self.env["stock.lot"].browse(vals.get("lot_id") or [])
        )
        res = super().write(vals)
        self._service_block_log(blocked)
        if "under_warranty" not in vals and {"entitlement_id", "fault_reason_id"} & set(
            vals
        ):
            self._service_using("entitlements")._update_sale_order_line_price()
        self._rerepair_written(vals)
        return res

    def _check_under_warranty_follows_entitlement(self, value):
        """With an entitlement, Under Warranty is the entitlement's verdict,
        not a choice: ticking it by hand would give the parts away."""
        for repair in self.filtered(lambda r: r.entitlement_id or r.rerepair_of_id):
            covered = repair._entitlement_plan().under_warranty
            if bool(value) != covered and repair.rerepair_of_id:
                raise UserError(
                    self.env._(
                        "%(repair)s is a re-repair of %(redone)s: it is under "
                        "that repair's warranty.",
                        repair=repair.display_name,
                        redone=repair.rerepair_of_id.name,
                    )
                )
            if bool(value) != covered:
                raise UserError(
                    self.env._(
                        "Under Warranty of %(repair)s follows its entitlement "
                        "%(entitlement)s (%(verdict)s). Choose no entitlement to "
                        "set it by hand.",
                        repair=repair.display_name,
                        entitlement=repair._entitlement_terms().display_name,
                        verdict=dict(
                            self._fields["entitlement_coverage"]._description_selection(
                                self.env
                            )
                        )[repair.entitlement_coverage],
                    )
                )

    def _entitlement_invalidate(self):
        """The ledger changed for these repairs: their verdict, Under Warranty
        and the prices of their quotation follow."""
        res = super()._entitlement_invalidate()
        self.env.add_to_compute(self._fields["under_warranty"], self)
        self.filtered("sale_order_id")._update_sale_order_line_price()
        return res

    # ------------------------------------------------------------------
    # Flow: confirming, finishing, cancelling and resetting write the state
    # (Odoo's actions are the only writers of a repair's state: they may
    # write it, and nothing else of the flow's), and the mixin brings the
    # consumption in line (_entitlement_sync).
    # ------------------------------------------------------------------

    def action_validate(self):
        """Odoo asks whether to repair a unit that is not in the repair's
        stock location; the customer's own unit, not received into the
        company's stock, is repaired without that question."""
        res = super().action_validate()
        if (
            isinstance(res, dict)
            and res.get("res_model") == "stock.warn.insufficient.qty.repair"
            and self.lot_id.customer_id
            and not self.lot_id._service_stock_location(self.company_id)
        ):
            return self._action_repair_confirm()
        return res

    def _action_repair_confirm(self):
        # Refuse before anything is written: an entitlement that cannot be
        # used (not valid, excluded, hours not recorded) says so first.
        for repair in self._service_using("entitlements").filtered(
            lambda r: (
                r.state == "draft"
                and r.entitlement_id
                and r._entitlement_terms().consume_on == "confirm"
            )
        ):
            repair._entitlement_check_usable(repair._entitlement_terms())
        with self._state_action():
            res = super()._action_repair_confirm()
        self._service_using("sla")._sla_record_response()
        return res

    @contextmanager
    def _state_action(self):
        """Odoo's action inside moves the repairs' state (which only the
        flow writes); then the flow takes or gives back what their new
        stages make due."""
        before = self._entitlement_stages()
        with flow_writes("repair.order", "state"):
            yield
        self.env["service.entitlement.flow"]._moved(self, before)

    def action_repair_start(self):
        # Under repair uses what Confirm took: nothing of the terms moves.
        with flow_writes("repair.order", "state"):
            return super().action_repair_start()

    def action_repair_cancel(self):
        self._service_using("sla").filtered("sla_hold_since")._sla_resume()
        with self._state_action():
            return super().action_repair_cancel()

    def action_repair_cancel_draft(self):
        with self._state_action():
            return super().action_repair_cancel_draft()

    def action_repair_done(self):
        """Odoo's End Repair, then each of the add-on's steps on the repairs
        whose company uses it (Settings): nothing of a feature switched
        off runs."""
        sla = self._service_using("sla")
        self._service_using("loaners")._loaner_check_returned()
        sla.filtered("sla_hold_since")._sla_resume()
        with self._state_action():
            res = super().action_repair_done()
        done = self._service_using("entitlements").filtered(lambda r: r.state == "done")
        done.filtered(
            lambda r: r.entitlement_allocation_type == "hours"
        )._entitlement_recount_hours()
        done._start_repair_warranty()
        layered = done._service_using("layers")
        layered._warranty_layer_extend()
        layered._vendor_claims_draft()
        done._components_replace()
        sla._sla_record_response()
        sla._sla_record_resolution()
        for repair in done._service_using("planned").filtered("planned_service"):
            repair.contract_line_id._planned_repair_done(repair)
        done._rating_request_send()
        return res

    def _compute_rating_last_value(self):
        """Only a finished repair is rated: the others skip rating's query
        (one on every repair's creation)."""
        done = self.filtered(lambda r: r.state == "done")
        (self - done).rating_last_value = 0
        return super(RepairOrder, done)._compute_rating_last_value()

    def rating_apply(self, rate, *args, **kwargs):
        """The customer's answer (rating's own API): an unhappy one gets a
        call back.  The answer is the customer's: it comes through the
        rating link (whose route checks the token and calls this as
        superuser), never from an employee over the API."""
        if not self.env.su:
            raise AccessError(
                self.env._(
                    "The rating of a repair is the customer's answer, given "
                    "through the link sent to them."
                )
            )
        with ledger_writer():
            rating = super().rating_apply(rate, *args, **kwargs)
        self._rating_follow_up(rating)
        return rating

    def action_entitlement_override(self):
        """Open the override wizard (entitlement managers)."""
        self.ensure_one()
        if not self._entitlement_can_override():
            raise UserError(
                self.env._("Only entitlement managers can override a blocked repair.")
            )
        return dialog(
            "service.entitlement.override.wizard",
            self.env._("Override the Block"),
            default_repair_id=self.id,
        )

    def action_entitlement_override_confirm(self, reason=None):
        """Confirm despite a blocking entitlement (entitlement managers)."""
        self.ensure_one()
        self._entitlement_set_override(
            reason or self.env._("Confirmed despite the block"), bill=False
        )
        return self.action_validate()

    def action_entitlement_override_bill(self, reason=None):
        """Confirm despite a blocking entitlement and bill the overage."""
        self.ensure_one()
        self._entitlement_set_override(
            reason or self.env._("Confirmed despite the block, overage billed"),
            bill=True,
        )
        return self.action_validate()

    def _update_sale_order_line_price(self):
        res = super()._update_sale_order_line_price()
        self._entitlement_apply_cost_coverage()
        return res

    def action_create_sale_order(self):
        # Priced on the verdict of now: other repairs may have used the terms
        # since this one was last computed.
        self.env.add_to_compute(self._fields["under_warranty"], self)
        res = super().action_create_sale_order()
        # The labour hours join the quotation, then the coverage applies to
        # all its lines, once.
        self._entitlement_add_labor_lines()
        self._entitlement_apply_cost_coverage()
        return res

    def _entitlement_apply_cost_coverage(self):
        """Apply the entitlement's coverage to the repair's quotation lines:
        parts get the parts coverage as a discount, services the labour one.
        Parts and services no coverage pays for (see
        ``stock.move._entitlement_exclusion``) keep their full price, even
        when the rest of the repair is under warranty."""
        to_reprice = self.env["sale.order.line"]
        for repair in self._service_using("entitlements").filtered("sale_order_id"):
            order = repair.sale_order_id
            if order.state not in ("draft", "sent"):
                continue
            plan = repair._entitlement_plan()
            # Odoo prices the parts of a repair under warranty at zero: the
            # plan's share of them is in the price already.
            line_plan = plan
            if plan.under_warranty:
                line_plan = plan._replace(parts_percent=0.0)
            pricing = repair._entitlement_contract_pricing()
            contract = pricing["contract"]
            part_lines = repair.move_ids.sale_line_id
            excluded_lines = repair.move_ids.filtered(
                lambda m: m.repair_line_type == "add" and m._entitlement_exclusion()
            ).sale_line_id
            part_warranty_lines = repair.move_ids.filtered(
                lambda m: m._part_warranty_end()
            ).sale_line_id
            for line in order.order_line.filtered(
                lambda sol, r=repair: (
                    not sol.display_type and sol != r.sale_order_line_id
                )
            ):
                is_part = line in part_lines
                excluded = (
                    line in excluded_lines or line.product_id.entitlement_never_covered
                )
                if not (
                    excluded
                    or is_part
                    or line.product_id.type == "service"
                    or line in part_warranty_lines
                ):
                    continue
                if excluded and plan.under_warranty and not line.price_unit:
                    # Odoo priced it at zero with the rest of the parts.
                    to_reprice |= line
                discount = payer.line_covered(
                    line_plan,
                    "parts" if is_part else "labor",
                    part_warranty=line in part_warranty_lines,
                    excluded=excluded,
                    discount=pricing["parts" if is_part else "labour"].discount,
                )
                if float_compare(line.discount, discount, precision_digits=2):
                    line.discount = discount
                if contract and not is_part and line.product_id.type == "service":
                    capped = contract._labour_price(line.price_unit)
                    if float_compare(capped, line.price_unit, precision_digits=2) < 0:
                        line.price_unit = capped
        to_reprice.with_context(force_price_recomputation=True)._compute_price_unit()
