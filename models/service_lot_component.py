from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from .ledger_guard import ledger_writer

COMPONENT_STATES = [("installed", "Installed"), ("replaced", "Replaced")]
# A part a repair installed.
INSTALLED = [("installed_repair_id", "!=", False)]
# What only a replacement writes: the history.
REPLACEMENT_FIELDS = {
    "state": True,
    "replaced_on": True,
    "replaced_by_id": True,
    "replaced_repair_id": True,
    "installed_repair_id": True,
    "part_warranty_end": True,
    # A part a repair installed stays in the serial it went into, with its
    # part warranty.
    **dict.fromkeys(("lot_id", "product_id", "component_lot_id"), INSTALLED),
}


class ServiceLotComponent(models.Model):
    """A component of a service item (Business Central's service item
    component): a product, or one of its serial numbers, installed in the
    serial number on a date.  Replacing it on a repair keeps it in the
    history as replaced, next to the part that took its place."""

    _name = "service.lot.component"
    _description = "Service Item Component"
    _order = "lot_id, state, installed_on desc, id desc"
    # Found by its product or its own serial number (a part line's Replaces).
    _rec_names_search = ["product_id", "component_lot_id"]
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

    @api.model
    def _fill_from_bill_of_materials(self, lots):
        """Install in each serial of ``lots`` what it is made of: the parts
        its manufacturing order consumed (with their serial numbers), else
        the lines of its product's bill of materials, one component per
        unit.  Parts counted in other units (glue, cable by the metre) are
        not components.  What a serial already has is not added again (a
        part it has without a serial number gets the one the manufacturing
        order consumed), so filling twice adds nothing.  Bills of materials
        are Manufacturing's: without it installed, nothing is filled."""
        if "mrp.bom" not in self.env:
            return self
        vals_list = []
        for lot in lots:
            installed = lot.component_ids.filtered(lambda c: c.state == "installed")
            for part in self._bill_of_materials_parts(lot):
                vals_list += self._fill_part(lot, installed, part)
        return self.create(vals_list)

    @api.model
    def _fill_part(self, lot, installed, part):
        """Values of the components of ``part`` (product, its serial
        numbers, count, installed on) that ``lot`` lacks."""
        product, serials, count, day = part
        have = installed.filtered(lambda c: c.product_id == product)
        left = serials - have.component_lot_id
        # Parts entered or filled without their serial number get it now.
        blank = have.filtered(
            lambda c: not c.component_lot_id and not c.installed_repair_id
        )
        for component, serial in zip(blank, left, strict=False):
            component.component_lot_id = serial
        missing = max(count - len(have), 0)
        left = left[len(blank) :][:missing]
        vals_list = [self._fill_values(lot, product, serial, day) for serial in left]
        return vals_list + [self._fill_values(lot, product, False, day)] * (
            missing - len(left)
        )

    @api.model
    def _fill_values(self, lot, product, serial, day):
        return {
            "lot_id": lot.id,
            "product_id": product.id,
            "component_lot_id": serial and serial.id,
            "installed_on": day,
        }

    @api.model
    def _bill_of_materials_parts(self, lot):
        """[(product, its serial numbers, count, installed on)] that ``lot``
        is made of; read as superuser (a technician need not have
        Manufacturing's rights to see what a unit is made of)."""
        unit = self.env.ref("uom.product_uom_categ_unit")
        # sudo: a technician sees what a unit is made of without Manufacturing's rights
        production = (
            self.env["mrp.production"]
            .sudo()
            .search(
                [("lot_producing_id", "=", lot.id), ("state", "=", "done")],
                order="date_finished desc, id desc",
                limit=1,
            )
        )
        parts = {}
        if production:
            day = production.date_finished.date()
            for line in production.move_raw_ids.move_line_ids:
                product = line.product_id
                if line.state != "done" or product.uom_id.category_id != unit:
                    continue
                serials, count = parts.get(product, (line.lot_id.browse(), 0))
                quantity = line.product_uom_id._compute_quantity(
                    line.quantity, product.uom_id
                )
                if product.tracking == "serial":
                    serials |= line.lot_id
                parts[product] = (serials, count + round(quantity))
            return [(p, s, n, day) for p, (s, n) in parts.items()]
        product = lot.product_id
        # sudo: likewise for the product's bill of materials
        bom = (
            self.env["mrp.bom"]
            .sudo()
            ._bom_find(product, company_id=lot.company_id.id)[product]
        )
        if not bom:
            return []
        times = product.uom_id._compute_quantity(1, bom.product_uom_id)
        _boms, lines = bom.explode(product, times / bom.product_qty)
        for line, data in lines:
            part = line.product_id
            if part.type != "consu" or part.uom_id.category_id != unit:
                continue
            quantity = line.product_uom_id._compute_quantity(data["qty"], part.uom_id)
            parts[part] = parts.get(part, 0) + round(quantity)
        day = fields.Date.context_today(self)
        empty = self.env["stock.lot"]
        return [(p, empty, n, day) for p, n in parts.items() if n > 0]

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
            # sudo: whoever finishes the repair installs the part (the desk reads only)
            new = self.sudo().create(
                {
                    "lot_id": self.lot_id.id,
                    "product_id": product.id,
                    "component_lot_id": component_lot.id,
                    "installed_on": day,
                    "installed_repair_id": repair.id,
                    "part_warranty_end": (
                        day + relativedelta(days=days) if days else False
                    ),
                }
            )
            # sudo: and keeps the replaced one as the serial's history, as the flow
            self.sudo().write(
                {
                    "state": "replaced",
                    "replaced_on": day,
                    "replaced_repair_id": repair.id,
                    "replaced_by_id": new.id,
                }
            )
        return new
