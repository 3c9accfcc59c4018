from odoo import api, fields, models, tools
from odoo.exceptions import UserError, ValidationError

# Which warranty pays when several run: a supplier's first (it costs the
# customer and us nothing), then what the customer bought, then the law,
# then our goodwill.
WARRANTY_PRECEDENCE = "supplier, contract, extended, manufacturer, statutory, goodwill"


# The features of the add-on a company may switch off (each a boolean
# ``entitlement_use_<feature>``): off, it adds no step and no query to the
# company's repairs; its records are kept.
FEATURES = ("loaners", "campaigns", "layers", "planned", "sla")


class ResCompany(models.Model):
    _inherit = "res.company"

    entitlement_enabled = fields.Boolean(
        string="Use Entitlements",
        default=True,
        help="Off: the company's repairs behave as in Odoo without the "
        "add-on: no entitlement is looked for or used, none of the add-on's "
        "steps runs. Entitlements, contracts and their ledger are kept.",
    )
    entitlement_use_loaners = fields.Boolean(
        string="Loaners",
        default=True,
        help="Loan units to customers while their own is repaired.",
    )
    entitlement_use_campaigns = fields.Boolean(
        string="Service Campaigns",
        default=True,
        help="Recalls and campaigns that pay for the repairs of a range of "
        "serial numbers.",
    )
    entitlement_use_layers = fields.Boolean(
        string="Warranty Layers and Claims",
        default=True,
        help="The serial numbers' several warranties (supplier, manufacturer, "
        "legal guarantee), which of them pays, and the claims to suppliers.",
    )
    entitlement_use_planned = fields.Boolean(
        string="Planned Service",
        default=True,
        help="Service contracts' planned visits, made as repairs ahead of their date.",
    )
    entitlement_use_sla = fields.Boolean(
        string="Service Levels",
        default=True,
        help="Response and resolution deadlines of repairs, from their "
        "entitlement's service levels.",
    )

    entitlement_expiry_alert_days = fields.Integer(
        string="Entitlement Expiry Alert (days)",
        default=30,
        help="Alert the customer's salesperson this many days before an "
        "entitlement ends.",
    )
    repair_warranty_days = fields.Integer(
        string="Repair Warranty (days)",
        default=90,
        help="How long a finished repair is under warranty when its product "
        "sets none: a new repair of the same serial number within it is a "
        "re-repair, covered in full.",
    )
    repeat_failure_count = fields.Integer(
        string="Repeat Failure After",
        default=3,
        help="A serial number repaired this many times within 12 months is "
        "flagged as a repeat failure, and an entitlement manager is asked to "
        "propose a replacement. 0: never.",
    )

    entitlement_labor_product_id = fields.Many2one(
        "product.product",
        string="Labour Product",
        domain="[('type', '=', 'service')]",
        help="The service that prices a repair's labour hours: its sales price "
        "per hour gives the labour of the customer's share, and a repair's "
        "quotation gets a line of it for the hours recorded.",
    )

    entitlement_contract_product_id = fields.Many2one(
        "product.product",
        string="Service Contract Product",
        domain="[('type', '=', 'service')]",
        help="The service invoiced for the lines of service contracts (its "
        "income account and taxes); the add-on's Service Contract when empty.",
    )
    entitlement_rating_request = fields.Boolean(
        string="Ask Customers to Rate Repairs",
        default=True,
        help="When a customer's repair is done, the customer gets one email "
        "asking how it went.",
    )
    entitlement_labor_cost_rate = fields.Monetary(
        string="Labour Cost per Hour",
        currency_field="currency_id",
        help="What an hour of a technician costs the company: the labour cost "
        "of the repairs a service contract covers, in its profit.",
    )

    entitlement_loaner_location_id = fields.Many2one(
        "stock.location",
        string="Loaner Location",
        domain="[('usage', '=', 'internal')]",
        help="Where loaners are kept between loans; the add-on's Loaners "
        "location when empty.",
    )
    entitlement_loaner_days = fields.Integer(
        string="Loaner Days After Planned End",
        default=3,
        help="A loaner's default due date: this many days after the repair's "
        "resolution deadline (or its scheduled date).",
    )
    entitlement_loaner_late_days = fields.Integer(
        string="Loaner Late Fee After (days)",
        default=7,
        help="A loaner this many days past its due date gets a late fee, once "
        "per loan, drafted by a daily job as a billing line.",
    )
    entitlement_loaner_fee_product_id = fields.Many2one(
        "product.product",
        string="Loaner Late Fee Product",
        domain="[('type', '=', 'service')]",
        help="The service a late fee is invoiced with (its income account and "
        "taxes); the add-on's Loaner Late Fee when empty.",
    )
    entitlement_loaner_fee = fields.Monetary(
        string="Loaner Late Fee",
        currency_field="currency_id",
        default=50.0,
        help="The amount of a late fee; zero: no late fees.",
    )

    warranty_precedence = fields.Char(
        string="Which Warranty Pays First",
        required=True,
        default=WARRANTY_PRECEDENCE,
        help="When several warranties of a serial number would pay for a "
        "repair, the first in this order pays: supplier (any warranty a "
        "supplier gives), contract, extended, manufacturer, statutory, "
        "goodwill; each once, separated by commas.",
    )

    @api.constrains("warranty_precedence")
    def _check_warranty_precedence(self):
        expected = sorted(WARRANTY_PRECEDENCE.replace(" ", "").split(","))
        for company in self:
            if sorted(company._warranty_precedence()) != expected:
                raise ValidationError(
                    self.env._(
                        "Which warranty pays first: name each of %(kinds)s once, "
                        "separated by commas.",
                        kinds=WARRANTY_PRECEDENCE,
                    )
                )

    def _service_uses(self, feature):
        """Whether the company uses the add-on (``feature`` "entitlements")
        or one of its optional features (see FEATURES)."""
        self.ensure_one()
        return feature in self._service_features(self.id)

    @api.model
    @tools.ormcache("company_id")
    def _service_features(self, company_id):
        """The features company ``company_id`` uses, "entitlements" first:
        cached, so that asking costs a repair no query (cleared when a
        switch moves)."""
        # sudo: the cached answer is shared by all users, so must not depend on who asks
        company = self.sudo().browse(company_id)
        if not company.entitlement_enabled:
            return frozenset()
        return frozenset(
            ["entitlements"]
            + [name for name in FEATURES if company[f"entitlement_use_{name}"]]
        )

    def write(self, vals):
        res = super().write(vals)
        switches = {"entitlement_enabled"}
        switches.update(f"entitlement_use_{name}" for name in FEATURES)
        if switches & set(vals):
            self.env.registry.clear_cache()
        return res

    def _warranty_precedence(self):
        """The kinds of warranty, the one that pays first first."""
        self.ensure_one()
        order = (self.warranty_precedence or WARRANTY_PRECEDENCE).lower()
        return [kind.strip() for kind in order.split(",") if kind.strip()]

    @api.constrains(
        "repair_warranty_days",
        "repeat_failure_count",
        "entitlement_labor_cost_rate",
        "entitlement_loaner_days",
        "entitlement_loaner_late_days",
        "entitlement_loaner_fee",
    )
    def _check_repair_warranty_settings(self):
        for company in self:
            if (
                min(
                    company.entitlement_loaner_days,
                    company.entitlement_loaner_late_days,
                    company.entitlement_loaner_fee,
                )
                < 0
            ):
                raise ValidationError(
                    self.env._(
                        "Loaner days, late days and the late fee cannot be negative."
                    )
                )
            if company.repair_warranty_days < 0:
                raise ValidationError(
                    self.env._("The repair warranty cannot be negative.")
                )
            if company.entitlement_labor_cost_rate < 0:
                raise ValidationError(
                    self.env._("The labour cost per hour cannot be negative.")
                )
            if company.repeat_failure_count < 0:
                raise ValidationError(
                    self.env._("The repeat failure count cannot be negative.")
                )

    def _loaner_location(self):
        self.ensure_one()
        return self.entitlement_loaner_location_id or self.env.ref(
            "service_entitlement.stock_location_loaners"
        )

    def _loaner_fee_product(self):
        self.ensure_one()
        return self.entitlement_loaner_fee_product_id or self.env.ref(
            "service_entitlement.product_loaner_late_fee"
        )

    def _loaner_picking_type(self, kind):
        """The company's delivery (``out``) or receipt (``in``) type that
        moves loaners."""
        self.ensure_one()
        warehouse = self.env["stock.warehouse"].search(
            [("company_id", "=", self.id)], limit=1
        )
        picking_type = warehouse.out_type_id if kind == "out" else warehouse.in_type_id
        if not picking_type:
            raise UserError(
                self.env._(
                    "%(company)s has no warehouse to move loaners with.",
                    company=self.display_name,
                )
            )
        return picking_type

    def _billing_taxes(self, product, partner):
        """(fiscal position, taxes) of a billing line of ``product`` for
        ``partner`` in this company."""
        self.ensure_one()
        fpos = (
            self.env["account.fiscal.position"]
            .with_company(self)
            ._get_fiscal_position(partner)
        )
        taxes = product.taxes_id.filtered(lambda t: t.company_id == self)
        return fpos, fpos.map_tax(taxes)
