from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.osv import expression
from odoo.tools import float_compare, float_is_zero, format_date

COVERAGE_VERDICTS = [
    ("covered", "Covered"),
    ("partial", "Partly covered"),
    ("excluded", "Excluded"),
    ("not_valid", "Expired or not yet valid"),
    ("exhausted", "Exhausted"),
    ("none", "No entitlement"),
]
# How specifically an entitlement matched a document: lower wins.
MATCH_LOT, MATCH_PRODUCT, MATCH_CATEGORY, MATCH_ALL = range(4)


class ServiceEntitlementConsumerMixin(models.AbstractModel):
    """Match, consume and give back entitlement terms from a service document.

    A document model (``repair.order``, a helpdesk ticket, a field service
    order...) inherits this mixin and says what it consumes by overriding the
    ``_entitlement_get_*`` hooks; it calls ``_entitlement_consume(trigger)``
    when it is confirmed or done and ``_entitlement_release()`` when it is
    cancelled or reset.  The mixin keeps the ledger
    (``service.entitlement.consumption``) and the entitlement counters in step,
    under a row lock on the entitlement so that concurrent documents never take
    the same terms twice.
    """

    _name = "service.entitlement.consumer.mixin"
    _description = "Entitlement Consumer"

    entitlement_id = fields.Many2one(
        "service.entitlement",
        index="btree_not_null",
        tracking=True,
        copy=False,
        domain="[('id', 'in', entitlement_eligible_ids)]",
        help="Entitlement that covers this document. Filled with the best "
        "eligible one; any other eligible entitlement may be chosen.",
    )
    entitlement_eligible_ids = fields.Many2many(
        "service.entitlement",
        string="Eligible Entitlements",
        compute="_compute_entitlement_eligible_ids",
    )
    entitlement_coverage = fields.Selection(
        COVERAGE_VERDICTS,
        string="Coverage",
        compute="_compute_entitlement_coverage",
    )
    entitlement_explanation = fields.Char(
        string="Why this entitlement",
        compute="_compute_entitlement_coverage",
    )
    entitlement_cycle = fields.Integer(
        copy=False,
        default=0,
        help="Technical: incremented each time the document is reset, so it can "
        "consume again.",
    )
    entitlement_warning = fields.Boolean(
        string="Over Entitlement",
        copy=False,
        readonly=True,
        tracking=True,
        help="The document went beyond the entitlement's terms under a warn "
        "policy or a manager's override.",
    )
    entitlement_override = fields.Boolean(
        string="Block Overridden",
        copy=False,
        readonly=True,
        tracking=True,
    )
    entitlement_consumption_ids = fields.Many2many(
        "service.entitlement.consumption",
        string="Entitlement Ledger",
        compute="_compute_entitlement_consumption_ids",
    )
    entitlement_consumption_count = fields.Integer(
        compute="_compute_entitlement_consumption_ids"
    )

    # ------------------------------------------------------------------
    # Hooks: what the document consumes
    # ------------------------------------------------------------------

    @api.model
    def _entitlement_match_depends(self):
        """Fields whose change makes the document look for an entitlement."""
        return []

    def _entitlement_get_partner(self):
        return self.env["res.partner"]

    def _entitlement_get_date(self):
        return fields.Date.context_today(self)

    def _entitlement_get_lot(self):
        return self.env["stock.lot"]

    def _entitlement_get_product(self):
        return self.env["product.product"]

    def _entitlement_get_fault_reason(self):
        return self.env["service.fault.reason"]

    def _entitlement_get_hours(self):
        return 0.0

    def _entitlement_get_company(self):
        return self.env.company

    def _entitlement_get_channel(self):
        """Intake channel (phone, email, portal, walk_in), for channel limits."""
        return False

    def _entitlement_is_open(self):
        """Whether the document may still change entitlement by itself."""
        return True

    # ------------------------------------------------------------------
    # Computes
    # ------------------------------------------------------------------

    def _entitlement_candidates(self):
        """Entitlements of the customer that cover the document's item.

        One query whatever the number of entitlements in the database: the
        search goes through the indexes on partner, state and the coverage
        relation tables.
        """
        self.ensure_one()
        Entitlement = self.env["service.entitlement"].sudo()
        partner = self._entitlement_get_partner().commercial_partner_id
        if not partner:
            return Entitlement
        lot = self._entitlement_get_lot()
        product = self._entitlement_get_product() or lot.product_id
        coverage = [[("coverage_scope", "=", "all")]]
        if lot:
            coverage.append([("lot_ids", "in", lot.ids)])
        if product:
            coverage.append([("product_ids", "in", product.ids)])
            categ_ids = [int(i) for i in product.categ_id.parent_path.split("/") if i]
            coverage.append([("product_categ_ids", "in", categ_ids)])
        domain = expression.AND(
            [
                [
                    ("partner_id", "=", partner.id),
                    ("company_id", "=", self._entitlement_get_company().id),
                    ("state", "in", ("active", "waiting", "expired")),
                ],
                expression.OR(coverage),
            ]
        )
        return Entitlement.search(domain)

    def _entitlement_match_level(self, entitlement):
        lot = self._entitlement_get_lot()
        product = self._entitlement_get_product() or lot.product_id
        if lot and lot in entitlement.lot_ids:
            return MATCH_LOT
        if product and product in entitlement.product_ids:
            return MATCH_PRODUCT
        if (
            product
            and entitlement.product_categ_ids
            and (
                set(entitlement.product_categ_ids.ids)
                & {int(i) for i in product.categ_id.parent_path.split("/") if i}
            )
        ):
            return MATCH_CATEGORY
        return MATCH_ALL

    def _entitlement_is_valid_on(self, entitlement, date):
        return (
            entitlement.state == "active"
            and entitlement.date_start <= date <= entitlement.date_end
        )

    def _entitlement_excludes(self, entitlement):
        reason = self._entitlement_get_fault_reason()
        return bool(reason and reason in entitlement.excluded_fault_reason_ids)

    def _entitlement_rank(self, entitlements):
        """Eligible entitlements, best first: most specific coverage, then
        the default one, then the earliest end date, then the oldest."""
        return entitlements.sorted(
            lambda e: (
                self._entitlement_match_level(e),
                not e.is_default,
                e.date_end,
                e.id,
            )
        )

    def _entitlement_eligible(self):
        self.ensure_one()
        date = self._entitlement_get_date()
        return self._entitlement_candidates().filtered(
            lambda e: (
                self._entitlement_is_valid_on(e, date)
                and not self._entitlement_excludes(e)
            )
        )

    @api.depends(lambda self: self._entitlement_match_depends())
    def _compute_entitlement_eligible_ids(self):
        for doc in self:
            doc.entitlement_eligible_ids = doc._entitlement_rank(
                doc._entitlement_eligible()
            ).with_env(self.env)

    @api.depends(
        lambda self: [
            *self._entitlement_match_depends(),
            "entitlement_id",
            "entitlement_id.remaining_terms",
            "entitlement_cycle",
        ]
    )
    def _compute_entitlement_coverage(self):
        lives = self._entitlement_live_consumptions()
        Ledger = self.env["service.entitlement.consumption"]
        for doc in self:
            doc.entitlement_coverage, doc.entitlement_explanation = (
                doc._entitlement_verdict(lives.get(doc.id, Ledger))
            )

    def _compute_entitlement_consumption_ids(self):
        Ledger = self.env["service.entitlement.consumption"].sudo()
        rows = Ledger.search(
            [("res_model", "=", self._name), ("res_id", "in", self.ids)]
        )
        by_document = rows.grouped(lambda row: row.res_id)
        for doc in self:
            mine = by_document.get(doc.id, rows.browse())
            doc.entitlement_consumption_ids = mine.with_env(self.env)
            doc.entitlement_consumption_count = len(mine)

    def _entitlement_bypassed(self):
        """Context key ``service_entitlement_bypass``: documents behave as in
        plain Odoo (data imports, benchmarks against plain Odoo)."""
        return bool(self.env.context.get("service_entitlement_bypass"))

    def _entitlement_rematch(self):
        """Choose the best eligible entitlement for open documents that have
        not consumed yet."""
        if self._entitlement_bypassed():
            return
        lives = self._entitlement_live_consumptions()
        for doc in self:
            if not doc._entitlement_is_open() or doc.id in lives:
                continue
            best = doc._entitlement_rank(doc._entitlement_eligible())[:1]
            if best != doc.entitlement_id:
                doc.entitlement_id = best.with_env(self.env)

    @api.model_create_multi
    def create(self, vals_list):
        records = super().create(vals_list)
        for record, vals in zip(records, vals_list, strict=True):
            if "entitlement_id" not in vals:
                record._entitlement_rematch()
        return records

    def write(self, vals):
        res = super().write(vals)
        if "entitlement_id" not in vals and set(vals) & set(
            self._entitlement_match_depends()
        ):
            self._entitlement_rematch()
        return res

    def _entitlement_verdict(self, live):
        """(verdict, one-line explanation) for the document as it stands;
        ``live`` is its consumption of the current cycle, if any."""
        self.ensure_one()
        entitlement = self.entitlement_id.sudo()
        if not entitlement:
            return self._entitlement_verdict_without_entitlement()
        if self._entitlement_excludes(entitlement):
            return "excluded", self.env._(
                "%(entitlement)s excludes %(reason)s",
                entitlement=entitlement.display_name,
                reason=self._entitlement_get_fault_reason().name,
            )
        date = self._entitlement_get_date()
        if not live and not self._entitlement_is_valid_on(entitlement, date):
            return "not_valid", self.env._(
                "%(entitlement)s is not valid on %(date)s (%(start)s to %(end)s)",
                entitlement=entitlement.display_name,
                date=format_date(self.env, date),
                start=format_date(self.env, entitlement.date_start),
                end=format_date(self.env, entitlement.date_end),
            )
        if live:
            covered, overage = live.quantity, live.overage_quantity
        else:
            need = self._entitlement_quantity(entitlement)
            left = entitlement._remaining_for_channel(self._entitlement_get_channel())
            covered = min(need, max(left, 0.0))
            overage = need - covered
        if float_is_zero(overage, precision_digits=2):
            verdict = "covered"
        elif float_compare(covered, 0.0, precision_digits=2) > 0:
            verdict = "partial"
        else:
            verdict = "exhausted"
        return verdict, self._entitlement_explain(entitlement)

    def _entitlement_verdict_without_entitlement(self):
        candidates = self._entitlement_candidates()
        if not candidates:
            return "none", self.env._("No entitlement covers this item")
        date = self._entitlement_get_date()
        valid = candidates.filtered(lambda e: self._entitlement_is_valid_on(e, date))
        if valid:
            excluding = valid.filtered(self._entitlement_excludes)
            if excluding and excluding == valid:
                return "excluded", self.env._(
                    "%(entitlement)s excludes %(reason)s",
                    entitlement=excluding[0].display_name,
                    reason=self._entitlement_get_fault_reason().name,
                )
            return "none", self.env._("No entitlement chosen")
        best = self._entitlement_rank(candidates)[:1]
        return "not_valid", self.env._(
            "%(entitlement)s is not valid on %(date)s (%(start)s to %(end)s)",
            entitlement=best.display_name,
            date=format_date(self.env, date),
            start=format_date(self.env, best.date_start),
            end=format_date(self.env, best.date_end),
        )

    def _entitlement_explain(self, entitlement):
        level = self._entitlement_match_level(entitlement)
        lot = self._entitlement_get_lot()
        product = self._entitlement_get_product() or lot.product_id
        if level == MATCH_LOT:
            what = self.env._("Serial %(lot)s", lot=lot.name)
        elif level == MATCH_PRODUCT:
            what = self.env._("Product %(product)s", product=product.display_name)
        elif level == MATCH_CATEGORY:
            what = self.env._("Category %(categ)s", categ=product.categ_id.name)
        else:
            what = self.env._("All items")
        unit = dict(
            entitlement._fields["allocation_type"]._description_selection(self.env)
        )[entitlement.allocation_type].lower()
        left = f"{max(entitlement.remaining_terms, 0.0):g}"
        total = f"{entitlement.total_terms:g}"
        parts = [
            what,
            entitlement.display_name,
            self.env._(
                "%(left)s of %(total)s %(unit)s left",
                left=left,
                total=total,
                unit=unit,
            ),
            self.env._(
                "ends %(date)s", date=format_date(self.env, entitlement.date_end)
            ),
        ]
        return " · ".join(parts)

    # ------------------------------------------------------------------
    # Consumption
    # ------------------------------------------------------------------

    def _entitlement_quantity(self, entitlement):
        """Terms one document takes: one incident, or its labour hours."""
        self.ensure_one()
        if entitlement.allocation_type == "hours":
            return self._entitlement_get_hours()
        return 1.0

    def _entitlement_live_consumptions(self):
        """{document id: its consumption of the current cycle, not reversed},
        for all the documents in one query."""
        cycles = {
            doc.id: doc.entitlement_cycle for doc in self if isinstance(doc.id, int)
        }
        if not cycles:
            return {}
        rows = (
            self.env["service.entitlement.consumption"]
            .sudo()
            .search(
                [
                    ("res_model", "=", self._name),
                    ("res_id", "in", list(cycles)),
                    ("kind", "=", "consumption"),
                    ("reversal_ids", "=", False),
                ]
            )
        )
        return {row.res_id: row for row in rows if row.cycle == cycles[row.res_id]}

    def _entitlement_lock(self, entitlements):
        """Lock the entitlement rows in id order and mark them as written.

        Odoo runs transactions in REPEATABLE READ: a concurrent transaction
        that consumed from the same entitlement and committed after this one
        began makes the lock fail with a serialization error, and Odoo retries
        the whole request against the new balance.  Updating the row (not only
        locking it) makes sure the next consumer sees a conflict with us too.
        """
        ids = sorted(set(entitlements.ids))
        if not ids:
            return
        self.env.flush_all()
        # A serialization failure here is expected under concurrency and
        # retried by Odoo: do not log it as a bad query.
        self.env.cr.execute(
            "SELECT id FROM service_entitlement WHERE id = ANY(%s) "
            "ORDER BY id FOR NO KEY UPDATE",
            [ids],
            log_exceptions=False,
        )
        self.env.cr.execute(
            "UPDATE service_entitlement SET write_date = (now() at time zone 'UTC') "
            "WHERE id = ANY(%s)",
            [ids],
            log_exceptions=False,
        )
        entitlements.invalidate_recordset(["used_terms", "remaining_terms"])

    def _entitlement_can_override(self):
        return self.env.user.has_group("service_entitlement.group_entitlement_manager")

    def _entitlement_consume(self, trigger):
        """Take the terms of the documents whose entitlement consumes on
        ``trigger`` ('confirm' or 'done')."""
        if self._entitlement_bypassed():
            return self.env["service.entitlement.consumption"]
        docs = self.filtered(
            lambda d: d.entitlement_id and d.entitlement_id.sudo().consume_on == trigger
        )
        if not docs:
            return self.env["service.entitlement.consumption"]
        docs._entitlement_lock(docs.entitlement_id.sudo())
        # Read after the lock: what a concurrent transaction committed counts.
        lives = docs._entitlement_live_consumptions()
        rows = self.env["service.entitlement.consumption"]
        for doc in docs.sorted(lambda d: d.entitlement_id.id):
            if doc.id not in lives:
                rows |= doc._entitlement_consume_one()
        return rows

    def _entitlement_consume_one(self):
        self.ensure_one()
        Ledger = self.env["service.entitlement.consumption"].sudo()
        entitlement = self.entitlement_id.sudo()
        self._entitlement_check_usable(entitlement)
        need = self._entitlement_quantity(entitlement)
        channel = self._entitlement_get_channel()
        remaining = max(entitlement._remaining_for_channel(channel), 0.0)
        covered = min(need, remaining)
        overage = need - covered
        note = False
        if float_compare(overage, 0.0, precision_digits=2) > 0:
            note = self._entitlement_handle_overage(entitlement, need, remaining)
        row = Ledger.create(
            self._entitlement_prepare_consumption(entitlement, covered, overage, note)
        )
        self._entitlement_invalidate()
        entitlement._check_threshold_alert()
        return row

    def _entitlement_invalidate(self):
        """The ledger changed: forget what was computed from it."""
        self.invalidate_recordset(
            [
                "entitlement_consumption_ids",
                "entitlement_consumption_count",
                "entitlement_coverage",
                "entitlement_explanation",
            ]
        )

    def _entitlement_check_usable(self, entitlement):
        date = self._entitlement_get_date()
        if not self._entitlement_is_valid_on(entitlement, date):
            raise UserError(
                self.env._(
                    "%(doc)s cannot use %(entitlement)s: it is not valid on "
                    "%(date)s. Choose another entitlement or none.",
                    doc=self.display_name,
                    entitlement=entitlement.display_name,
                    date=format_date(self.env, date),
                )
            )
        if self._entitlement_excludes(entitlement):
            raise UserError(
                self.env._(
                    "%(doc)s cannot use %(entitlement)s: it excludes %(reason)s.",
                    doc=self.display_name,
                    entitlement=entitlement.display_name,
                    reason=self._entitlement_get_fault_reason().name,
                )
            )
        if (
            entitlement.allocation_type == "hours"
            and not float_compare(
                self._entitlement_get_hours(), 0.0, precision_digits=2
            )
            > 0
        ):
            raise UserError(
                self.env._(
                    "%(entitlement)s counts hours: record the labour hours of "
                    "%(doc)s first.",
                    entitlement=entitlement.display_name,
                    doc=self.display_name,
                )
            )

    def _entitlement_handle_overage(self, entitlement, need, remaining):
        """Apply the limit policy when ``need`` exceeds ``remaining``.

        Returns the note written on the ledger row, or raises."""
        unit = entitlement.allocation_type
        left, needed, extra = f"{remaining:g}", f"{need:g}", f"{need - remaining:g}"
        if entitlement.limit_policy == "block":
            if not (self.entitlement_override and self._entitlement_can_override()):
                raise UserError(
                    self.env._(
                        "%(entitlement)s has %(left)s %(unit)s left and %(doc)s "
                        "needs %(need)s: its policy blocks it. Choose another "
                        "entitlement, or ask an entitlement manager to override.",
                        entitlement=entitlement.display_name,
                        left=left,
                        unit=unit,
                        doc=self.display_name,
                        need=needed,
                    )
                )
            note = self.env._("Block overridden by %(user)s", user=self.env.user.name)
            if self.env.context.get("entitlement_override_bill"):
                note = self.env._(
                    "Block overridden by %(user)s, overage billed",
                    user=self.env.user.name,
                )
            self.entitlement_warning = True
        elif entitlement.limit_policy == "warn":
            note = self.env._("Beyond the terms (warning)")
            self.entitlement_warning = True
        else:
            note = self.env._(
                "Overage to bill: %(qty)s %(unit)s",
                qty=extra,
                unit=unit,
            )
        message = self.env._(
            "%(doc)s needs %(need)s %(unit)s of %(entitlement)s, which had "
            "%(left)s left: %(note)s.",
            doc=self.display_name,
            need=needed,
            unit=unit,
            entitlement=entitlement.display_name,
            left=left,
            note=note,
        )
        if hasattr(self, "message_post"):
            self.message_post(body=message)
        entitlement.message_post(body=message)
        return note

    def _entitlement_prepare_consumption(self, entitlement, covered, overage, note):
        self.ensure_one()
        bill = overage > 0 and (
            entitlement.limit_policy == "bill"
            or (
                entitlement.limit_policy == "block"
                and self.env.context.get("entitlement_override_bill")
            )
        )
        return {
            "channel": self._entitlement_get_channel(),
            "bill_overage": bill,
            "entitlement_id": entitlement.id,
            "quantity": covered,
            "overage_quantity": overage,
            "res_model": self._name,
            "res_id": self.id,
            "cycle": self.entitlement_cycle,
            "note": note,
            "user_id": self.env.user.id,
        }

    def _entitlement_release(self, note=False, next_cycle=False):
        """Reverse the live consumption of each document.

        With ``next_cycle`` the document may consume again afterwards (reset
        to draft, or re-consumption with new hours)."""
        Ledger = self.env["service.entitlement.consumption"].sudo()
        if self._entitlement_bypassed():
            return Ledger
        lives = self._entitlement_live_consumptions()
        self._entitlement_lock(Ledger.browse().union(*lives.values()).entitlement_id)
        reversals = Ledger
        for doc in self:
            live = lives.get(doc.id)
            if live:
                reversals |= Ledger.create(
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
                        "user_id": self.env.user.id,
                    }
                )
            if next_cycle:
                doc.entitlement_cycle += 1
        self._entitlement_invalidate()
        return reversals

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def action_view_entitlement_consumptions(self):
        self.ensure_one()
        action = self.env["ir.actions.actions"]._for_xml_id(
            "service_entitlement.service_entitlement_consumption_action"
        )
        action["domain"] = [("res_model", "=", self._name), ("res_id", "=", self.id)]
        action["context"] = {"create": False}
        return action
