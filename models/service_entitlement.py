from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools.sql import create_index

from . import entitlement_policy as policy
from .service_entitlement_reservation import TOUCHED

# Fields that define what an entitlement grants.  Once the entitlement is no
# longer a draft, only entitlement managers may change them.
TERMS_FIELDS = frozenset(
    {
        "partner_id",
        "company_id",
        "entitlement_type",
        "date_start",
        "date_end",
        "allocation_type",
        "total_terms",
        "limit_policy",
        "consume_on",
        "lot_ids",
        "product_ids",
        "product_categ_ids",
        "excluded_fault_reason_ids",
        "parts_coverage_percent",
        "labor_coverage_percent",
        "overage_product_id",
        "overage_price",
        "analytic_distribution",
        "carry_over",
        "carry_over_max",
        "renewal_product_id",
        "channel_limit_ids",
        "response_hours",
        "resolution_hours",
        "transferable",
        "replacement_fresh",
        "proration_method",
        "period_alignment",
    }
)
# Fields every user who may write an entitlement may change, whatever its state.
FREE_FIELDS = frozenset({"description", "user_id"})


# An entitlement with ledger rows.
USED = [("consumption_ids", "!=", False)]


class ServiceEntitlement(models.Model):
    """A warranty, service contract or support plan: what a customer is
    entitled to, how much, and when.  The terms it shares with its template
    come from ``service.entitlement.terms.mixin``; renewal and alerts extend
    this model in files of their own."""

    _name = "service.entitlement"
    _description = "Service Entitlement"
    _inherit = [
        "service.entitlement.terms.mixin",
        "mail.thread",
        "mail.activity.mixin",
        "analytic.mixin",
        "portal.mixin",
    ]
    _order = "date_end, id"
    _check_company_auto = True
    _rec_names_search = ["name", "code", "partner_id.name"]
    # Once used, an entitlement stays its customer's and its company's: its
    # ledger rows say whose terms they moved.
    _flow_only_declared = dict.fromkeys(("partner_id", "company_id"), USED)

    name = fields.Char(required=True, tracking=True)
    code = fields.Char(
        string="Reference",
        required=True,
        readonly=True,
        copy=False,
        default="New",
        index="trigram",
    )
    active = fields.Boolean(default=True)
    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        index=True,
        tracking=True,
        check_company=True,
        domain="[('is_company', '=', True)]",
        help="The commercial partner (company) whose service items are covered. "
        "Contacts of the company inherit its entitlements.",
    )
    company_id = fields.Many2one(
        required=True,
        default=lambda self: self.env.company,
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    user_id = fields.Many2one(
        "res.users",
        string="Responsible",
        default=lambda self: self.env.user,
        tracking=True,
        check_company=True,
    )
    template_id = fields.Many2one(
        "service.entitlement.template",
        check_company=True,
        copy=False,
    )
    entitlement_type = fields.Selection(tracking=True)
    state = fields.Selection(
        [
            ("draft", "Draft"),
            ("waiting", "Waiting"),
            ("active", "Active"),
            ("expired", "Expired"),
            ("cancelled", "Cancelled"),
        ],
        required=True,
        default="draft",
        readonly=True,
        copy=False,
        index=True,
        tracking=True,
        flow_only=True,
    )
    is_default = fields.Boolean(
        string="Default",
        help="When several entitlements of the customer cover a repair equally "
        "well, the default one is chosen first.",
    )
    date_start = fields.Date(
        string="Start Date",
        required=True,
        default=fields.Date.context_today,
        index=True,
        tracking=True,
    )
    date_end = fields.Date(
        string="End Date",
        required=True,
        default=lambda self: (
            fields.Date.context_today(self) + relativedelta(years=1, days=-1)
        ),
        index=True,
        tracking=True,
    )
    allocation_type = fields.Selection(
        tracking=True,
        help="Incidents: each repair uses one. Hours: each repair uses its labour "
        "hours.",
    )
    total_terms = fields.Float(
        tracking=True,
        help="Number of incidents or hours granted.",
    )
    used_terms = fields.Float(
        readonly=True,
        flow_only=True,
        copy=False,
        default=0.0,
        digits="Product Unit of Measure",
        help="Sum of the consumption ledger. Kept by the ledger in step with "
        "its rows, under the entitlement's lock.",
    )
    remaining_terms = fields.Float(
        compute="_compute_terms",
        store=True,
        flow_only=True,
        digits="Product Unit of Measure",
    )
    remaining_percent = fields.Float(
        compute="_compute_terms",
        store=True,
        flow_only=True,
        aggregator=False,
    )
    limit_policy = fields.Selection(
        tracking=True,
        help="What happens when a repair needs more than what is left: "
        "block it, let it through with a warning, or cover what is left and "
        "bill the rest.",
    )
    consume_on = fields.Selection(tracking=True)
    transferable = fields.Boolean(tracking=True)
    proration_method = fields.Selection(tracking=True)
    period_alignment = fields.Selection(tracking=True)
    lot_ids = fields.Many2many(
        "stock.lot",
        "service_entitlement_stock_lot_rel",
        "entitlement_id",
        "lot_id",
        string="Serial Numbers",
        check_company=True,
        domain="[('product_id.tracking', '!=', 'none')]",
        help="Service items covered. Leave empty together with products and "
        "categories to cover everything the customer brings.",
    )
    product_ids = fields.Many2many(
        relation="service_entitlement_product_product_rel",
        column1="entitlement_id",
        column2="product_id",
    )
    product_categ_ids = fields.Many2many(
        relation="service_entitlement_product_category_rel",
        column1="entitlement_id",
        column2="categ_id",
    )
    excluded_fault_reason_ids = fields.Many2many(
        relation="service_entitlement_fault_reason_rel",
        column1="entitlement_id",
        column2="fault_reason_id",
        help="Repairs whose fault reason is one of these are not covered.",
    )
    parts_coverage_percent = fields.Float(tracking=True)
    labor_coverage_percent = fields.Float(tracking=True)
    overage_product_id = fields.Many2one(
        tracking=True,
        help="Product invoiced for what exceeds the terms.",
    )
    overage_price = fields.Monetary(
        tracking=True,
        help="Unit price of the overage. Leave at zero to use the customer's "
        "pricelist price of the overage product.",
    )
    coverage_scope = fields.Selection(
        [
            ("lot", "Serial numbers"),
            ("product", "Products"),
            ("category", "Categories"),
            ("all", "Everything"),
        ],
        compute="_compute_coverage_scope",
        store=True,
        help="Most specific kind of coverage this entitlement defines.",
    )
    consumption_ids = fields.One2many(
        "service.entitlement.consumption",
        "entitlement_id",
        string="Consumptions",
        readonly=True,
        flow_only=True,
    )
    consumption_count = fields.Integer(compute="_compute_consumption_count")
    response_hours = fields.Float(
        string="Response Time (hours)",
        help="Working hours (company calendar) within which a repair must be "
        "confirmed. Zero: no target.",
    )
    resolution_hours = fields.Float(
        string="Resolution Time (hours)",
        help="Working hours (company calendar) within which a repair must be "
        "done. Zero: no target.",
    )
    channel_limit_ids = fields.One2many(
        "service.entitlement.channel.limit",
        "entitlement_id",
        string="Channel Limits",
        help="Terms each intake channel may use at most, within the total.",
    )
    has_channel_limits = fields.Boolean(
        compute="_compute_has_channel_limits",
        store=True,
        help="Technical: spares reading the channel limits of the many "
        "entitlements that have none.",
    )
    repair_ids = fields.One2many("repair.order", "entitlement_id", readonly=True)
    billing_line_ids = fields.One2many(
        "service.entitlement.billing.line", "entitlement_id", readonly=True
    )
    billing_line_count = fields.Integer(compute="_compute_billing_counts")
    invoice_count = fields.Integer(compute="_compute_billing_counts")
    repair_count = fields.Integer(compute="_compute_repair_count")
    warning_repair_count = fields.Integer(
        string="Repairs Over Terms", compute="_compute_repair_count"
    )
    description = fields.Html(string="Notes")
    alert_threshold_percent = fields.Float(
        string="Low Terms Alert (%)",
        default=20.0,
        help="Alert the customer's salesperson when the remaining terms fall to "
        "this share of the total.",
    )
    # Set by the alerts' job; new dates or terms call for the alerts again.
    expiry_alert_sent = fields.Boolean(
        compute="_compute_expiry_alert_sent",
        store=True,
        readonly=True,
        copy=False,
        flow_only=True,
    )
    threshold_alert_sent = fields.Boolean(
        compute="_compute_threshold_alert_sent",
        store=True,
        readonly=True,
        copy=False,
        flow_only=True,
    )
    previous_id = fields.Many2one(
        "service.entitlement",
        string="Renewal Of",
        copy=False,
        readonly=True,
        flow_only=True,
        index="btree_not_null",
        check_company=True,
    )
    renewal_ids = fields.One2many("service.entitlement", "previous_id", readonly=True)
    carry_over = fields.Boolean(
        string="Carry Over Unused Terms",
        help="When renewed, unused terms are added to the next entitlement.",
    )
    carry_over_max = fields.Float(
        string="Carry-over Cap",
        digits="Product Unit of Measure",
        help="Most terms carried over to the renewal; zero means no cap.",
    )
    renewal_product_id = fields.Many2one(
        "product.product",
        check_company=True,
        domain="[('sale_ok', '=', True)]",
        help="When set, renewing makes a quotation of this product for the customer.",
    )
    renewal_order_id = fields.Many2one(
        "sale.order", string="Renewal Quotation", copy=False, readonly=True
    )

    _sql_constraints = [
        (
            "code_company_uniq",
            "unique(code, company_id)",
            "The reference of an entitlement must be unique per company.",
        ),
    ]

    def init(self):
        res = super().init()
        # Matching a document (_entitlement_candidates of the consumer mixin)
        # looks for the entitlements of one customer and company in the
        # candidate states: one index scan, whatever the number of
        # entitlements and of other customers.
        create_index(
            self.env.cr,
            "service_entitlement_matching_index",
            self._table,
            ["partner_id", "company_id", "state"],
        )
        return res

    @api.depends("channel_limit_ids")
    def _compute_has_channel_limits(self):
        for rec in self:
            rec.has_channel_limits = bool(rec.channel_limit_ids)

    @api.depends("total_terms", "used_terms")
    def _compute_terms(self):
        # The ledger moves used_terms and these two in SQL, with the lock
        # (service.entitlement.reservation); here they follow new terms.
        for rec in self:
            rec.remaining_terms = rec.total_terms - rec.used_terms
            rec.remaining_percent = policy.remaining_percent(
                rec.total_terms, rec.remaining_terms
            )

    @api.depends("lot_ids", "product_ids", "product_categ_ids")
    def _compute_coverage_scope(self):
        for rec in self:
            if rec.lot_ids:
                rec.coverage_scope = "lot"
            elif rec.product_ids:
                rec.coverage_scope = "product"
            elif rec.product_categ_ids:
                rec.coverage_scope = "category"
            else:
                rec.coverage_scope = "all"

    def _compute_consumption_count(self):
        self.consumption_count = 0
        counts = dict(
            self.env["service.entitlement.consumption"]._read_group(
                [("entitlement_id", "in", self.ids)],
                ["entitlement_id"],
                ["__count"],
            )
        )
        for rec in self:
            rec.consumption_count = counts.get(rec, 0)

    def _compute_billing_counts(self):
        self.billing_line_count = self.invoice_count = 0
        BillingLine = self.env["service.entitlement.billing.line"]
        if not BillingLine.has_access("read"):
            return
        for entitlement, lines, invoices in BillingLine._read_group(
            [("entitlement_id", "in", self.ids)],
            ["entitlement_id"],
            ["__count", "invoice_id:count_distinct"],
        ):
            entitlement.billing_line_count = lines
            entitlement.invoice_count = invoices

    def _compute_repair_count(self):
        self.repair_count = self.warning_repair_count = 0
        if not self.env["repair.order"].has_access("read"):
            return
        groups = self.env["repair.order"]._read_group(
            [("entitlement_id", "in", self.ids)],
            ["entitlement_id", "entitlement_warning"],
            ["__count"],
        )
        for entitlement, warning, count in groups:
            entitlement.repair_count += count
            if warning:
                entitlement.warning_repair_count += count

    @api.constrains("date_start", "date_end")
    def _check_dates(self):
        for rec in self:
            if rec.date_end < rec.date_start:
                raise ValidationError(
                    self.env._(
                        "The end date of %(name)s (%(end)s) is before its start "
                        "date (%(start)s).",
                        name=rec.display_name,
                        end=rec.date_end,
                        start=rec.date_start,
                    )
                )

    @api.constrains("response_hours", "resolution_hours")
    def _check_service_levels(self):
        for rec in self:
            if rec.response_hours < 0 or rec.resolution_hours < 0:
                raise ValidationError(
                    self.env._(
                        "Service level targets of %(name)s cannot be negative.",
                        name=rec.display_name,
                    )
                )

    @api.constrains("alert_threshold_percent", "carry_over_max")
    def _check_alert_and_carry_over(self):
        for rec in self:
            if not 0.0 <= rec.alert_threshold_percent <= 100.0:
                raise ValidationError(
                    self.env._(
                        "The low terms alert of %(name)s must be between 0%% and "
                        "100%%.",
                        name=rec.display_name,
                    )
                )
            if rec.carry_over_max < 0:
                raise ValidationError(
                    self.env._(
                        "The carry-over cap of %(name)s cannot be negative.",
                        name=rec.display_name,
                    )
                )

    @api.constrains("limit_policy", "overage_product_id", "state")
    def _check_overage_product(self):
        for rec in self:
            if (
                rec.state in ("waiting", "active")
                and rec.limit_policy == "bill"
                and not rec.overage_product_id
            ):
                raise ValidationError(
                    self.env._(
                        "%(name)s bills its overage: set its overage product "
                        "before activating it.",
                        name=rec.display_name,
                    )
                )

    @api.constrains("partner_id", "lot_ids")
    def _check_lot_owner(self):
        for rec in self:
            foreign = rec.lot_ids.filtered(
                lambda lot, rec=rec: (
                    lot.customer_id
                    and lot.customer_id.commercial_partner_id != rec.partner_id
                )
            )
            if foreign:
                raise ValidationError(
                    self.env._(
                        "Serial number %(lot)s belongs to %(owner)s, not to "
                        "%(customer)s: it cannot be covered by %(name)s.",
                        lot=foreign[0].name,
                        owner=foreign[0].customer_id.commercial_partner_id.name,
                        customer=rec.partner_id.name,
                        name=rec.display_name,
                    )
                )

    @api.onchange("template_id")
    def _onchange_template_id(self):
        if self.template_id:
            self.update(
                self.template_id._prepare_entitlement_values(
                    date_start=self.date_start or fields.Date.context_today(self)
                )
            )

    @api.onchange("date_start")
    def _onchange_date_start(self):
        if self.template_id and self.date_start:
            self.date_end = self.template_id._compute_date_end(self.date_start)

    @api.model_create_multi
    def create(self, vals_list):
        templates = self.env["service.entitlement.template"]
        for vals in vals_list:
            if vals.get("template_id"):
                template = templates.browse(vals["template_id"])
                start = fields.Date.to_date(
                    vals.get("date_start") or fields.Date.context_today(self)
                )
                defaults = template._prepare_entitlement_values(date_start=start)
                for key, value in defaults.items():
                    vals.setdefault(key, value)
            self._normalize_partner(vals)
            if vals.get("code", "New") == "New":
                company = self.env["res.company"].browse(
                    vals.get("company_id") or self.env.company.id
                )
                vals["code"] = self.env["ir.sequence"].with_company(
                    company
                ).next_by_code("service.entitlement") or self.env._("New")
        records = super().create(vals_list)
        records._touched_in_transaction()
        return records

    def write(self, vals):
        self.check_access("write")
        self._check_can_write(vals)
        self._normalize_partner(vals)
        self._touched_in_transaction()
        return super().write(vals)

    @api.depends("date_end")
    def _compute_expiry_alert_sent(self):
        """A new end date calls for the expiry alert again."""
        self.expiry_alert_sent = False

    @api.depends("total_terms", "alert_threshold_percent")
    def _compute_threshold_alert_sent(self):
        """New terms or a new threshold call for the low-terms alert again
        once the terms are no longer low; while they are, it was sent."""
        for rec in self:
            if not policy.terms_low(rec.remaining_percent, rec.alert_threshold_percent):
                rec.threshold_alert_sent = False

    @api.ondelete(at_uninstall=False)
    def _unlink_except_used(self):
        for rec in self:
            if rec.state not in ("draft", "cancelled"):
                raise UserError(
                    self.env._(
                        "%(name)s is %(state)s: cancel it before deleting it.",
                        name=rec.display_name,
                        state=dict(
                            self._fields["state"]._description_selection(self.env)
                        )[rec.state],
                    )
                )
            if rec.consumption_ids:
                raise UserError(
                    self.env._(
                        "%(name)s has consumptions in its ledger and cannot be "
                        "deleted; archive it instead.",
                        name=rec.display_name,
                    )
                )

    @api.depends("name", "code")
    def _compute_display_name(self):
        for rec in self:
            rec.display_name = (
                f"{rec.code} {rec.name}"
                if rec.code and rec.code != "New"
                else rec.name or ""
            )

    def _normalize_partner(self, vals):
        """Entitlements always belong to the commercial partner."""
        if vals.get("partner_id"):
            partner = self.env["res.partner"].browse(vals["partner_id"])
            vals["partner_id"] = partner.commercial_partner_id.id

    def _touched_in_transaction(self):
        """Remember that this transaction created or writes these rows: their
        counters then move in this transaction (a second connection would not
        see them, or would wait for this one to end)."""
        self.env.cr.postrollback.data.setdefault(TOUCHED, set()).update(self.ids)

    @api.model
    def _check_scope_unlink(self, records, fname, what):
        """Deleting what entitlements or templates name in their scope
        (``fname``: products, categories, excluded fault reasons) would
        change what they cover, widen it even: refused, never cascaded."""
        for Model in (self, self.env["service.entitlement.template"]):
            found = (
                # sudo: an entitlement the user may not read counts as well
                Model.sudo()
                .with_context(active_test=False)
                .search([(fname, "in", records.ids)], limit=1)
            )
            if found:
                raise UserError(
                    self.env._(
                        "%(record)s is one of the %(what)s of %(entitlement)s: "
                        "deleting it would change what that covers. Take it "
                        "out of there first, or archive it.",
                        record=(found[fname] & records)[:1].display_name,
                        what=what,
                        entitlement=found.display_name,
                    )
                )

    def _check_can_write(self, vals):
        # Notes and the responsible are everyone's; the default flag and
        # archiving change which repairs it covers, the alert flags are the
        # alert job's: those are the manager's (or the add-on's, in sudo).
        changed = set(vals) - FREE_FIELDS - {"message_main_attachment_id"}
        if not changed or not self:
            return
        terms_changed = changed & TERMS_FIELDS
        closed = self.filtered(lambda r: r.state in ("expired", "cancelled"))
        if terms_changed and closed:
            raise UserError(
                self.env._(
                    "%(name)s is closed: reset it to draft before changing its terms.",
                    name=closed[0].display_name,
                )
            )
        if self.env.su or self.env.user.has_group(
            "service_entitlement.group_entitlement_manager"
        ):
            return
        raise UserError(
            self.env._(
                "Only an entitlement manager can change the terms or coverage "
                "of %(name)s (%(fields)s).",
                name=self[0].display_name,
                fields=", ".join(self._fields[f].string for f in sorted(changed)),
            )
        )

    # ------------------------------------------------------------------
    # Terms: the overage product, what a channel may use
    # ------------------------------------------------------------------

    def _overage_product(self):
        """The product an overage of this entitlement is billed with; an
        entitlement that bills its overage without one cannot consume."""
        self.ensure_one()
        if not self.overage_product_id:
            raise UserError(
                self.env._(
                    "%(entitlement)s bills its overage but has no overage product. "
                    "Set one on the entitlement.",
                    entitlement=self.display_name,
                )
            )
        return self.overage_product_id

    def _remaining_for_channel(self, channel):
        """Terms left for documents that came through ``channel``."""
        self.ensure_one()
        remaining = self.remaining_terms
        if not (channel and self.has_channel_limits):
            return remaining
        limit = self.channel_limit_ids.filtered(lambda line: line.channel == channel)
        if limit:
            remaining = policy.channel_left(
                remaining, limit.max_terms, limit.used_terms
            )
        return remaining
