from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import SQL, float_compare, float_is_zero, format_date

from . import entitlement_policy as policy
from .ledger_guard import is_ledger_writer, ledger_writer

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
# What matching fetches of the candidates.
CANDIDATE_FIELDS = [
    "state",
    "response_hours",
    "resolution_hours",
    "entitlement_type",
    "date_start",
    "date_end",
    "is_default",
    "name",
    "code",
    "partner_id",
    "company_id",
    "allocation_type",
    "total_terms",
    "used_terms",
    "remaining_terms",
    "consume_on",
    "limit_policy",
    "has_channel_limits",
    "parts_coverage_percent",
    "labor_coverage_percent",
]


class ServiceEntitlementConsumerMixin(models.AbstractModel):
    """Match, consume and give back entitlement terms from a service document.

    A document model (``repair.order``, a helpdesk ticket, a field service
    order...) inherits this mixin and says what it consumes by overriding the
    ``_entitlement_get_*`` hooks; it calls ``_entitlement_consume(trigger)``
    when it is confirmed or done, ``_entitlement_release()`` when it is
    cancelled or reset, and ``_entitlement_sync()`` after any other change
    (fault reason, state written by other code), so that whatever the order of
    edits a document holds one live consumption when one is due and none
    otherwise.  The ledger (``service.entitlement.consumption``) owns the
    rules of consumption and takes the terms under the entitlement's lock, so
    that concurrent documents never take the same terms twice; the mixin
    matches and calls it.

    ``entitlement_id`` is checked on the server: only an eligible entitlement
    of the document's customer and company may be set, whatever the client.
    The technical fields (cycle, warning, override decision) are set only by
    the add-on's code.
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
        compute="_compute_entitlement_explanation",
    )
    entitlement_cycle = fields.Integer(
        copy=False,
        default=0,
        readonly=True,
        help="Technical: incremented each time the document's consumption is "
        "given back, so it can consume again.",
        flow_only=True,
    )
    entitlement_warning = fields.Boolean(
        string="Over Entitlement",
        copy=False,
        readonly=True,
        tracking=True,
        help="The document went beyond the entitlement's terms under a warn "
        "policy or a manager's override.",
        flow_only=True,
    )
    entitlement_override = fields.Boolean(
        string="Block Overridden",
        copy=False,
        readonly=True,
        tracking=True,
        help="An entitlement manager let this document go beyond the terms of "
        "a blocking entitlement.",
        flow_only=True,
    )
    entitlement_override_bill = fields.Boolean(
        string="Bill the Overage",
        copy=False,
        readonly=True,
        tracking=True,
        help="The overridden overage is billed to the customer.",
        flow_only=True,
    )
    entitlement_override_reason = fields.Char(
        string="Override Reason",
        copy=False,
        readonly=True,
        tracking=True,
        flow_only=True,
    )
    entitlement_override_user_id = fields.Many2one(
        "res.users",
        string="Overridden By",
        copy=False,
        readonly=True,
        flow_only=True,
    )
    entitlement_override_date = fields.Datetime(
        string="Overridden On",
        copy=False,
        readonly=True,
        flow_only=True,
    )
    entitlement_goodwill = fields.Boolean(
        string="Goodwill",
        copy=False,
        readonly=True,
        tracking=True,
        help="Covered without using the entitlement's terms (do not decrement): "
        "the ledger shows a zero row with the reason.",
        flow_only=True,
    )
    entitlement_goodwill_reason = fields.Char(
        string="Goodwill Reason",
        copy=False,
        readonly=True,
        tracking=True,
        flow_only=True,
    )
    entitlement_goodwill_user_id = fields.Many2one(
        "res.users",
        string="Goodwill Granted By",
        copy=False,
        readonly=True,
        flow_only=True,
    )
    entitlement_goodwill_date = fields.Datetime(
        string="Goodwill Granted On",
        copy=False,
        readonly=True,
        flow_only=True,
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

    @api.model
    def _entitlement_sync_depends(self):
        """Fields (besides the matching ones) whose change may make a
        consumption due or undue, such as the document's state."""
        return []

    def _entitlement_release_note(self):
        """Note of the reversal when a consumption is no longer due."""
        return self.env._("No longer due")

    def _entitlement_triggers_passed(self):
        """Which consumption triggers ('confirm', 'done') the document has
        passed in its current state: a document whose entitlement consumes
        on a passed trigger should hold a consumption."""
        return set()

    def _entitlement_waiver(self):
        """Why the document is covered without using its entitlement's terms:
        {waiver (a code of the ledger's ``waiver``), note, user}, or None.
        Goodwill here; documents add their own (a repair's re-repair)."""
        self.ensure_one()
        if self.entitlement_goodwill:
            return {
                "waiver": "goodwill",
                "note": self.env._(
                    "Goodwill: %(reason)s", reason=self.entitlement_goodwill_reason
                ),
                "user": self.entitlement_goodwill_user_id or self.env.user,
            }
        return None

    def _entitlement_waiver_code(self):
        waiver = self._entitlement_waiver()
        return waiver["waiver"] if waiver else False

    def _entitlement_goodwill_allowed(self):
        """Whether goodwill may still be granted (the document is not
        closed)."""
        return True

    # ------------------------------------------------------------------
    # Computes
    # ------------------------------------------------------------------

    def _entitlement_candidates(self):
        """Entitlements of the customer that cover the document's item, with
        what validity, ranking and the verdict read (state, dates, default,
        name) fetched."""
        return self._entitlement_match()[0]

    def _entitlement_match(self):
        """(candidates, facts): the entitlements of the customer that cover
        the document's item, and {entitlement id: (match level, whether it
        excludes the document's fault reason)} for them.

        One query whatever the number of entitlements in the database: it
        reads the customer's entitlements of the company in the candidate
        states through the index on partner, company and state, and tells of
        each how it matches the item (the primary keys of the coverage
        relation tables).  What validity, ranking, the verdict and the cost
        coverage read of the candidates is fetched with them.
        """
        self.ensure_one()
        Entitlement = self.env["service.entitlement"].sudo()
        partner = self._entitlement_get_partner()._origin
        if not partner:
            return Entitlement, {}
        Entitlement.flush_model(["coverage_scope", *CANDIDATE_FIELDS])
        query = Entitlement._search(
            [
                ("company_id", "=", self._entitlement_get_company().id),
                ("state", "in", ("active", "waiting", "expired")),
            ],
            order="date_end, id",
        )
        table = query.table
        query.add_where(
            SQL(
                "%s = %s",
                SQL.identifier(table, "partner_id"),
                partner.sudo().commercial_partner_id.id,
            )
        )
        fields = [Entitlement._fields[fname] for fname in CANDIDATE_FIELDS]
        level, excluded = self._entitlement_match_sql(SQL.identifier(table, "id"))
        rows = self.env.execute_query(
            query.select(
                SQL.identifier(table, "id"),
                *(
                    Entitlement._field_to_sql(table, field.name, query)
                    for field in fields
                ),
                SQL("%s = 'all'", SQL.identifier(table, "coverage_scope")),
                level,
                excluded,
            )
        )
        # Covering the item: by one of its coverage relations, or everything.
        rows = [row for row in rows if row[-2] < MATCH_ALL or row[-3]]
        if not rows:
            return Entitlement, {}
        columns = list(zip(*rows, strict=True))
        candidates = Entitlement.browse(columns[0])
        for field, values in zip(fields, columns[1:], strict=False):
            self.env.cache.insert_missing(candidates, field, values)
        facts = {row[0]: (row[-2], row[-1]) for row in rows}
        return candidates, facts

    def _entitlement_match_sql(self, entitlement_id):
        """SQL (match level, excludes the fault reason) of the entitlement
        whose id is the SQL ``entitlement_id``, for the document's item and
        fault reason: what ranking and eligibility need of the coverage
        relations."""
        lot = self._entitlement_get_lot()._origin
        product = (self._entitlement_get_product() or lot.product_id)._origin
        reason = self._entitlement_get_fault_reason()._origin
        Entitlement = self.env["service.entitlement"]
        Entitlement.flush_model(
            ["lot_ids", "product_ids", "product_categ_ids", "excluded_fault_reason_ids"]
        )

        def related(fname, values):
            """Whether the entitlement is related to one of ``values`` (a
            recordset, or SQL giving an array of ids): archived records do
            not count, as in the field's value.  Conditions on the relation's
            primary key and uncorrelated subqueries only, which PostgreSQL
            plans quickly (this runs at every match)."""
            if isinstance(values, models.BaseModel):
                if not values:
                    return SQL("FALSE")
                if "active" in values._fields:
                    values = SQL(
                        "ARRAY(SELECT id FROM %s WHERE id = ANY(%s) AND active)",
                        SQL.identifier(values._table),
                        values.ids,
                    )
                else:
                    values = SQL("%s", values.ids)
            field = Entitlement._fields[fname]
            return SQL(
                "EXISTS (SELECT 1 FROM %s r WHERE %s = %s AND %s = ANY(%s::int[]))",
                SQL.identifier(field.relation),
                SQL.identifier("r", field.column1),
                entitlement_id,
                SQL.identifier("r", field.column2),
                values,
            )

        level = SQL(
            "CASE WHEN %s THEN %s WHEN %s THEN %s WHEN %s THEN %s ELSE %s END",
            related("lot_ids", lot),
            MATCH_LOT,
            related("product_ids", product),
            MATCH_PRODUCT,
            related(
                "product_categ_ids",
                self._entitlement_category_path(product) if product else product,
            ),
            MATCH_CATEGORY,
            MATCH_ALL,
        )
        return level, related("excluded_fault_reason_ids", reason)

    def _entitlement_category_path(self, product):
        """SQL: the array of the ids of the product's category and its
        parents."""
        self.env["product.product"].flush_model(["product_tmpl_id"])
        self.env["product.template"].flush_model(["categ_id"])
        self.env["product.category"].flush_model(["parent_path"])
        return SQL(
            """(SELECT string_to_array(rtrim(c.parent_path, '/'), '/')::int[]
                  FROM product_category c
                 WHERE c.id = (SELECT t.categ_id
                                 FROM product_template t
                                WHERE t.id = (SELECT p.product_tmpl_id
                                                FROM product_product p
                                               WHERE p.id = %s)))""",
            product.id,
        )

    def _entitlement_match_facts(self, entitlements):
        """{entitlement id: (match level, whether it excludes the document's
        fault reason)} for ``entitlements``, in one query whatever their
        number."""
        self.ensure_one()
        ids = entitlements._origin.ids
        if not ids:
            return {}
        level, excluded = self._entitlement_match_sql(SQL("e.id"))
        rows = self.env.execute_query(
            SQL(
                "SELECT e.id, %s, %s FROM unnest(%s::int[]) AS e(id)",
                level,
                excluded,
                ids,
            )
        )
        return {
            entitlement_id: (level, excluded)
            for entitlement_id, level, excluded in rows
        }

    def _entitlement_match_level(self, entitlement):
        facts = self._entitlement_match_facts(entitlement)
        return facts.get(entitlement._origin.id, (MATCH_ALL, False))[0]

    def _entitlement_is_valid_on(self, entitlement, date):
        return (
            entitlement.state == "active"
            and entitlement.date_start <= date <= entitlement.date_end
        )

    def _entitlement_excludes(self, entitlement):
        reason = self._entitlement_get_fault_reason()
        return bool(reason and reason in entitlement.excluded_fault_reason_ids)

    def _entitlement_rank(self, entitlements, facts=None):
        """Eligible entitlements, best first: most specific coverage, then
        the default one, then the earliest end date, then the oldest.  The
        coverage levels come from ``facts`` (of ``_entitlement_match``), else
        from one query."""
        if len(entitlements) < 2:
            return entitlements
        if facts is None:
            facts = self._entitlement_match_facts(entitlements)
        return entitlements.sorted(
            lambda e: (
                facts.get(e._origin.id, (MATCH_ALL, False))[0],
                not e.is_default,
                e.date_end,
                e.id,
            )
        )

    def _entitlement_eligible(self, match=None):
        """Candidates valid on the document's date that do not exclude its
        fault reason; ``match`` is what ``_entitlement_match`` returned, if
        the caller has it."""
        self.ensure_one()
        candidates, facts = match or self._entitlement_match()
        date = self._entitlement_get_date()
        return candidates.filtered(
            lambda e: (
                self._entitlement_is_valid_on(e, date)
                and not facts.get(e.id, (MATCH_ALL, False))[1]
            )
        )

    def _entitlement_ranked_eligible(self):
        """Eligible entitlements, best first, from one query."""
        match = self._entitlement_match()
        return self._entitlement_rank(self._entitlement_eligible(match), match[1])

    @api.depends(lambda self: self._entitlement_match_depends())
    def _compute_entitlement_eligible_ids(self):
        for doc in self:
            doc.entitlement_eligible_ids = doc._entitlement_ranked_eligible().with_env(
                self.env
            )

    @api.depends(
        lambda self: [
            *self._entitlement_match_depends(),
            "entitlement_id",
            "entitlement_id.remaining_terms",
            "entitlement_cycle",
        ]
    )
    def _compute_entitlement_coverage(self):
        # The verdict alone: Under Warranty and the cost coverage follow it,
        # and need not pay for the explanation's formatting.
        lives = self._entitlement_live_consumptions(include_open=False)
        Ledger = self.env["service.entitlement.consumption"]
        for doc in self:
            doc.entitlement_coverage = doc._entitlement_verdict(
                lives.get(doc.id, Ledger), explain=False
            )[0]

    @api.depends(
        lambda self: [
            *self._entitlement_match_depends(),
            "entitlement_id",
            "entitlement_id.remaining_terms",
            "entitlement_cycle",
        ]
    )
    def _compute_entitlement_explanation(self):
        lives = self._entitlement_live_consumptions(include_open=False)
        Ledger = self.env["service.entitlement.consumption"]
        for doc in self:
            doc.entitlement_explanation = doc._entitlement_verdict(
                lives.get(doc.id, Ledger)
            )[1]

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
        plain Odoo (data imports, benchmarks against plain Odoo).  Honoured for
        administrators only: any client can send a context key."""
        return bool(
            self.env.context.get("service_entitlement_bypass")
            and (self.env.su or self.env.user._is_system())
        )

    def _entitlement_rematch(self, lives=None):
        """Choose the best eligible entitlement for open documents that have
        not consumed yet."""
        if self._entitlement_bypassed():
            return
        if lives is None:
            lives = self._entitlement_live_consumptions(include_open=False)
        for doc in self:
            if not doc._entitlement_is_open() or doc.id in lives:
                continue
            best = doc._entitlement_ranked_eligible()[:1]
            if best != doc.entitlement_id:
                # Chosen among the eligible ones: no need to check it again.
                with ledger_writer():
                    doc.entitlement_id = best.with_env(self.env)

    @api.model_create_multi
    def create(self, vals_list):
        records = super().create(vals_list)
        sync = set(self._entitlement_sync_depends())
        for record, vals in zip(records, vals_list, strict=True):
            if vals.get("entitlement_id") and not is_ledger_writer():
                record._entitlement_check_eligible()
            elif "entitlement_id" not in vals:
                # Part of the creation: nothing to track in the chatter yet.
                record.with_context(tracking_disable=True)._entitlement_rematch()
            if sync & set(vals):
                record._entitlement_sync()
        return records

    def write(self, vals):
        if "entitlement_id" in vals:
            self._entitlement_check_can_change(vals["entitlement_id"])
        moved = set(vals) & set(self._entitlement_sync_depends())
        if moved:
            before = {doc.id: doc._entitlement_stage() for doc in self}
        res = super().write(vals)
        if self._entitlement_bypassed():
            return res
        match = set(vals) & set(self._entitlement_match_depends())
        docs = self
        if not ("entitlement_id" in vals or match):
            # Only the state moved: documents whose consumption cannot be
            # due or undue because of it (confirmed -> under repair, or ->
            # done when the entitlement consumed on confirmation) need nothing.
            docs = self.filtered(
                lambda d: moved and d._entitlement_stage_moves(before[d.id])
            )
            if not docs:
                return res
        # A document that was open holds no consumption (it gave it back on
        # the way): no need to ask the ledger.
        was_open = docs.filtered(lambda d: moved and before[d.id][0])
        lives = (docs - was_open)._entitlement_live_consumptions(
            include_open=bool(moved)
        )
        if vals.get("entitlement_id") and not is_ledger_writer():
            docs._entitlement_check_eligible(lives)
        elif "entitlement_id" not in vals:
            # A document that changed, or became open again, looks for its
            # best entitlement; one holding a consumption keeps its own.
            docs._entitlement_rematch(lives)
            if match:
                docs._entitlement_check_still_covered(lives)
        docs._entitlement_sync(lives)
        return res

    def _entitlement_stage(self):
        """What of the document's state matters to its consumption."""
        return self._entitlement_is_open(), frozenset(
            self._entitlement_triggers_passed()
        )

    def _entitlement_stage_moves(self, before):
        """Whether going from stage ``before`` to the current one may make
        the document's consumption due or undue."""
        was_open, passed_before = before
        is_open, passed = self._entitlement_stage()
        if was_open != is_open:
            return True
        if passed == passed_before:
            return False
        trigger = self.entitlement_id.sudo().consume_on
        return (trigger in passed) != (trigger in passed_before)

    def _entitlement_write_technical(self, vals):
        """Set technical fields (cycle, warning, override decision): the
        add-on's code does it through here, nobody else can."""
        with ledger_writer():
            return self.sudo().write(vals)

    def _entitlement_check_can_change(self, entitlement_id):
        """A document that holds a consumption keeps its entitlement until the
        consumption is given back (reset to draft, or cancel)."""
        lives = self._entitlement_live_consumptions(include_open=False)
        for doc in self:
            if doc.id in lives and doc.entitlement_id.id != (entitlement_id or False):
                raise UserError(
                    self.env._(
                        "%(doc)s has already used %(entitlement)s: reset it to "
                        "draft before choosing another entitlement.",
                        doc=doc.display_name,
                        entitlement=doc.entitlement_id.sudo().display_name,
                    )
                )

    def _entitlement_check_eligible(self, lives=None):
        """The entitlement set on each document is one of its eligible ones:
        its customer's (or the customer's company's), of its company, valid on
        its date, covering its item, not excluding its fault reason."""
        if lives is None:
            lives = self._entitlement_live_consumptions(include_open=False)
        for doc in self.filtered("entitlement_id"):
            entitlement = doc.entitlement_id.sudo()
            if doc.id in lives and lives[doc.id].entitlement_id == entitlement:
                continue
            if entitlement not in doc._entitlement_eligible():
                raise ValidationError(
                    self.env._(
                        "%(entitlement)s cannot cover %(doc)s: only an active "
                        "entitlement of the document's customer and company, "
                        "valid on its date, covering its item and not excluding "
                        "its fault reason can be chosen.",
                        entitlement=entitlement.display_name,
                        doc=doc.display_name,
                    )
                )

    def _entitlement_check_still_covered(self, lives):
        """A document holding a consumption may not move to another customer,
        company or item than its entitlement covers."""
        for doc in self.filtered(lambda d: d.id in lives):
            entitlement = lives[doc.id].entitlement_id
            if entitlement not in doc._entitlement_candidates():
                raise ValidationError(
                    self.env._(
                        "%(doc)s has used %(entitlement)s, which does not cover "
                        "its new customer, company or item: reset it to draft "
                        "first.",
                        doc=doc.display_name,
                        entitlement=entitlement.display_name,
                    )
                )

    def _entitlement_verdict(self, live, explain=True):
        """(verdict, one-line explanation) for the document as it stands;
        ``live`` is its consumption of the current cycle, if any.  Without
        ``explain``, the explanation of a covered, partly covered or
        exhausted document is left out (False)."""
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
        # A document that consumed was valid when it did.
        date = not live and self._entitlement_get_date()
        if not live and not self._entitlement_is_valid_on(entitlement, date):
            return "not_valid", self.env._(
                "%(entitlement)s is not valid on %(date)s (%(start)s to %(end)s)",
                entitlement=entitlement.display_name,
                date=format_date(self.env, date),
                start=format_date(self.env, entitlement.date_start),
                end=format_date(self.env, entitlement.date_end),
            )
        if self.entitlement_goodwill:
            return "covered", explain and self.env._(
                "Goodwill (%(reason)s), no terms used · %(explanation)s",
                reason=self.entitlement_goodwill_reason,
                explanation=self._entitlement_explain(entitlement),
            )
        if live:
            covered, overage = live.quantity, live.overage_quantity
        else:
            covered, overage = policy.split(
                self._entitlement_quantity(entitlement),
                entitlement._remaining_for_channel(self._entitlement_get_channel()),
            )
        if float_is_zero(overage, precision_digits=2):
            verdict = "covered"
        elif float_compare(covered, 0.0, precision_digits=2) > 0:
            verdict = "partial"
        else:
            verdict = "exhausted"
        return verdict, explain and self._entitlement_explain(entitlement)

    def _entitlement_verdict_without_entitlement(self):
        candidates, facts = self._entitlement_match()
        if not candidates:
            return "none", self.env._("No entitlement covers this item")
        date = self._entitlement_get_date()
        valid = candidates.filtered(lambda e: self._entitlement_is_valid_on(e, date))
        if valid:
            excluding = valid.filtered(lambda e: facts.get(e.id, (MATCH_ALL, False))[1])
            if excluding and excluding == valid:
                return "excluded", self.env._(
                    "%(entitlement)s excludes %(reason)s",
                    entitlement=excluding[0].display_name,
                    reason=self._entitlement_get_fault_reason().name,
                )
            return "none", self.env._("No entitlement chosen")
        best = self._entitlement_rank(candidates, facts)[:1]
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
        unit = entitlement._unit_label()
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

    def _entitlement_live_consumptions(self, include_open=True):
        """{document id: its consumption of the current cycle, not reversed},
        for all the documents in one query.

        Open documents (drafts) hold none: a document that becomes open gives
        its consumption back on the way (see ``_entitlement_sync``).  Callers
        that only need the documents' settled state pass
        ``include_open=False`` and spare the query for drafts."""
        cycles = {
            doc.id: doc.entitlement_cycle
            for doc in self
            if isinstance(doc.id, int)
            and (include_open or not doc._entitlement_is_open())
        }
        if not cycles:
            return {}
        Ledger = self.env["service.entitlement.consumption"].sudo()
        # What the ledger already told this transaction (see
        # ServiceEntitlementConsumption._known_lives).
        known = Ledger._known_lives()
        lives, missing = {}, []
        for doc_id, cycle in cycles.items():
            entry = known.get((self._name, doc_id))
            if entry is None or entry[0] != cycle:
                missing.append(doc_id)
            elif entry[1]:
                lives[doc_id] = Ledger.browse(entry[1])
        if not missing:
            return lives
        rows = Ledger.search_fetch(
            [
                ("res_model", "=", self._name),
                ("res_id", "in", missing),
                ("kind", "=", "consumption"),
                ("reversal_ids", "=", False),
            ],
            [
                "res_id",
                "cycle",
                "entitlement_id",
                "quantity",
                "overage_quantity",
                "channel",
                "waiver",
            ],
        )
        found = {row.res_id: row for row in rows if row.cycle == cycles[row.res_id]}
        for doc_id in missing:
            row = found.get(doc_id)
            known[(self._name, doc_id)] = (cycles[doc_id], row.id if row else False)
        lives.update(found)
        return lives

    def _entitlement_can_override(self):
        return self.env.user.has_group("service_entitlement.group_entitlement_manager")

    def _entitlement_override_decision(self):
        """The decision stored on the document to go beyond a blocking
        entitlement: {bill, reason, user}, or None."""
        self.ensure_one()
        if not self.entitlement_override:
            return None
        return {
            "bill": self.entitlement_override_bill,
            "reason": self.entitlement_override_reason or "",
            "user": self.entitlement_override_user_id or self.env.user,
        }

    def _entitlement_set_override(self, reason, bill=False):
        """Store an entitlement manager's decision to go beyond a blocking
        entitlement, with who, when and why; it holds whatever path later
        confirms the document."""
        if not self._entitlement_can_override():
            raise UserError(
                self.env._("Only entitlement managers can override a blocked repair.")
            )
        if not (reason or "").strip():
            raise UserError(self.env._("Give the reason for the override."))
        for doc in self:
            entitlement = doc.entitlement_id.sudo()
            if bill and not entitlement.overage_product_id:
                raise UserError(
                    self.env._(
                        "%(entitlement)s has no overage product: the overage of "
                        "%(doc)s cannot be billed. Set one on the entitlement, or "
                        "override without billing.",
                        entitlement=entitlement.display_name,
                        doc=doc.display_name,
                    )
                )
        self._entitlement_write_technical(
            {
                "entitlement_override": True,
                "entitlement_override_bill": bool(bill),
                "entitlement_override_reason": reason.strip(),
                "entitlement_override_user_id": self.env.user.id,
                "entitlement_override_date": fields.Datetime.now(),
            }
        )
        if hasattr(self, "message_post"):
            for doc in self:
                doc.message_post(
                    body=self.env._(
                        "%(user)s overrides the block of %(entitlement)s%(bill)s: "
                        "%(reason)s",
                        user=self.env.user.name,
                        entitlement=doc.entitlement_id.sudo().display_name,
                        bill=self.env._(", overage billed") if bill else "",
                        reason=reason.strip(),
                    )
                )

    def _entitlement_can_grant_goodwill(self):
        return self.env.user.has_group("service_entitlement.group_service_desk")

    def _entitlement_set_goodwill(self, reason):
        """Cover the documents by their entitlement without using its terms
        (Dynamics 365's "do not decrement entitlement terms"), with who, when
        and why.  A document that already used terms gives them back and
        holds a zero row instead."""
        if not self._entitlement_can_grant_goodwill():
            raise AccessError(self.env._("Only the service desk can grant goodwill."))
        reason = (reason or "").strip()
        if not reason:
            raise UserError(self.env._("Give the reason for the goodwill."))
        for doc in self:
            if not doc.entitlement_id:
                raise UserError(
                    self.env._(
                        "%(doc)s has no entitlement: goodwill covers a document "
                        "by its entitlement without using the terms. Choose "
                        "the entitlement first.",
                        doc=doc.display_name,
                    )
                )
            if not doc._entitlement_goodwill_allowed():
                raise UserError(
                    self.env._(
                        "%(doc)s is closed: goodwill can no longer be granted.",
                        doc=doc.display_name,
                    )
                )
        self._entitlement_write_technical(
            {
                "entitlement_goodwill": True,
                "entitlement_goodwill_reason": reason,
                "entitlement_goodwill_user_id": self.env.user.id,
                "entitlement_goodwill_date": fields.Datetime.now(),
            }
        )
        self._entitlement_sync()
        self._entitlement_invalidate()
        if hasattr(self, "message_post"):
            for doc in self:
                doc.message_post(
                    body=self.env._(
                        "%(user)s grants goodwill: covered by %(entitlement)s "
                        "without using its terms. Reason: %(reason)s",
                        user=self.env.user.name,
                        entitlement=doc.entitlement_id.sudo().display_name,
                        reason=reason,
                    )
                )

    def _entitlement_consume(self, trigger):
        """Take the terms of the documents whose entitlement consumes on
        ``trigger`` ('confirm' or 'done')."""
        if self._entitlement_bypassed():
            return self.env["service.entitlement.consumption"]
        return self.filtered(
            lambda d: d.entitlement_id and d.entitlement_id.sudo().consume_on == trigger
        )._entitlement_take()

    def _entitlement_take(self, lives=None):
        """Consume for each document with an entitlement that holds no live
        consumption yet: the ledger applies the entitlement's rules."""
        Ledger = self.env["service.entitlement.consumption"]
        docs = self.filtered("entitlement_id")
        if not docs or self._entitlement_bypassed():
            return Ledger
        if lives is None:
            lives = docs._entitlement_live_consumptions()
        rows = Ledger
        for doc in docs.sorted(lambda d: d.entitlement_id.id):
            if doc.id in lives:
                continue
            entitlement = doc.entitlement_id.sudo()
            doc._entitlement_check_usable(entitlement)
            row = Ledger._consume(doc, entitlement)
            if row.overage_quantity > 0:
                doc._entitlement_note_overage(row)
            rows |= row
        docs._entitlement_invalidate()
        return rows

    def _entitlement_note_overage(self, row):
        """Show on the document that it went beyond its entitlement's terms:
        the warning flag (unless the overage is billed) and a message."""
        self.ensure_one()
        if row._is_beyond_terms():
            self._entitlement_write_technical({"entitlement_warning": True})
        if hasattr(self, "message_post"):
            self.message_post(
                body=row._overage_message(
                    self.display_name,
                    row.entitlement_id,
                    row.quantity + row.overage_quantity,
                    row.quantity,
                    row.note,
                )
            )

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
            and not self._entitlement_waiver()
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

    def _entitlement_release(self, note=False):
        """Reverse the live consumption of each document.  A document whose
        consumption was given back moves to its next cycle, in which it may
        consume again."""
        Ledger = self.env["service.entitlement.consumption"]
        if self._entitlement_bypassed():
            return Ledger
        lives = self._entitlement_live_consumptions()
        if not lives:
            return Ledger
        live_rows = Ledger.sudo().browse().union(*lives.values())
        reversals = Ledger._reverse(live_rows, note=note)
        for doc in self.filtered(lambda d: d.id in lives):
            doc._entitlement_write_technical(
                {"entitlement_cycle": doc.entitlement_cycle + 1}
            )
        self._entitlement_invalidate()
        return reversals

    def _entitlement_sync(self, lives=None):
        """Bring each document's consumption in line with what it is now.

        A document holds one live consumption when its entitlement consumes
        on a trigger the document has passed and does not exclude it, and
        none otherwise: an excluded fault reason gives the terms back, taking
        it away again consumes again."""
        if self._entitlement_bypassed():
            return
        if lives is None:
            lives = self._entitlement_live_consumptions()
        to_release, to_take, to_retake = self.browse(), self.browse(), self.browse()
        for doc in self:
            entitlement = doc.entitlement_id.sudo()
            excluded = bool(entitlement) and doc._entitlement_excludes(entitlement)
            due = (
                bool(entitlement)
                and not excluded
                and entitlement.consume_on in doc._entitlement_triggers_passed()
            )
            live = lives.get(doc.id)
            if live and (not due or live.entitlement_id != entitlement):
                to_release |= doc
            elif live and live.waiver != doc._entitlement_waiver_code():
                # Goodwill granted, or a re-repair link set or cleared: the
                # row says how the document is covered, so it is replaced.
                to_retake |= doc
            elif not live and due:
                to_take |= doc
        for doc in to_release:
            entitlement = doc.entitlement_id.sudo()
            if entitlement and doc._entitlement_excludes(entitlement):
                reason = doc._entitlement_get_fault_reason()
                doc._entitlement_release(
                    note=self.env._(
                        "Fault reason %(reason)s is excluded", reason=reason.name
                    )
                )
                if hasattr(doc, "message_post"):
                    doc.message_post(
                        body=self.env._(
                            "Not covered: %(entitlement)s excludes %(reason)s; its "
                            "consumption was reversed.",
                            entitlement=entitlement.display_name,
                            reason=reason.name,
                        )
                    )
            else:
                doc._entitlement_release(note=doc._entitlement_release_note())
        to_take._entitlement_take(lives)
        for doc in to_retake:
            doc._entitlement_release(note=self.env._("Covered otherwise"))
            doc._entitlement_take()

    def _entitlement_recount_hours(self):
        """Hours entitlements consumed before the final hours were known take
        the final hours: the consumption is given back and taken again."""
        lives = self._entitlement_live_consumptions(include_open=False)
        for doc in self:
            live = lives.get(doc.id)
            if (
                not live
                or live.waiver
                or live.entitlement_id.allocation_type != "hours"
            ):
                continue
            if not float_compare(
                live.quantity + live.overage_quantity,
                doc._entitlement_get_hours(),
                precision_digits=2,
            ):
                continue
            doc._entitlement_release(note=self.env._("Labour hours changed"))
            doc._entitlement_take()

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
