from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from .ledger_guard import ledger_writer

COMPONENT_STATES = [("installed", "Installed"), ("replaced", "Replaced")]
# What only a replacement writes: the history.
REPLACEMENT_FIELDS = {
    "state": True,
    "replaced_on": True,
    "replaced_by_id": True,
    "replaced_repair_id": True,
    "installed_repair_id": True,
    "part_warranty_end": True,
}


class ServiceLotComponent(models.Model):
    """A component of a service item (Business Central's service item
    component): a product, or one of its serial numbers, installed in the
    serial number on a date.  Replacing it on a repair keeps it in the
    history as replaced, next to the part that took its place."""

    _name = "service.lot.component"
    _description = "Service Item Component"
    _order = "lot_id, state, installed_on desc, id desc"
    _check_company_auto = True
    _flow_only_declared = REPLACEMENT_FIELDS

    lot_id = fields.Many2one(
        "stock.lot",
        string="Service Item",
        required=True,
        index=True,
        ondelete="cascade",
        check_company=True,
    )
    company_id = fields.Many2one(related="lot_id.company_id", store=True, index=True)
    product_id = fields.Many2one(
        "product.product",
        string="Component",
        required=True,
        check_company=True,
        compute="_compute_product_id",
        store=True,
        readonly=False,
        precompute=True,
    )
    component_lot_id = fields.Many2one(
        "stock.lot",
        string="Component Serial",
        check_company=True,
        domain="[('product_id', '=', product_id)]",
        index="btree_not_null",
    )
    installed_on = fields.Date(required=True, default=fields.Date.context_today)
    state = fields.Selection(
        COMPONENT_STATES, required=True, default="installed", readonly=True
    )
    installed_repair_id = fields.Many2one(
        "repair.order", string="Installed By Repair", readonly=True
    )
    part_warranty_end = fields.Date(
        readonly=True,
        help="A part installed by a repair is under warranty until this date "
        "(its product's part warranty).",
    )
    replaced_on = fields.Date(readonly=True)
    replaced_repair_id = fields.Many2one(
        "repair.order", string="Replaced By Repair", readonly=True
    )
    replaced_by_id = fields.Many2one("service.lot.component", readonly=True)
    replacement_of_ids = fields.One2many("service.lot.component", "replaced_by_id")

    @api.depends("product_id", "component_lot_id")
    def _compute_display_name(self):
        for component in self:
            name = component.product_id.display_name or ""
            if component.component_lot_id:
                name = f"{name} ({component.component_lot_id.name})"
            component.display_name = name

    @api.depends("component_lot_id")
    def _compute_product_id(self):
        for component in self:
            if component.component_lot_id:
                component.product_id = component.component_lot_id.product_id

    @api.constrains("lot_id", "component_lot_id", "product_id")
    def _check_component(self):
        for component in self:
            lot = component.component_lot_id
            if lot and lot == component.lot_id:
                raise ValidationError(
                    self.env._("A serial number is not a component of itself.")
                )
            if lot and lot.product_id != component.product_id:
                raise ValidationError(
                    self.env._(
                        "%(lot)s is a serial number of %(product)s.",
                        lot=lot.name,
                        product=lot.product_id.display_name,
                    )
                )

    @api.ondelete(at_uninstall=False)
    def _unlink_except_history(self):
        if self.filtered(lambda c: c.state == "replaced" or c.installed_repair_id):
            raise UserError(
                self.env._(
                    "Components that a repair installed or replaced are the "
                    "serial number's history: they are not deleted."
                )
            )

    def _replace(self, product, component_lot, repair, day):
        """Replace this installed component by ``product`` (serial
        ``component_lot``) on ``day``, by ``repair``: the new part is
        installed with its product's part warranty, this one is kept as
        replaced."""
        self.ensure_one()
        if self.state != "installed":
            raise UserError(
                self.env._(
                    "%(component)s of %(lot)s was already replaced.",
                    component=self.product_id.display_name,
                    lot=self.lot_id.name,
                )
            )
        days = product.part_warranty_days
        with ledger_writer():
            new = self.sudo().create(
                {
                    "lot_id": self.lot_id.id,
                    "product_id": product.id,
                    "component_lot_id": component_lot.id,
                    "installed_on": day,
                    "installed_repair_id": repair.id,
                    "part_warranty_end": days and day + relativedelta(days=days),
                }
            )
            self.sudo().write(
                {
                    "state": "replaced",
                    "replaced_on": day,
                    "replaced_repair_id": repair.id,
                    "replaced_by_id": new.id,
                }
            )
        return new
