from odoo import api, fields, models
from odoo.exceptions import ValidationError


class ProductTemplate(models.Model):
    _inherit = "product.template"

    warranty_template_id = fields.Many2one(
        "service.entitlement.template",
        string="Warranty",
        domain="[('entitlement_type', '=', 'warranty')]",
        help="Delivering a serial number of this product to a customer gives it "
        "this warranty, starting on the delivery date.",
    )
    entitlement_never_covered = fields.Boolean(
        string="Never Covered",
        help="Wear parts and consumables (oil, filters, batteries, cosmetic "
        "parts): no warranty, service contract or repair warranty pays for "
        "them; the customer is charged in full.",
    )
    repair_warranty_days = fields.Integer(
        string="Repair Warranty (days)",
        help="How long a finished repair of this product is under warranty: a "
        "new repair of the same serial number within it is free. Empty: the "
        "company's setting.",
    )

    part_warranty_days = fields.Integer(
        string="Part Warranty (days)",
        help="A part of this product that a repair installs in a service item "
        "is under warranty this many days (shown in the item's components).",
    )
    service_loaner = fields.Boolean(
        string="Loaner",
        help="Serial numbers of this product are lent to customers while their "
        "own item is repaired.",
    )
    loaner_for_product_ids = fields.Many2many(
        "product.template",
        "product_template_loaner_for_rel",
        "loaner_id",
        "product_id",
        string="Lent For",
        help="The products this loaner may stand in for; empty: any.",
    )

    @api.constrains("service_loaner", "tracking")
    def _check_service_loaner(self):
        for template in self:
            if template.service_loaner and template.tracking != "serial":
                raise ValidationError(
                    self.env._(
                        "%(product)s is a loaner: track it by serial number, so "
                        "that each unit lent is known.",
                        product=template.display_name,
                    )
                )

    @api.constrains("repair_warranty_days", "part_warranty_days")
    def _check_repair_warranty_days(self):
        for template in self:
            if min(template.repair_warranty_days, template.part_warranty_days) < 0:
                raise ValidationError(
                    self.env._(
                        "The repair and part warranties of %(product)s cannot be "
                        "negative.",
                        product=template.display_name,
                    )
                )


class ProductProduct(models.Model):
    _inherit = "product.product"

    def _service_vendor_warranty_months(self, vendor, company, day):
        """The months of warranty ``vendor`` gives on this product on
        ``day``: the *Warranty Period* (OCA ``product_warranty``) of the
        first of its price list lines for the vendor that Odoo's purchase
        would consider, 0 when none gives one."""
        self.ensure_one()
        sellers = self.with_company(company)._get_filtered_sellers(
            partner_id=vendor, quantity=None, date=day
        )
        return next((s.warranty_duration for s in sellers if s.warranty_duration), 0)

    def _service_vendor_price(self, vendor, company, quantity, uom, day):
        """What ``vendor`` charges for ``quantity`` ``uom`` of this product
        on ``day``, a unit, in ``company``'s currency: the price list line
        Odoo's purchase would choose (``_select_seller``), else the cost."""
        self.ensure_one()
        product = self.with_company(company)
        seller = product._select_seller(
            partner_id=vendor, quantity=quantity, date=day, uom_id=uom
        )
        if not seller:
            return product.uom_id._compute_price(product.standard_price, uom)
        price = seller.currency_id._convert(
            seller.price, company.currency_id, company, day
        )
        return seller.product_uom._compute_price(price, uom)
