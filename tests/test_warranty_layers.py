"""Warranty layers: the several warranties a serial number carries at once.
The seller's legal guarantee comes from the statutory rules when the
serial is delivered (the European Union's rule is data: consumers, two
years); a supplier's warranty from the purchase receipt, for the months on
the vendor's price list line (OCA ``product_warranty``); managers enter the
others.  Nobody but the flow says a layer came from a rule or a receipt."""

from datetime import date, timedelta

from odoo import Command, fields
from odoo.exceptions import AccessError, ValidationError

from .common import RepairEntitlementCase
from .test_integrity_api import IntegrityApiCase


class LayerCase(RepairEntitlementCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Layer = cls.env["service.warranty.layer"]
        cls.eu_rule = cls.env.ref("service_entitlement.warranty_rule_eu_consumer")
        cls.stock = cls.env.ref("stock.stock_location_stock")
        cls.customers = cls.env.ref("stock.stock_location_customers")
        cls.suppliers = cls.env.ref("stock.stock_location_suppliers")
        france = cls.env.ref("base.fr")
        cls.consumer = cls.env["res.partner"].create(
            {"name": "Camille Martin", "country_id": france.id}
        )
        cls.business = cls.env["res.partner"].create(
            {"name": "Atelier Martin SARL", "is_company": True, "country_id": france.id}
        )
        cls.us_consumer = cls.env["res.partner"].create(
            {"name": "Jordan Lee", "country_id": cls.env.ref("base.us").id}
        )
        cls.vendor = cls.env["res.partner"].create(
            {"name": "Contoso Components", "is_company": True}
        )
        cls.other_vendor = cls.env["res.partner"].create(
            {"name": "Litware Parts", "is_company": True}
        )
        cls.env["product.supplierinfo"].create(
            [
                {
                    "partner_id": cls.vendor.id,
                    "product_tmpl_id": cls.laptop.product_tmpl_id.id,
                    "warranty_duration": 10,
                },
                {
                    "partner_id": cls.other_vendor.id,
                    "product_tmpl_id": cls.laptop.product_tmpl_id.id,
                    "warranty_duration": 5,
                },
            ]
        )

    def _move(self, partner, source, destination, lot_name=None, lot=None):
        """A picking of one laptop from ``source`` to ``destination``, done:
        a new serial ``lot_name`` received, or ``lot`` moved."""
        kind = (
            "stock.picking_type_out"
            if destination == self.customers
            else "stock.picking_type_in"
        )
        picking = self.env["stock.picking"].create(
            {
                "partner_id": partner.id,
                "picking_type_id": self.env.ref(kind).id,
                "location_id": source.id,
                "location_dest_id": destination.id,
                "move_ids": [
                    Command.create(
                        {
                            "name": self.laptop.name,
                            "product_id": self.laptop.id,
                            "product_uom_qty": 1,
                            "product_uom": self.laptop.uom_id.id,
                            "location_id": source.id,
                            "location_dest_id": destination.id,
                        }
                    )
                ],
            }
        )
        picking.action_confirm()
        picking.action_assign()
        if lot_name:
            picking.move_line_ids.lot_name = lot_name
        else:
            picking.move_line_ids.lot_id = lot
        picking.move_ids.picked = True
        picking.button_validate()
        self.assertEqual(picking.state, "done")
        return picking

    def _receive(self, vendor, lot_name):
        picking = self._move(vendor, self.suppliers, self.stock, lot_name=lot_name)
        return picking, picking.move_line_ids.lot_id

    def _deliver(self, customer, lot):
        return self._move(customer, self.stock, self.customers, lot=lot)


class TestLayersFromStock(LayerCase):
    def test_supplier_warranty_from_the_receipt(self):
        picking, lot = self._receive(self.vendor, "LAP-2001")
        layer = lot.warranty_layer_ids
        self.assertEqual(len(layer), 1)
        self.assertRecordValues(
            layer,
            [
                {
                    "kind": "manufacturer",
                    "supplier_id": self.vendor.id,
                    "start_basis": "receipt",
                    "date_start": self.today,
                    "date_end": date(2027, 9, 15),
                    "origin": "receipt",
                    "receipt_move_line_id": picking.move_line_ids.id,
                    "parts_percent": 100.0,
                    "labor_percent": 100.0,
                }
            ],
        )
        self.assertTrue(layer.running)
        # Five months from the other supplier, for its own serials.
        _picking, other = self._receive(self.other_vendor, "LAP-2002")
        self.assertEqual(other.warranty_layer_ids.date_end, date(2027, 4, 15))
        self.assertEqual(other.warranty_layer_ids.supplier_id, self.other_vendor)
        # A vendor that gives no warranty: no layer.
        _picking, none = self._receive(self.consumer, "LAP-2003")
        self.assertFalse(none.warranty_layer_ids)
        self.assertEqual(
            self.Layer.search([("running", "=", True), ("lot_id", "in", lot.ids)]),
            layer,
        )

    def test_legal_guarantee_on_delivery(self):
        _picking, lot = self._receive(self.vendor, "LAP-2010")
        self._deliver(self.consumer, lot)
        statutory = lot.warranty_layer_ids.filtered(lambda x: x.kind == "statutory")
        self.assertRecordValues(
            statutory,
            [
                {
                    "supplier_id": False,
                    "start_basis": "delivery",
                    "date_start": self.today,
                    "date_end": date(2028, 11, 15),
                    "origin": "rule",
                    "rule_id": self.eu_rule.id,
                }
            ],
        )
        self.assertEqual(len(lot.warranty_layer_ids), 2, "and the supplier's")

    def test_no_legal_guarantee_without_a_rule(self):
        for customer in (self.business, self.us_consumer):
            with self.subTest(customer=customer.name):
                _picking, lot = self._receive(self.consumer, f"LAP-{customer.id}")
                self._deliver(customer, lot)
                self.assertFalse(lot.warranty_layer_ids)
        # A company's own rule for businesses, anywhere: 12 months.
        self.env["service.warranty.rule"].create(
            {"name": "Business sales", "customer_kind": "business", "months": 12}
        )
        _picking, lot = self._receive(self.consumer, "LAP-2020")
        self._deliver(self.business, lot)
        self.assertEqual(lot.warranty_layer_ids.date_end, date(2027, 11, 15))

    def test_delivered_again_one_legal_guarantee(self):
        _picking, lot = self._receive(self.consumer, "LAP-2030")
        self._deliver(self.consumer, lot)
        self._move(self.consumer, self.customers, self.stock, lot=lot)
        self._deliver(self.consumer, lot)
        self.assertEqual(len(lot.warranty_layer_ids), 1)


class TestLayerInput(LayerCase):
    def _layer(self, user=None, **vals):
        return self.Layer.with_user(user or self.manager_user).create(
            {
                "lot_id": self.lot.id,
                "kind": "extended",
                "date_start": "2026-01-01",
                "date_end": "2027-12-31",
                **vals,
            }
        )

    def test_managers_enter_layers_others_read(self):
        layer = self._layer(parts_percent=50.0, labor_percent=0.0, note="Care+")
        self.assertEqual(layer.origin, "manual")
        self.assertIn("Extended", layer.display_name)
        for user in (self.desk_user, self.technician_user, self.billing_user):
            with self.subTest(user=user.login):
                self.assertEqual(self.lot.with_user(user).warranty_layer_ids, layer)
                with self.assertRaises(AccessError):
                    self._layer(user=user)
                with self.assertRaises(AccessError):
                    layer.with_user(user).parts_percent = 100.0

    def test_bad_input(self):
        entitlement = self._active_entitlement(lot_ids=[Command.set(self.lot2.ids)])
        for vals, message in (
            ({"date_end": "2025-12-31"}, "cannot end before it starts"),
            ({"parts_percent": 120.0}, "between 0"),
            ({"labor_percent": -1.0}, "between 0"),
            ({"kind": "statutory", "supplier_id": self.customer.id}, "seller's"),
            ({"entitlement_id": entitlement.id}, "does not cover LAP-0041"),
        ):
            with (
                self.subTest(message=message),
                self.assertRaises(ValidationError) as caught,
            ):
                self._layer(**vals)
            self.assertIn(message, str(caught.exception))
        self.assertFalse(self.lot.warranty_layer_ids, "nothing saved")
        Rule = self.env["service.warranty.rule"].with_user(self.manager_user)
        for vals, message in (
            ({"months": 0}, "at least one month"),
            ({"extension_months": -12}, "cannot be negative"),
        ):
            with (
                self.subTest(message=message),
                self.assertRaisesRegex(ValidationError, message),
            ):
                Rule.create({"name": "Bad", **vals})

    def test_origin_is_the_flows(self):
        for vals in (
            {"origin": "rule"},
            {"rule_id": self.eu_rule.id},
            {"extended_months": 12},
        ):
            with (
                self.subTest(vals=vals),
                self.assertRaisesRegex(AccessError, "follows the service flow"),
            ):
                self._layer(**vals)
        layer = self._layer()
        with self.assertRaisesRegex(AccessError, "follows the service flow"):
            layer.with_user(self.manager_user).rule_id = self.eu_rule
        with self.assertRaisesRegex(AccessError, "follows the service flow"):
            self.Layer.with_user(self.manager_user).with_context(
                default_origin="receipt"
            ).create(
                {
                    "lot_id": self.lot.id,
                    "date_start": "2026-01-01",
                    "date_end": "2026-12-31",
                }
            )


class TestLayersOverExternalApi(IntegrityApiCase):
    """Managers enter layers and rules over XML-RPC; the desk, technicians
    and billing read them; nobody says a layer came from a rule."""

    def test_roles(self):
        today = fields.Date.context_today(self.env["repair.order"])
        vals = {
            "lot_id": self.lot.id,
            "kind": "manufacturer",
            "date_start": str(today - timedelta(days=30)),
            "date_end": str(today + timedelta(days=335)),
        }
        for role in ("desk", "tech", "billing", "portal"):
            with self.subTest(role=role):
                self.assertRefused(role, "service.warranty.layer", "create", vals)
                self.assertRefused(
                    role, "service.warranty.rule", "create", {"name": "Rule"}
                )
        layer_id = self._call("manager", "service.warranty.layer", "create", vals)
        for role in ("desk", "tech", "billing"):
            with self.subTest(role=role):
                read = self._call(
                    role, "service.warranty.layer", "read", [layer_id], ["kind"]
                )
                self.assertEqual(read[0]["kind"], "manufacturer")
        rule = self.env.ref("service_entitlement.warranty_rule_eu_consumer")
        self.assertRefused(
            "manager",
            "service.warranty.layer",
            "write",
            [layer_id],
            {"rule_id": rule.id},
        )
        self.assertRefused(
            "manager",
            "stock.lot",
            "write",
            [self.lot.id],
            {"warranty_layer_ids": [(0, 0, {**vals, "origin": "rule"})]},
        )
        self._call(
            "manager", "service.warranty.rule", "write", [rule.id], {"months": 36}
        )
        self.assertEqual(rule.months, 36)
