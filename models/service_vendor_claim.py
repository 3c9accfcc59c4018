from odoo import Command, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, float_compare, float_is_zero

from .ledger_guard import ledger_writer
from .mail_composer import composer_action
from .roles import check_roles

# Who sends a claim to the vendor.
SENDERS = ("group_service_desk", "group_billing_clerk", "group_entitlement_manager")
CLAIM_STATES = [
    ("draft", "Draft"),
    ("sent", "Sent"),
    ("accepted", "Accepted"),
    ("rejected", "Rejected"),
    ("credited", "Credited"),
]


class ServiceVendorClaim(models.Model):
    """A warranty claim to a supplier (a supplier recovery claim): a repair
    of a serial number under the supplier's warranty, for a supplier defect,
    asks the supplier for the parts and labour its warranty pays, at the
    vendor's terms (its price list price for the parts, its labour rate).
    Sent to the vendor with the printed claim; accepted (for an amount) or
    rejected; credited when the vendor's credit notes, matched line by line
    to the claim, reach what it accepted.  Written by those actions only."""

    _name = "service.vendor.claim"
    _description = "Vendor Warranty Claim"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "id desc"
    _check_company_auto = True
    _flow_owned = True

    name = fields.Char(
        string="Claim", required=True, readonly=True, copy=False, default="/"
    )
    company_id = fields.Many2one("res.company", required=True, readonly=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    vendor_id = fields.Many2one("res.partner", required=True, readonly=True, index=True)
    repair_id = fields.Many2one(
        "repair.order",
        required=True,
        readonly=True,
        index=True,
        ondelete="restrict",
        check_company=True,
    )
    lot_id = fields.Many2one(
        "stock.lot", string="Serial Number", required=True, readonly=True, index=True
    )
    product_id = fields.Many2one(
        related="lot_id.product_id", string="Product", store=True
    )
    layer_id = fields.Many2one(
        "service.warranty.layer", string="Supplier's Warranty", readonly=True
    )
    fault_reason_id = fields.Many2one("service.fault.reason", readonly=True)
    causal_product_id = fields.Many2one(
        "product.product",
        string="Causal Part",
        readonly=True,
        help="The part whose defect caused the failure.",
    )
    parts_amount = fields.Monetary(
        string="Parts", readonly=True, currency_field="currency_id"
    )
    labour_hours = fields.Float(readonly=True)
    labour_rate = fields.Monetary(readonly=True, currency_field="currency_id")
    labour_amount = fields.Monetary(
        string="Labour", readonly=True, currency_field="currency_id"
    )
    amount_claimed = fields.Monetary(
        string="Claimed",
        compute="_compute_amount_claimed",
        store=True,
        currency_field="currency_id",
    )
    date_sent = fields.Date(string="Sent On", readonly=True)
    decision = fields.Selection(
        [("accepted", "Accepted"), ("rejected", "Rejected")], readonly=True
    )
    decided_on = fields.Date(readonly=True)
    decided_by_id = fields.Many2one("res.users", string="Recorded By", readonly=True)
    accepted_amount = fields.Monetary(
        string="Accepted", readonly=True, currency_field="currency_id"
    )
    reject_reason = fields.Char(string="Rejected Because", readonly=True)
    # Journal items: the accountants' and billing clerks' to read; the desk,
    # which completes and sends claims, sees what was recovered.
    credit_line_ids = fields.One2many(
        "account.move.line",
        "service_claim_id",
        string="Credit Note Lines",
        groups="account.group_account_invoice",
    )
    credited_amount = fields.Monetary(
        string="Recovered",
        compute="_compute_credited",
        store=True,
        currency_field="currency_id",
    )
    amount_due = fields.Monetary(
        string="Still Owed",
        compute="_compute_amount_due",
        store=True,
        currency_field="currency_id",
        help="What the vendor still owes: what it accepted (or, before it "
        "answers, what was claimed) less what it credited; nothing for a draft "
        "or rejected claim.",
    )
    credit_reference = fields.Char(
        string="Credit Note References", compute="_compute_credited", store=True
    )
    recovery_rate = fields.Float(
        string="Recovery Rate (%)",
        compute="_compute_credited",
        store=True,
        aggregator="avg",
        help="Recovered over claimed; grouped, the group's recovered over its claimed.",
    )
    state = fields.Selection(
        CLAIM_STATES,
        compute="_compute_state",
        store=True,
        index=True,
        tracking=True,
    )
    note = fields.Text(readonly=True)
    # The unit itself at the vendor (a warranty repair by the supplier).
    unit_state = fields.Selection(
        [("at_vendor", "At the Vendor"), ("returned", "Back")],
        string="Unit",
        readonly=True,
    )
    unit_out_picking_id = fields.Many2one(
        "stock.picking", string="Sent By Transfer", readonly=True
    )
    unit_in_picking_id = fields.Many2one(
        "stock.picking", string="Back By Transfer", readonly=True
    )
    unit_hold_id = fields.Many2one("repair.order.hold", readonly=True)
    replacement_lot_id = fields.Many2one(
        "stock.lot",
        string="Replacement Serial",
        readonly=True,
        help="The serial number the vendor sent back in place of the unit.",
    )

    _sql_constraints = [
        (
            "repair_vendor_uniq",
            "unique(repair_id, vendor_id)",
            "A repair is claimed from a vendor once.",
        ),
    ]

    @api.depends("parts_amount", "labour_amount")
    def _compute_amount_claimed(self):
        for claim in self:
            claim.amount_claimed = claim.parts_amount + claim.labour_amount

    @api.depends(
        "credit_line_ids.parent_state",
        "credit_line_ids.balance",
        "credit_line_ids.move_id.ref",
        "amount_claimed",
    )
    def _compute_credited(self):
        for claim in self:
            # sudo: the desk reads what was credited, not the vendor's credit notes
            lines = claim.sudo().credit_line_ids.filtered(
                lambda line: line.parent_state == "posted"
            )
            # A vendor's credit note credits the expense: its lines' balance
            # is negative.
            claim.credited_amount = -sum(lines.mapped("balance"))
            claim.credit_reference = ", ".join(
                sorted(set(filter(None, lines.move_id.mapped("ref"))))
            )
            claim.recovery_rate = (
                100.0 * claim.credited_amount / claim.amount_claimed
                if claim.amount_claimed
                else 0.0
            )

    @api.depends("state", "accepted_amount", "amount_claimed", "credited_amount")
    def _compute_amount_due(self):
        for claim in self:
            if claim.state in ("draft", "rejected"):
                claim.amount_due = 0.0
                continue
            owed = (
                claim.accepted_amount
                if claim.decision == "accepted"
                else claim.amount_claimed
            )
            claim.amount_due = max(owed - claim.credited_amount, 0.0)

    @api.depends("date_sent", "decision", "accepted_amount", "credited_amount")
    def _compute_state(self):
        for claim in self:
            due = (
                claim.accepted_amount
                if claim.decision == "accepted"
                else claim.amount_claimed
            )
            rounding = claim.currency_id.rounding or 0.01
            if (
                claim.decision != "rejected"
                and not float_is_zero(
                    claim.credited_amount, precision_rounding=rounding
                )
                and float_compare(
                    claim.credited_amount, due, precision_rounding=rounding
                )
                >= 0
            ):
                claim.state = "credited"
            elif claim.decision:
                claim.state = claim.decision
            elif claim.date_sent:
                claim.state = "sent"
            else:
                claim.state = "draft"

    def _read_group_select(self, aggregate_spec, query):
        """The recovery rate of a group is its recovered over its claimed,
        not the mean of its claims' rates."""
        if aggregate_spec == "recovery_rate:avg":
            return SQL(
                "COALESCE(100.0 * SUM(%s) / NULLIF(SUM(%s), 0), 0)",
                self._field_to_sql(self._table, "credited_amount", query),
                self._field_to_sql(self._table, "amount_claimed", query),
            )
        return super()._read_group_select(aggregate_spec, query)

    # ------------------------------------------------------------------
    # Drafted from a repair
    # ------------------------------------------------------------------

    @api.model
    def _draft_for(self, repair, layer, causal_part=None, note=None):
        """The draft claim of ``repair`` to ``layer``'s supplier, its amounts
        at the vendor's terms; the existing one if it was claimed (a draft
        one takes the repair's parts and hours as they are now)."""
        vendor = layer.supplier_id.commercial_partner_id
        # sudo: the repair's claim to this vendor is found whoever closes the repair
        existing = self.sudo().search(
            [("repair_id", "=", repair.id), ("vendor_id", "=", vendor.id)]
        )
        parts = repair.move_ids.filtered(
            lambda m: m.repair_line_type == "add" and m.product_id
        )
        if existing:
            if existing.state == "draft":
                vals = self._amounts(repair, layer, vendor)
                # Drafted before the parts were known (the unit sent to the
                # vendor first): the failed part is the first one used.
                if not existing.causal_product_id and parts:
                    vals["causal_product_id"] = (causal_part or parts[:1].product_id).id
                with ledger_writer():
                    existing.write(vals)
            return existing
        claim = self._flow_create(
            {
                "name": self.env["ir.sequence"]
                .with_company(repair.company_id)
                .next_by_code("service.vendor.claim")
                or "/",
                "company_id": repair.company_id.id,
                "vendor_id": vendor.id,
                "repair_id": repair.id,
                "lot_id": repair.lot_id.id,
                "layer_id": layer.id,
                "fault_reason_id": repair.fault_reason_id.id,
                "causal_product_id": (causal_part or parts[:1].product_id).id,
                "note": note,
                **self._amounts(repair, layer, vendor),
            }
        )
        claim.message_post(
            body=self.env._(
                "Drafted from %(repair)s: %(fault)s under %(layer)s.",
                repair=repair.name,
                fault=repair.fault_reason_id.name or "",
                layer=layer.display_name,
            )
        )
        return claim

    @api.model
    def _amounts(self, repair, layer, vendor):
        """The repair's parts at the vendor's price and its hours at the
        vendor's labour rate, for the share ``layer`` pays."""
        company = repair.company_id
        parts = repair.move_ids.filtered(
            lambda m: m.repair_line_type == "add" and m.product_id
        )
        day = fields.Date.context_today(self)
        parts_value = sum(
            move.product_uom_qty
            * move.product_id._service_vendor_price(
                vendor, company, move.product_uom_qty, move.product_uom, day
            )
            for move in parts
        )
        rate = vendor.with_company(company).service_claim_labour_rate
        hours = repair.labor_hours
        currency = company.currency_id
        return {
            "parts_amount": currency.round(parts_value * layer.parts_percent / 100.0),
            "labour_hours": hours,
            "labour_rate": rate,
            "labour_amount": currency.round(hours * rate * layer.labor_percent / 100.0),
        }

    # ------------------------------------------------------------------
    # Sent, decided, credited
    # ------------------------------------------------------------------

    def _check_groups(self, *groups):
        check_roles(
            self.env,
            groups,
            self.env._("You are not allowed to do this with vendor claims."),
        )

    def action_send(self):
        """Email the claim to the vendor, the printed claim attached."""
        self.ensure_one()
        self._check_groups(*SENDERS)
        self._check_state("draft", "sent")
        return composer_action(
            self,
            "service_entitlement.mail_template_vendor_claim",
            "mail.mail_notification_light",
            service_claim_mark_sent=True,
        )

    def message_post(self, **kwargs):
        if self.env.context.get("service_claim_mark_sent"):
            self.filtered(lambda c: c.state == "draft")._mark_sent()
        return super().message_post(**kwargs)

    def _mark_sent(self):
        self._check_groups(*SENDERS)
        self._flow_write({"date_sent": fields.Date.context_today(self)})

    def _decide(self, decision, amount=0.0, reason=None):
        """Record the vendor's answer: accepted for ``amount``, or rejected
        because of ``reason``."""
        self._check_groups("group_billing_clerk", "group_entitlement_manager")
        for claim in self:
            claim._check_state("sent", "decided")
            if decision == "accepted" and (
                amount <= 0 or float_compare(amount, claim.amount_claimed, 2) > 0
            ):
                raise UserError(
                    self.env._(
                        "%(claim)s: the vendor accepts more than nothing and at "
                        "most what was claimed (%(claimed)s).",
                        claim=claim.name,
                        claimed=claim.amount_claimed,
                    )
                )
            if decision == "rejected" and not (reason or "").strip():
                raise UserError(self.env._("Say why the vendor rejected the claim."))
        self._flow_write(
            {
                "decision": decision,
                "decided_on": fields.Date.context_today(self),
                "decided_by_id": self.env.user.id,
                "accepted_amount": amount if decision == "accepted" else 0.0,
                "reject_reason": reason if decision == "rejected" else False,
            }
        )

    def _edit_draft(self, causal_part, note):
        """The desk's word on a draft claim: the part that caused the
        failure (one the repair used) and a note for the vendor."""
        self.ensure_one()
        self._check_groups("group_service_desk", "group_entitlement_manager")
        self._check_state("draft", "edited")
        parts = (
            # sudo: the parts the repair used, whatever the editor may read of them
            self.repair_id.sudo()
            .move_ids.filtered(lambda m: m.repair_line_type == "add")
            .product_id
        )
        if causal_part and causal_part not in parts:
            raise UserError(
                self.env._(
                    "%(part)s is not a part %(repair)s used.",
                    part=causal_part.display_name,
                    repair=self.repair_id.name,
                )
            )
        self._flow_write({"causal_product_id": causal_part.id, "note": note or False})

    def action_discard(self):
        """A draft claim that should not go to the vendor."""
        self._check_groups("group_service_desk", "group_entitlement_manager")
        for claim in self:
            claim._check_state("draft", "discarded")
        self._flow_unlink()
        return {"type": "ir.actions.act_window_close"}

    def action_credit_note(self):
        """A new draft vendor credit note for what the claim is still owed,
        its line matched to the claim: the clerk enters the vendor's
        reference and amount, and posts it."""
        self.ensure_one()
        self._check_creditable()
        due = (
            self.accepted_amount if self.decision == "accepted" else self.amount_claimed
        ) - self.credited_amount
        line_name = self.env._(
            "Warranty claim %(claim)s: %(lot)s", claim=self.name, lot=self.lot_id.name
        )
        with ledger_writer():
            refund = self.env["account.move"].create(
                {
                    "move_type": "in_refund",
                    "partner_id": self.vendor_id.id,
                    "company_id": self.company_id.id,
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "name": line_name,
                                "product_id": self.causal_product_id.id,
                                "quantity": 1,
                                "price_unit": max(due, 0.0),
                                "tax_ids": [Command.clear()],
                                "service_claim_id": self.id,
                            }
                        )
                    ],
                }
            )
        return {
            "type": "ir.actions.act_window",
            "res_model": "account.move",
            "view_mode": "form",
            "views": [(False, "form")],
            "res_id": refund.id,
        }

    def _match_credit(self, lines):
        """Match the vendor credit note ``lines`` (not matched yet) to this
        claim."""
        self.ensure_one()
        self._check_creditable()
        matched = lines.filtered("service_claim_id")
        if matched:
            raise UserError(
                self.env._(
                    "%(line)s is matched to %(claim)s already.",
                    line=matched[0].move_id.display_name,
                    claim=matched[0].service_claim_id.name,
                )
            )
        with ledger_writer():
            lines.write({"service_claim_id": self.id})

    def _check_creditable(self):
        self._check_groups("group_billing_clerk", "group_entitlement_manager")
        if self.state not in ("sent", "accepted"):
            raise UserError(
                self.env._(
                    "%(claim)s is %(state)s: only a sent or accepted claim is "
                    "credited.",
                    claim=self.name,
                    state=dict(CLAIM_STATES)[self.state],
                )
            )

    # ------------------------------------------------------------------
    # The unit at the vendor
    # ------------------------------------------------------------------

    def _unit_route(self):
        """(where the repaired unit is, the vendor's location).  A unit in
        the company's stock leaves from its location; the customer's own
        unit, never received into stock, goes from the customer's side, so
        that no stock of ours moves (and none goes below zero)."""
        self.ensure_one()
        repair = self.repair_id
        vendor = self.vendor_id.with_company(self.company_id)
        here = repair.lot_id._service_stock_location(self.company_id)
        if not here:
            here = repair.partner_id.with_company(
                self.company_id
            ).property_stock_customer
        return here, vendor.property_stock_supplier

    def _unit_send(self):
        """The unit leaves for the vendor by a delivery; the repair waits
        for a third party meanwhile (its service level paused)."""
        self.ensure_one()
        repair = self.repair_id
        if self.unit_state == "at_vendor":
            raise UserError(
                self.env._(
                    "%(lot)s is at %(vendor)s already.",
                    lot=self.lot_id.name,
                    vendor=self.vendor_id.display_name,
                )
            )
        if repair.state not in ("confirmed", "under_repair"):
            raise UserError(
                self.env._(
                    "Only an open repair sends its unit to the vendor: %(repair)s "
                    "is not.",
                    repair=repair.name,
                )
            )
        hold = self.env["repair.order.hold"]
        if not repair.sla_hold_since:
            repair._sla_put_on_hold(
                "third_party",
                self.env._(
                    "At %(vendor)s under its warranty (%(claim)s)",
                    vendor=self.vendor_id.display_name,
                    claim=self.name,
                ),
            )
            # sudo: the hold just put on the repair, whatever holds the sender may read
            hold = repair.sudo().hold_ids.filtered(lambda h: not h.date_end)[:1]
        source, vendor_location = self._unit_route()
        picking = self.env["service.loaner.loan"]._transfer(
            self.lot_id,
            repair.company_id._loaner_picking_type("out"),
            (source, vendor_location),
            repair,
            partner=self.vendor_id,
        )
        self._flow_write(
            {
                "unit_state": "at_vendor",
                "unit_out_picking_id": picking.id,
                "unit_hold_id": hold.id,
            }
        )
        # sudo: a technician reads claims only, and posting on one needs write access
        self.sudo().message_post(
            body=self.env._(
                "%(lot)s sent to the vendor by %(picking)s.",
                lot=self.lot_id.name,
                picking=picking.name,
            )
        )

    def _unit_receive(self, replacement=None):
        """The unit comes back from the vendor by a receipt, as the same
        serial number or as ``replacement`` (recorded as a replacement of
        the unit); the repair goes on."""
        self.ensure_one()
        repair = self.repair_id
        if self.unit_state != "at_vendor":
            raise UserError(
                self.env._("%(lot)s is not at the vendor.", lot=self.lot_id.name)
            )
        lot = replacement or self.lot_id
        if replacement:
            repair._replace_unit(replacement)
        # Back where it left from.
        our_location = self.unit_out_picking_id.location_id
        vendor_location = self.unit_out_picking_id.location_dest_id
        picking = (
            self.env["service.loaner.loan"]
            .with_context(service_unit_from_vendor=True)
            ._transfer(
                lot,
                repair.company_id._loaner_picking_type("in"),
                (vendor_location, our_location),
                repair,
                partner=self.vendor_id,
            )
        )
        self._flow_write(
            {
                "unit_state": "returned",
                "unit_in_picking_id": picking.id,
                "replacement_lot_id": replacement and replacement.id,
            }
        )
        if self.unit_hold_id and not self.unit_hold_id.date_end:
            repair._sla_resume()
        # sudo: a technician reads claims only, and posting on one needs write access
        self.sudo().message_post(
            body=self.env._(
                "%(lot)s back from the vendor by %(picking)s.",
                lot=lot.name,
                picking=picking.name,
            )
        )

    def _check_state(self, expected, doing):
        for claim in self:
            if claim.state != expected:
                raise UserError(
                    self.env._(
                        "%(claim)s is %(state)s: it cannot be %(doing)s.",
                        claim=claim.name,
                        state=dict(CLAIM_STATES)[claim.state],
                        doing=doing,
                    )
                )
