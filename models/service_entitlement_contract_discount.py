from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools.misc import format_date

DISCOUNT_TYPES = [
    ("category", "Service Item Group"),
    ("labour", "Labour"),
    ("cost", "Overage"),
]


class ServiceEntitlementContractDiscount(models.Model):
    """A discount a service contract gives on the billable work of its
    repairs (Business Central's contract/service discount): on the parts of
    repairs of items of a product category (the service item group), on
    labour, or on overages.  On a repair, the discount of its scope whose
    starting date is the latest on or before the repair's date applies."""

    _name = "service.entitlement.contract.discount"
    _description = "Service Contract Discount"
    _order = "entitlement_id, discount_type, starting_date desc, id"
    _check_company_auto = True

    entitlement_id = fields.Many2one(
        "service.entitlement",
        string="Service Contract",
        required=True,
        index=True,
        ondelete="cascade",
    )
    company_id = fields.Many2one(
        related="entitlement_id.company_id", store=True, index=True
    )
    discount_type = fields.Selection(
        DISCOUNT_TYPES,
        string="Type",
        required=True,
        default="labour",
        help="Service Item Group: the parts of repairs of items of a product "
        "category (and its subcategories). Labour: the labour of its "
        "repairs. Overage: what is billed beyond the contract's terms.",
    )
    product_categ_id = fields.Many2one(
        "product.category",
        string="Product Category",
        help="The service item group: the category of the repaired items.",
    )
    starting_date = fields.Date(
        required=True,
        default=fields.Date.context_today,
        help="From this day on (repair date), until a later discount of the "
        "same scope starts.",
    )
    discount = fields.Float(string="Discount %", digits="Discount", required=True)

    @api.constrains("discount", "discount_type", "product_categ_id")
    def _check_discount(self):
        for rec in self:
            if not 0.0 <= rec.discount <= 100.0:
                raise ValidationError(
                    self.env._(
                        "A contract discount is between 0%% and 100%%, not "
                        "%(discount)s%%.",
                        discount=rec.discount,
                    )
                )
            if (rec.discount_type == "category") != bool(rec.product_categ_id):
                raise ValidationError(
                    self.env._(
                        "A service item group discount names its product "
                        "category; a labour or overage discount names none."
                    )
                )

    @api.constrains(
        "entitlement_id", "discount_type", "product_categ_id", "starting_date"
    )
    def _check_one_per_scope_and_date(self):
        for rec in self:
            twin = self.search_count(
                [
                    ("id", "!=", rec.id),
                    ("entitlement_id", "=", rec.entitlement_id.id),
                    ("discount_type", "=", rec.discount_type),
                    ("product_categ_id", "=", rec.product_categ_id.id),
                    ("starting_date", "=", rec.starting_date),
                ],
                limit=1,
            )
            if twin:
                raise ValidationError(
                    self.env._(
                        "%(contract)s already has a %(scope)s discount starting "
                        "on %(date)s: change that one.",
                        contract=rec.entitlement_id.display_name,
                        scope=rec._scope_label(),
                        date=format_date(self.env, rec.starting_date),
                    )
                )

    def _scope_label(self):
        self.ensure_one()
        if self.discount_type == "category":
            return self.product_categ_id.display_name
        return dict(self._fields["discount_type"]._description_selection(self.env))[
            self.discount_type
        ].lower()


class ServiceEntitlement(models.Model):
    _inherit = "service.entitlement"

    contract_discount_ids = fields.One2many(
        "service.entitlement.contract.discount",
        "entitlement_id",
        string="Contract Discounts",
        groups="service_entitlement.group_billing_clerk",
    )
    max_labour_unit_price = fields.Monetary(
        string="Max. Labour Unit Price",
        tracking=True,
        groups="service_entitlement.group_billing_clerk",
        help="The highest unit price the labour of this contract's repairs is "
        "charged at; zero: no cap.",
    )

    @api.constrains("max_labour_unit_price")
    def _check_max_labour_unit_price(self):
        # sudo: max_labour_unit_price is billing's; the check holds whoever writes
        for rec in self.sudo():
            if rec.max_labour_unit_price < 0:
                raise ValidationError(
                    self.env._(
                        "The maximum labour unit price of %(name)s cannot be negative.",
                        name=rec.display_name,
                    )
                )

    def _contract_discount(self, discount_type, day, product=None):
        """The contract discount of ``discount_type`` in force on ``day``
        (for a service item group: of ``product``'s category or the closest
        parent that has one), or an empty recordset."""
        self.ensure_one()
        if self.entitlement_type != "service_contract":
            return self.env["service.entitlement.contract.discount"]
        # sudo: discounts are billing's; a technician's repair is priced with them too
        discounts = self.sudo().contract_discount_ids.filtered(
            lambda d: d.discount_type == discount_type and d.starting_date <= day
        )
        if discount_type == "category":
            category = product and product.categ_id
            while category and not discounts.filtered(
                lambda d, c=category: d.product_categ_id == c
            ):
                category = category.parent_id
            discounts = discounts.filtered(
                lambda d, c=category: c and d.product_categ_id == c
            )
        return discounts.sorted("starting_date", reverse=True)[:1]

    def _labour_price(self, price):
        """``price`` capped by the contract's maximum labour unit price."""
        self.ensure_one()
        # sudo: the labour cap is billing's; a technician's repair is priced with it
        cap = self.sudo().max_labour_unit_price
        if self.entitlement_type == "service_contract" and cap and price > cap:
            return cap
        return price
