"""A serial number's components filled from what it is made of: the parts
its manufacturing order consumed (with their serial numbers), else its
product's bill of materials, one component per unit.  Bills of materials
are Manufacturing's; the test database has it installed beside the add-on
(``make test``), and without it the serial offers no fill."""

import unittest

from odoo import Command
from odoo.exceptions import AccessError

from .common import RepairEntitlementCase
from .test_integrity_api import IntegrityApiCase


class FillCase(RepairEntitlementCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        if "mrp.bom" not in cls.env:
            raise unittest.SkipTest("Manufacturing is not installed")
        cls.keyboard = cls._create_product("Keyboard FR")
        cls.memory = cls._create_product("Memory 16 GB", tracking="none")
        cls.paste = cls.env["product.product"].create(
            {
                "name": "Thermal paste",
                "type": "consu",
                "uom_id": cls.env.ref("uom.product_uom_litre").id,
                "uom_po_id": cls.env.ref("uom.product_uom_litre").id,
            }
        )
        dozen = cls.env.ref("uom.product_uom_dozen")
        cls.screw = cls._create_product("Screw M2", tracking="none")
        # Made two at a time: per laptop one keyboard, two memory modules,
        # a dozen screws (counted in units) and paste (not a component).
        cls.bom = cls.env["mrp.bom"].create(
            {
                "product_tmpl_id": cls.laptop.product_tmpl_id.id,
                "product_qty": 2,
                "bom_line_ids": [
                    Command.create({"product_id": cls.keyboard.id, "product_qty": 2}),
                    Command.create({"product_id": cls.memory.id, "product_qty": 4}),
                    Command.create(
                        {
                            "product_id": cls.screw.id,
                            "product_qty": 2,
                            "product_uom_id": dozen.id,
                        }
                    ),
                    Command.create({"product_id": cls.paste.id, "product_qty": 0.01}),
                ],
            }
        )

    def _fill(self, lot, user=None):
        lot = lot.with_user(user or self.technician_user)
        return lot.action_service_components_fill()["params"]

    def _counts(self, lot):
        counts = {}
        for component in lot.component_ids:
            key = component.product_id.name
            counts[key] = counts.get(key, 0) + 1
        return counts


class TestFillFromBillOfMaterials(FillCase):
    def test_one_component_per_unit_and_not_twice(self):
        self.assertTrue(self.lot.service_components_fillable)
        done = self._fill(self.lot)
        self.assertEqual(done["message"], "15 components added.")
        self.assertEqual(
            self._counts(self.lot),
            {"Keyboard FR": 1, "Memory 16 GB": 2, "Screw M2": 12},
            "one per unit of one laptop; the paste is not counted in units",
        )
        self.assertEqual(set(self.lot.component_ids.mapped("state")), {"installed"})
        self.assertEqual(
            set(self.lot.component_ids.mapped("installed_on")), {self.today}
        )
        self.assertEqual(
            self._fill(self.lot)["message"], "The components were already filled in."
        )
        self.assertEqual(len(self.lot.component_ids), 15)

    def test_what_is_there_is_kept(self):
        keyboard_lot = self._create_lot("KB-7", product=self.keyboard)
        entered = (
            self.env["service.lot.component"]
            .with_user(self.technician_user)
            .create({"lot_id": self.lot.id, "component_lot_id": keyboard_lot.id})
        )
        self._fill(self.lot)
        keyboards = self.lot.component_ids.filtered(
            lambda c: c.product_id == self.keyboard
        )
        self.assertEqual(keyboards, entered, "the keyboard entered by hand counts")

    def test_roles_and_products_without_a_bill(self):
        with self.assertRaises(AccessError):
            self._fill(self.lot, user=self.desk_user)
        self.assertFalse(self.lot.component_ids, "nothing saved")
        printer_lot = self._create_lot(
            "PRN-1", product=self._create_product("Printer"), customer=self.customer
        )
        self.assertFalse(printer_lot.service_components_fillable)
        self.assertEqual(
            self._fill(printer_lot)["message"],
            "The components were already filled in.",
        )
        self.assertFalse(printer_lot.component_ids)


class TestFillFromManufacturingOrder(FillCase):
    def test_the_consumed_serials_are_the_components(self):
        stock = self.env.ref("stock.stock_location_stock")
        keyboard_lot = self._create_lot("KB-9", product=self.keyboard)
        quants = self.env["stock.quant"]
        quants._update_available_quantity(self.keyboard, stock, 1, lot_id=keyboard_lot)
        quants._update_available_quantity(self.memory, stock, 10)
        quants._update_available_quantity(self.screw, stock, 100)
        made = self._create_lot("LAP-0900", customer=self.customer)
        production = self.env["mrp.production"].create(
            {"product_id": self.laptop.id, "bom_id": self.bom.id, "product_qty": 1}
        )
        production.action_confirm()
        production.action_assign()
        production.lot_producing_id = made
        production.qty_producing = 1
        production.move_raw_ids.picked = True
        production.button_mark_done()
        self.assertEqual(production.state, "done")
        self.assertTrue(made.service_components_fillable)
        # Entered earlier without its serial number: it gets the one used.
        (
            self.env["service.lot.component"]
            .with_user(self.technician_user)
            .create({"lot_id": made.id, "product_id": self.keyboard.id})
        )
        self._fill(made)
        self.assertEqual(
            self._counts(made), {"Keyboard FR": 1, "Memory 16 GB": 2, "Screw M2": 12}
        )
        keyboard = made.component_ids.filtered(lambda c: c.product_id == self.keyboard)
        self.assertEqual(keyboard.component_lot_id, keyboard_lot)
        self.assertEqual(
            set(made.component_ids.mapped("installed_on")),
            {production.date_finished.date()},
            "installed when the unit was made",
        )


class TestFillOverExternalApi(IntegrityApiCase):
    """Technicians fill a serial's components over XML-RPC; the desk, the
    billing clerk and a portal user cannot."""

    def test_roles(self):
        if "mrp.bom" not in self.env:
            self.skipTest("Manufacturing is not installed")
        battery = self.env["product.product"].create(
            {"name": "Battery", "type": "consu"}
        )
        self.env["mrp.bom"].create(
            {
                "product_tmpl_id": self.lot.product_id.product_tmpl_id.id,
                "bom_line_ids": [Command.create({"product_id": battery.id})],
            }
        )
        for role in ("desk", "billing", "portal"):
            with self.subTest(role=role):
                self.assertRefused(
                    role, "stock.lot", "action_service_components_fill", [self.lot.id]
                )
        self.assertFalse(self.lot.component_ids)
        self._call("tech", "stock.lot", "action_service_components_fill", [self.lot.id])
        self.assertEqual(self.lot.component_ids.product_id, battery)
