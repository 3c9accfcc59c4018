from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import float_compare


class StockMove(models.Model):
    _inherit = "stock.move"

    entitlement_excluded = fields.Boolean(
        string="Excluded from Coverage",
        copy=False,
        help="The technician excludes this part from the repair's coverage: "
        "the customer pays it in full, while the rest of the repair stays "
        "covered.",
    )
    entitlement_exclusion = fields.Char(
        string="Not Covered",
        compute="_compute_entitlement_exclusion",
        help="Why no coverage pays for this part: a wear part, the "
        "technician's exclusion, or the repair's fault reason.",
    )

    replaced_component_id = fields.Many2one(
        "service.lot.component",
        string="Replaces",
        copy=False,
        domain="[('lot_id', '=', parent.lot_id), ('state', '=', 'installed')]",
        help="The component of the repaired serial number this part replaces: "
        "when the repair is done, it goes to the serial's history as replaced "
        "and this part takes its place.",
    )

    @api.depends(
        "entitlement_excluded",
        "product_id",
        "repair_id.fault_reason_id",
        "repair_line_type",
    )
    def _compute_entitlement_exclusion(self):
        for move in self:
            move.entitlement_exclusion = move._entitlement_exclusion()

    def _entitlement_exclusion(self):
        """Why no coverage (entitlement, repair warranty, goodwill) pays for
        this repair part, or False: the product is never covered (wear parts
        and consumables), the technician excluded the line, or the repair's
        fault reason excludes the product's category."""
        self.ensure_one()
        if not self.repair_id or self.repair_line_type != "add":
            return False
        if self.product_id.entitlement_never_covered:
            return self.env._("never covered (wear part or consumable)")
        if self.entitlement_excluded:
            return self.env._("excluded by the technician")
        reason = self.repair_id.fault_reason_id
        if reason.excluded_categ_ids:
            path = {
                int(part)
                for part in (self.product_id.categ_id.parent_path or "").split("/")
                if part
            }
            excluding = reason.excluded_categ_ids.filtered(lambda c: c.id in path)
            if excluding:
                return self.env._(
                    "%(reason)s excludes %(categ)s",
                    reason=reason.name,
                    categ=excluding[0].display_name,
                )
        return False

    @api.constrains("entitlement_excluded", "repair_id", "repair_line_type")
    def _check_entitlement_excluded(self):
        for move in self.filtered("entitlement_excluded"):
            if not move.repair_id or move.repair_line_type != "add":
                raise ValidationError(
                    self.env._(
                        "Only a part added to a repair can be excluded from its "
                        "coverage (%(product)s).",
                        product=move.product_id.display_name,
                    )
                )

    def _part_warranty_end(self):
        """The end of the part warranty under which this repair part is
        free: the component it replaces was put in by a repair and its part
        warranty runs on the repair's date; else False."""
        self.ensure_one()
        component = self.replaced_component_id
        # The same product (one for one: _check_replaced_component): the
        # warranty of the part it replaces frees nothing else.
        if (
            not component.part_warranty_end
            or self.product_id != component.product_id
            or not self.repair_id
            or self.repair_line_type != "add"
        ):
            return False
        day = fields.Date.context_today(
            self, self.repair_id.schedule_date or fields.Datetime.now()
        )
        return (
            component.part_warranty_end if component.part_warranty_end >= day else False
        )

    @api.constrains(
        "replaced_component_id", "repair_id", "repair_line_type", "product_uom_qty"
    )
    def _check_replaced_component(self):
        for move in self.filtered("replaced_component_id"):
            component = move.replaced_component_id
            quantity = move.product_uom._compute_quantity(
                move.product_uom_qty, move.product_id.uom_id
            )
            if (
                float_compare(
                    quantity, 1.0, precision_rounding=move.product_id.uom_id.rounding
                )
                > 0
            ):
                raise ValidationError(
                    self.env._(
                        "One part replaces one component: %(component)s is "
                        "replaced by 1 %(product)s, not %(quantity)s.",
                        component=component.product_id.display_name,
                        product=move.product_id.display_name,
                        quantity=move.product_uom_qty,
                    )
                )
            if move.repair_line_type != "add" or component.lot_id != (
                move.repair_id.lot_id
            ):
                raise ValidationError(
                    self.env._(
                        "%(component)s is not a component of the repaired serial "
                        "number: only a part added to its repair replaces it.",
                        component=component.product_id.display_name,
                    )
                )

    def write(self, vals):
        res = super().write(vals)
        if "entitlement_excluded" in vals:
            repairs = self.repair_id
            repairs._entitlement_invalidate()
        return res

    def _create_repair_sale_order_line(self):
        res = super()._create_repair_sale_order_line()
        # Odoo calls it at every write of repair moves, most often on none.
        if self:
            self.repair_id._entitlement_apply_cost_coverage()
        return res
