from odoo import api, fields, models
from odoo.exceptions import AccessError, ValidationError

from .ledger_guard import is_ledger_writer

# Set by finishing repairs only: they decide which later repairs are free.
REPAIR_HISTORY_FIELDS = ("repeat_failure",)


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
    last_repair_id = fields.Many2one(
        "repair.order",
        compute="_compute_repair_history",
        help="The latest finished repair of this serial number.",
    )
    repair_warranty_end = fields.Date(
        string="Repair Warranty Until",
        compute="_compute_repair_history",
        help="A new repair until this date is a re-repair, covered in full.",
    )
    repeat_failure = fields.Boolean(
        readonly=True,
        copy=False,
        tracking=True,
        help="Repaired too often within 12 months (see Settings): an "
        "entitlement manager was asked to propose a replacement.",
    )

    def _compute_entitlement_count(self):
        self.entitlement_count = 0
        counts = dict(
            self.env["service.entitlement"]._read_group(
                [("lot_ids", "in", self.ids)], ["lot_ids"], ["__count"]
            )
        )
        for lot in self:
            lot.entitlement_count = counts.get(lot, 0)

    def _compute_repair_history(self):
        self.last_repair_id = False
        self.repair_warranty_end = False
        Repair = self.env["repair.order"].sudo()
        if not self.ids:
            return
        for lot, last_id, warranty_end in Repair._read_group(
            [("lot_id", "in", self.ids), ("state", "=", "done")],
            ["lot_id"],
            ["id:max", "repair_warranty_end:max"],
        ):
            lot.last_repair_id = Repair.browse(last_id).with_env(self.env)
            lot.repair_warranty_end = warranty_end

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

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._check_repair_history_vals(vals)
        return super().create(vals_list)

    def write(self, vals):
        self._check_repair_history_vals(vals)
        return super().write(vals)

    def _check_repair_history_vals(self, vals):
        """The repair history is written by finishing repairs only; a client
        writing back the value a field has (as a form may) is harmless."""
        if is_ledger_writer():
            return
        for fname in set(REPAIR_HISTORY_FIELDS) & set(vals):
            field = self._fields[fname]
            if self:
                changed = any(
                    field.convert_to_write(lot[fname], lot) != vals[fname]
                    for lot in self
                )
            else:
                changed = bool(vals[fname])
            if changed:
                raise AccessError(
                    self.env._(
                        "The repair history of a serial number follows its "
                        "finished repairs; it cannot be written directly."
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
