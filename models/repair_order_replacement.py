from odoo import fields, models
from odoo.exceptions import UserError
from odoo.tools.misc import format_date

from .ledger_guard import ledger_writer
from .notify import dialog


class RepairOrder(models.Model):
    """Replacements: the parts a repair puts in place of a serial number's
    components (recorded when it is done, ``_components_replace``, called by
    ``action_repair_done``), and the whole unit replaced by another one."""

    _inherit = "repair.order"

    replacement_lot_id = fields.Many2one(
        "stock.lot",
        string="Replacement Unit",
        readonly=True,
        copy=False,
        flow_only=True,
        help="The serial number that replaced the repaired one: its "
        "entitlements and contract lines cover it now.",
    )

    def _components_replace(self):
        """The parts of these done repairs that replace a component of the
        repaired serial number take its place in its history."""
        today = fields.Date.context_today(self)
        for repair in self:
            for move in repair.move_ids.filtered(
                lambda m: (
                    m.replaced_component_id
                    and m.repair_line_type == "add"
                    and m.state == "done"
                )
            ):
                move.replaced_component_id._replace(
                    move.product_id, move.lot_ids[:1], repair, today
                )

    def action_replace_unit(self):
        self.ensure_one()
        return dialog(
            "service.unit.replace.wizard",
            self.env._("Replace the Unit"),
            default_repair_id=self.id,
        )

    def _replace_unit(self, new):
        """``new`` replaces the repaired serial number: it becomes the
        customer's service item, with the old one's entitlements and
        contract lines (see ``service.entitlement._replace_unit``) and
        warranty dates (or fresh ones); the old one is marked defective."""
        self.ensure_one()
        self.check_access("write")
        if not self.env.user.has_group(
            "service_entitlement.group_technician"
        ) and not self.env.user.has_group(
            "service_entitlement.group_entitlement_manager"
        ):
            raise UserError(
                self.env._("Only technicians and entitlement managers replace units.")
            )
        # sudo: the replacement moves the units' owner, warranty and defect as the flow
        old = self.lot_id.sudo()
        new = new.sudo()
        self._check_unit_replacement(old, new)
        day = fields.Date.context_today(self)
        # sudo: the old unit's entitlements move on, which a technician cannot write
        entitlements = (
            self.env["service.entitlement"]
            .sudo()
            .search(
                [
                    ("lot_ids", "in", old.ids),
                    ("state", "in", ("draft", "waiting", "active")),
                ]
            )
        )
        fresh = entitlements._replace_unit(old, new, day)
        with ledger_writer():
            new.write(
                {
                    "customer_id": old.customer_id.id,
                    "warranty_date_start": (day if fresh else old.warranty_date_start),
                    "warranty_date_end": (
                        max(fresh.mapped("date_end"))
                        if fresh
                        else old.warranty_date_end
                    ),
                }
            )
            old.write({"service_defective": True, "replaced_by_lot_id": new.id})
            # sudo: replacement_lot_id is flow-only; the replacement records it
            self.sudo().replacement_lot_id = new
        message = self.env._(
            "%(old)s replaced by %(new)s on %(date)s (%(repair)s).",
            old=old.name,
            new=new.name,
            date=format_date(self.env, day),
            repair=self.name,
        )
        for record in (self, old, new):
            record.message_post(body=message)
        return new

    def _check_unit_replacement(self, old, new):
        if not old:
            raise UserError(
                self.env._(
                    "%(repair)s names no serial number to replace.",
                    repair=self.display_name,
                )
            )
        if self.state == "cancel":
            raise UserError(
                self.env._("%(repair)s is cancelled.", repair=self.display_name)
            )
        if self.replacement_lot_id or old.service_defective:
            raise UserError(self.env._("%(lot)s was already replaced.", lot=old.name))
        if new == old or new.service_defective:
            raise UserError(
                self.env._(
                    "%(lot)s cannot replace %(old)s.", lot=new.name, old=old.name
                )
            )
        if new.customer_id and new.customer_id != old.customer_id:
            raise UserError(
                self.env._(
                    "%(lot)s belongs to %(customer)s.",
                    lot=new.name,
                    customer=new.customer_id.display_name,
                )
            )
        if new.product_id.tracking != "serial":
            raise UserError(
                self.env._("A replacement unit is tracked by serial number.")
            )
        if new.product_id != old.product_id or new.product_id.service_loaner:
            raise UserError(
                self.env._(
                    "%(lot)s is a %(product)s: %(old)s is replaced by a unit of "
                    "its own product, %(old_product)s, not a loaner.",
                    lot=new.name,
                    product=new.product_id.display_name,
                    old=old.name,
                    old_product=old.product_id.display_name,
                )
            )
        # A unit already in service (the customer's other units) is not a
        # replacement: it would take over coverage it has of its own.
        # sudo: any entitlement covering the new unit refuses it, whoever may read it
        covering = (
            self.env["service.entitlement"]
            .sudo()
            .search(
                [
                    ("lot_ids", "in", new.ids),
                    ("state", "in", ("draft", "waiting", "active")),
                ],
                limit=1,
            )
        )
        if covering:
            raise UserError(
                self.env._(
                    "%(lot)s is already in service, covered by %(entitlement)s: "
                    "a unit is replaced by a new one.",
                    lot=new.name,
                    entitlement=covering.display_name,
                )
            )
        if new.customer_id:
            raise UserError(
                self.env._(
                    "%(lot)s is already in service: a unit is replaced by a new one.",
                    lot=new.name,
                )
            )
