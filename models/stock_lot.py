from odoo import api, fields, models
from odoo.exceptions import ValidationError


class StockLot(models.Model):
    _inherit = "stock.lot"

    customer_id = fields.Many2one(
        "res.partner",
        index="btree_not_null",
        tracking=True,
        check_company=True,
        help="Owner of this service item. Entitlements of its commercial "
        "partner cover it.",
    )
    warranty_date_start = fields.Date(string="Warranty Start", tracking=True)
    warranty_date_end = fields.Date(string="Warranty End", tracking=True)
    entitlement_ids = fields.Many2many(
        "service.entitlement",
        "service_entitlement_stock_lot_rel",
        "lot_id",
        "entitlement_id",
        string="Entitlements",
        readonly=True,
    )
    entitlement_count = fields.Integer(compute="_compute_entitlement_count")

    def _compute_entitlement_count(self):
        self.entitlement_count = 0
        counts = dict(
            self.env["service.entitlement"]._read_group(
                [("lot_ids", "in", self.ids)], ["lot_ids"], ["__count"]
            )
        )
        for lot in self:
            lot.entitlement_count = counts.get(lot, 0)

    @api.constrains("warranty_date_start", "warranty_date_end")
    def _check_warranty_dates(self):
        for lot in self:
            if (
                lot.warranty_date_start
                and lot.warranty_date_end
                and lot.warranty_date_end < lot.warranty_date_start
            ):
                raise ValidationError(
                    self.env._(
                        "The warranty of %(lot)s cannot end before it starts.",
                        lot=lot.name,
                    )
                )

    @api.constrains("customer_id")
    def _check_customer_entitlements(self):
        for lot in self:
            partner = lot.customer_id.commercial_partner_id
            if not partner:
                continue
            foreign = lot.entitlement_ids.filtered(
                lambda e, partner=partner: e.partner_id != partner
            )
            if foreign:
                raise ValidationError(
                    self.env._(
                        "%(lot)s is covered by %(entitlement)s of %(customer)s: "
                        "it cannot be given to %(new)s.",
                        lot=lot.name,
                        entitlement=foreign[0].display_name,
                        customer=foreign[0].partner_id.name,
                        new=partner.name,
                    )
                )

    def action_view_entitlements(self):
        self.ensure_one()
        action = self.env["ir.actions.actions"]._for_xml_id(
            "service_entitlement.service_entitlement_action"
        )
        action["domain"] = [("lot_ids", "in", self.ids)]
        action["context"] = {
            "default_lot_ids": [self.id],
            "default_partner_id": self.customer_id.commercial_partner_id.id,
        }
        return action
