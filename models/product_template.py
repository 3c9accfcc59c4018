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

    def _service_vendor_warranty_months(self, vendor, company):
        """The months of warranty ``vendor`` gives on this product: the
        *Warranty Period* of its first price list line for the vendor (OCA
        ``product_warranty``), 0 when it gives none."""
        self.ensure_one()
        for seller in self.variant_seller_ids:
            if (
                seller.partner_id.commercial_partner_id == vendor
                and seller.product_id in (self, self.browse())
                and seller.company_id in (company, company.browse())
                and seller.warranty_duration > 0
            ):
                return seller.warranty_duration
        return 0

    def _service_vendor_price(self, vendor, company):
        """What ``vendor`` charges for this product, in ``company``'s
        currency: its first price list line's price, else the product's
        cost."""
        self.ensure_one()
        for seller in self.variant_seller_ids:
            if (
                seller.partner_id.commercial_partner_id == vendor
                and seller.product_id in (self, self.browse())
                and seller.company_id in (company, company.browse())
            ):
                return seller.currency_id._convert(
                    seller.price,
                    company.currency_id,
                    company,
                    fields.Date.context_today(self),
                )
        return self.with_company(company).standard_price
