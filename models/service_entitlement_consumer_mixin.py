from odoo import api, fields, models

from .ledger_guard import granted

COVERAGE_VERDICTS = [
    ("covered", "Covered"),
    ("partial", "Partly covered"),
    ("excluded", "Excluded"),
    ("not_valid", "Expired or not yet valid"),
    ("exhausted", "Exhausted"),
    ("suspended", "Suspended"),
    ("none", "No entitlement"),
]
ENTITLEMENT_DECISIONS = [("override", "Block Overridden"), ("goodwill", "Goodwill")]
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
    "planned_suspend_days",
]


class ServiceEntitlementConsumerMixin(models.AbstractModel):
    """Match, consume and give back entitlement terms from a service document.

    A document model (``repair.order``, a helpdesk ticket, a field service
    order...) inherits this mixin and says what it consumes by overriding the
    ``_entitlement_get_*`` hooks.  Its actions that move its state keep
    ``_entitlement_stages()`` from before and give them to the flow's
    ``_moved`` after (``repair.order._state_action``); other code may call
    ``_entitlement_consume(trigger)``, ``_entitlement_release()`` or
    ``_entitlement_sync()``, so that whatever the order of edits a document
    holds one live consumption when one is due and none
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

    # Chosen when the document is created, before its row is inserted (one
    # write less), and by the flow from then on (_entitlement_rematch): the
    # compute has no dependencies, so nothing else recomputes it.
    entitlement_id = fields.Many2one(
        "service.entitlement",
        compute="_compute_entitlement_id",
        store=True,
        readonly=False,
        precompute=True,
        index="btree_not_null",
        tracking=True,
        copy=False,
        domain="[('id', 'in', entitlement_eligible_ids)]",
        help="Entitlement that covers this document. Filled with the best "
        "eligible one; any other eligible entitlement may be chosen.",
    )
    # When the entitlement is used, kept on the document with its row (set
    # by the ORM whenever the entitlement or its terms change): moving a
    # document through its states need not read the entitlement.
    entitlement_consume_on = fields.Selection(
        related="entitlement_id.consume_on",
        string="Entitlement Used On",
        # Not the entitlement's tracking: the entitlement's change is logged.
        tracking=False,
        store=True,
        precompute=True,
        flow_only=True,
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
    # A decision taken on the document, with who, when and why: an entitlement
    # manager's override of a block (billing the overage or not), or goodwill
    # (covered without using the terms).  One at a time: goodwill replaces an
    # override; a document covered by goodwill needs no override.
    entitlement_decision = fields.Selection(
        ENTITLEMENT_DECISIONS,
        string="Decision",
        copy=False,
        readonly=True,
        tracking=True,
        help="Block overridden: an entitlement manager let this document go "
        "beyond the terms of a blocking entitlement. Goodwill: covered without "
        "using the entitlement's terms (do not decrement); the ledger shows a "
        "zero row with the reason.",
        flow_only=True,
    )
    entitlement_decision_bill = fields.Boolean(
        string="Bill the Overage",
        copy=False,
        readonly=True,
        tracking=True,
        help="The overridden overage is billed to the customer.",
        flow_only=True,
    )
    entitlement_decision_reason = fields.Char(
        string="Decision Reason",
        copy=False,
        readonly=True,
        tracking=True,
        flow_only=True,
    )
    entitlement_decision_user_id = fields.Many2one(
        "res.users",
        string="Decided By",
        copy=False,
        readonly=True,
        flow_only=True,
    )
    entitlement_decision_date = fields.Datetime(
        string="Decided On",
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

    def _entitlement_release_note(self):
        """Note of the reversal when a consumption is no longer due."""
        return self.env._("No longer due")

    def _entitlement_triggers_passed(self):
        """Which consumption triggers ('confirm', 'done') the document has
        passed in its current state: a document whose entitlement consumes
        on a passed trigger should hold a consumption."""
        return set()

    def _entitlement_suspension(self, entitlement):
        """Why ``entitlement``'s coverage of the document is suspended on the
        document's date: (contract line, overdue since) of a planned service
        overdue beyond what the contract allows, or None."""
        self.ensure_one()
        return entitlement._planned_suspension(
            self._entitlement_get_lot(), self._entitlement_get_date()
        )

    def _entitlement_suspended(self, entitlement):
        """The suspension that stops the document from using ``entitlement``:
        none once it is covered otherwise (goodwill, a re-repair).  Asked
        of a document that holds no consumption."""
        if self._entitlement_waiver(self.env["service.entitlement.consumption"]):
            return None
        return self._entitlement_suspension(entitlement)

    def _entitlement_waiver_code(self, live=None):
        return self._entitlement_plan(live, terms=False).waiver or False

    def _entitlement_goodwill_allowed(self):
        """Whether goodwill may still be granted (the document is not
        closed)."""
        return True

    # ------------------------------------------------------------------
    # The document's flow: create and write (matching, verdict,
    # decisions and consumption are in the service_entitlement_consumer_*
    # files)
    # ------------------------------------------------------------------

    def _entitlement_terms(self):
        """The documents' entitlements as the flow reads them: in full,
        whatever the user may read of entitlements.  A repair user without
        the add-on's roles still confirms repairs, a technician sees no
        overage price, and what the entitlement grants is decided on all its
        terms: this is the one place the flow reads them as superuser."""
        # sudo: the flow decides on all the terms, whatever the user may read
        return self.entitlement_id.sudo()

    def _entitlement_bypassed(self):
        """Whether the documents behave as in plain Odoo: none of them is of
        a company that uses entitlements (Settings), or the context key
        ``service_entitlement_bypass`` says so (data imports, benchmarks
        against plain Odoo).  The key is honoured for administrators only:
        any client can send a context key."""
        return not self._service_using("entitlements")

    def _service_using(self, feature):
        """The documents whose company uses ``feature``: "entitlements" (the
        add-on) or one of its optional features (res_company.FEATURES)."""
        if self.env.context.get("service_entitlement_bypass") and (
            self.env.su or self.env.user._is_system()
        ):
            return self.browse()
        return self.filtered(
            lambda doc: (
                doc._entitlement_get_company() or self.env.company
            )._service_uses(feature)
        )

    @api.model_create_multi
    def create(self, vals_list):
        records = super().create(vals_list)
        # An entitlement given by the caller (or by a ``default_`` key of the
        # context) must be eligible; the others were chosen by the compute.
        given = "default_entitlement_id" in self.env.context
        for record, vals in zip(records, vals_list, strict=True):
            if (vals.get("entitlement_id") or given) and record.entitlement_id:
                record._entitlement_check_eligible()
        return records

    def write(self, vals):
        """A changed customer, item, date or fault reason may change which
        entitlement covers the document, and whether it still does; its
        state moves only through its actions, which call the flow's
        ``_moved`` themselves."""
        if "entitlement_id" in vals:
            self._entitlement_check_can_change(vals["entitlement_id"])
        res = super().write(vals)
        match = set(vals) & set(self._entitlement_match_depends())
        if not ("entitlement_id" in vals or match):
            return res
        docs = self._service_using("entitlements")
        if not docs:
            return res
        lives = docs._entitlement_live_consumptions(include_open=False)
        if vals.get("entitlement_id") and "entitlement_id" not in granted(self._name):
            # Chosen by hand (rematching grants itself the best eligible).
            docs._entitlement_check_eligible(lives)
        elif "entitlement_id" not in vals:
            # A document that changed looks for its best entitlement; one
            # holding a consumption keeps its own.
            docs._entitlement_rematch(lives)
            docs._entitlement_check_still_covered(lives)
        self.env["service.entitlement.flow"]._sync(docs, lives)
        return res

    def _entitlement_stages(self):
        """{document id: its stage}, to give the flow's ``_moved`` after an
        action moved the state."""
        return {doc.id: doc._entitlement_stage() for doc in self}

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
        trigger = self.entitlement_consume_on
        return (trigger in passed) != (trigger in passed_before)

    def _entitlement_write_technical(self, vals):
        """Set technical fields (cycle, warning, override decision): the
        add-on's code does it through here, nobody else can."""
        return self._flow_write(vals)

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
