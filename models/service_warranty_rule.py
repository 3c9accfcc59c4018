from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import ValidationError

CUSTOMER_KINDS = [
    ("consumer", "Consumers"),
    ("business", "Businesses"),
    ("any", "Any Customer"),
]


class ServiceWarrantyRule(models.Model):
    """A statutory warranty (the seller's legal guarantee): in the
    customer's countries, for consumers or businesses, so many months from
    delivery, extended when the seller repairs the goods.  The European
    Union's rule is data (Directive 2019/771, two years; Directive
    2024/1799 adds 12 months once when the goods are repaired, from 31 July
    2026); a company edits it, or adds its countries' own."""

    _name = "service.warranty.rule"
    _description = "Statutory Warranty Rule"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    active = fields.Boolean(default=True)
    sequence = fields.Integer(default=10)
    company_id = fields.Many2one(
        "res.company", help="Empty: the rule applies in every company."
    )
    country_ids = fields.Many2many(
        "res.country",
        string="Countries",
        help="The customer's country; empty: any country.",
    )
    customer_kind = fields.Selection(
        CUSTOMER_KINDS,
        string="Customers",
        required=True,
        default="consumer",
        help="Consumers are customers that are not companies.",
    )
    months = fields.Integer(
        string="Months from Delivery",
        required=True,
        default=24,
    )
    extend_on_repair = fields.Boolean(
        string="Extend When Repaired",
        help="When the seller repairs the goods under this guarantee, it "
        "runs longer by the months below.",
    )
    extension_months = fields.Integer(default=12)
    extension_from = fields.Date(
        string="Extension for Repairs From",
        help="Repairs done before this day do not extend the guarantee "
        "(the day the law applies).",
    )
    extension_once = fields.Boolean(
        string="Extended Once Only",
        default=True,
        help="A second repair under the extended guarantee extends it no more.",
    )
    note = fields.Html(string="Legal Basis", translate=True)

    @api.constrains("months", "extension_months")
    def _check_months(self):
        for rule in self:
            if rule.months <= 0:
                raise ValidationError(
                    self.env._(
                        "%(rule)s: a statutory warranty lasts at least one month.",
                        rule=rule.name,
                    )
                )
            if rule.extension_months < 0:
                raise ValidationError(
                    self.env._(
                        "%(rule)s: the extension cannot be negative.", rule=rule.name
                    )
                )

    @api.model
    def _for_customer(self, customer, company):
        """The first active rule for ``customer`` (its commercial entity's
        country and kind) in ``company``, or an empty recordset."""
        customer = customer.commercial_partner_id
        kind = "business" if customer.is_company else "consumer"
        rules = self.search(
            [
                ("company_id", "in", [False, company.id]),
                ("customer_kind", "in", [kind, "any"]),
            ]
        )
        return rules.filtered(
            lambda r: not r.country_ids or customer.country_id in r.country_ids
        )[:1]

    def _date_end(self, start):
        self.ensure_one()
        return start + relativedelta(months=self.months, days=-1)
