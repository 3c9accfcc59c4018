"""Which of a serial number's warranties pays for a repair: the first, in
the company's order (default: a supplier's, then contract or extended,
then manufacturer, then statutory, then goodwill), of those running on the
repair's date and paying for its fault.  A warranty without an
entitlement that pays covers the repair at its parts and labour shares and
uses none of the entitlement's terms; the repair says which pays and why
the others do not.  A repair under the legal guarantee extends it when its
rule says so."""

from datetime import date, datetime

from dateutil.relativedelta import relativedelta

from odoo import Command, fields
from odoo.exceptions import ValidationError

from odoo.addons.service_entitlement.models.ledger_guard import ledger_writer

from .common import RepairEntitlementCase
from .test_integrity_api import IntegrityApiCase


class PrecedenceCase(RepairEntitlementCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Layer = cls.env["service.warranty.layer"]
        cls.contoso = cls._create_partner("Contoso Components")
        cls.warranty = cls._active_entitlement(
            total_terms=3, parts_coverage_percent=100, labor_coverage_percent=50
        )
        cls.supplier_layer = cls.Layer.create(
            {
                "lot_id": cls.lot.id,
                "kind": "manufacturer",
                "supplier_id": cls.contoso.id,
                "start_basis": "receipt",
                "date_start": cls.today - relativedelta(months=3),
                "date_end": cls.today + relativedelta(months=9),
                "labor_percent": 0.0,
            }
        )
        cls.wear = cls.env.ref("service_entitlement.fault_reason_wear_and_tear")
        cls.defect = cls.env.ref(
            "service_entitlement.fault_reason_manufacturing_defect"
        )


class TestWhichWarrantyPays(PrecedenceCase):
    def test_under_warranty_filter_reads_every_warranty(self):
        """The serial numbers' *Under Warranty* filter finds what a repair
        would find paid today: warranty dates, a running warranty layer
        that pays something (a supplier's, with no warranty dates), an
        active entitlement naming the serial."""
        Lot = self.env["stock.lot"]
        bare, layered, named = (
            self._create_lot(name, customer=self.customer)
            for name in ("UW-BARE", "UW-LAYER", "UW-NAMED")
        )
        layer = self.Layer.create(
            {
                "lot_id": layered.id,
                "kind": "manufacturer",
                "supplier_id": self.contoso.id,
                "start_basis": "receipt",
                "date_start": self.today - relativedelta(months=1),
                "date_end": self.today + relativedelta(months=1),
                "labor_percent": 0.0,
            }
        )
        self._active_entitlement(lot_ids=[Command.set(named.ids)], name="Named")
        under = Lot.search([("service_under_warranty", "=", True)])
        self.assertEqual(under & (bare | layered | named), layered | named)
        self.assertIn(bare, Lot.search([("service_under_warranty", "=", False)]))
        self.assertEqual(
            [lot.service_under_warranty for lot in (bare, layered, named)],
            [False, True, True],
        )
        layer.write({"parts_percent": 0.0})
        self.assertNotIn(layered, Lot.search([("service_under_warranty", "=", True)]))
        bare.warranty_date_end = self.today
        self.assertIn(bare, Lot.search([("service_under_warranty", "=", True)]))

    def test_the_supplier_pays_first_no_terms_used(self):
        repair = self._create_repair(fault_reason_id=self.defect.id)
        self.assertEqual(repair.warranty_layer_id, self.supplier_layer)
        self.assertEqual(repair.entitlement_id, self.warranty)
        self.assertEqual(repair.entitlement_coverage, "covered")
        explanation = repair.entitlement_explanation
        self.assertIn("Manufacturer by Contoso Components", explanation)
        self.assertIn("pays 100% of parts and 0% of labour, no terms used", explanation)
        self.assertIn(f"{self.warranty.display_name}: comes after it", explanation)
        self.assertEqual(repair._entitlement_plan().shares, (100.0, 0.0))
        self.assertTrue(repair.under_warranty)
        self._finish(repair)
        self.assertEqual(self.warranty.remaining_terms, 3.0, "no terms used")
        ledger = self.env["service.entitlement.consumption"].search(
            [("repair_id", "=", repair.id)]
        )
        self.assertEqual(ledger.mapped("waiver"), ["layer"])
        self.assertEqual(ledger.mapped("quantity"), [0.0])
        self.assertLedgerAgrees(self.warranty)

    def test_not_a_defect_the_entitlement_pays(self):
        repair = self._create_repair(fault_reason_id=self.wear.id)
        self.assertFalse(repair.warranty_layer_id)
        self.assertIn("Wear and tear is not a defect", repair.entitlement_explanation)
        self.assertIn(
            f"Pays: {self.warranty.display_name}", repair.entitlement_explanation
        )
        self.assertEqual(repair._entitlement_plan().shares, (100.0, 50.0))
        self._finish(repair)
        self.assertEqual(self.warranty.remaining_terms, 2.0)

    def test_an_ended_layer_does_not_pay(self):
        self.supplier_layer.date_end = self.today - relativedelta(days=1)
        repair = self._create_repair()
        self.assertFalse(repair.warranty_layer_id)
        self.assertIn("ended", repair.entitlement_explanation)
        self._finish(repair)
        self.assertEqual(self.warranty.remaining_terms, 2.0)

    def test_a_layer_not_started_does_not_pay(self):
        self.supplier_layer.date_start = self.today + relativedelta(days=1)
        repair = self._create_repair(fault_reason_id=self.defect.id)
        self.assertFalse(repair.warranty_layer_id)
        self.assertIn("starts", repair.entitlement_explanation)
        # A repair dated after it starts: the supplier pays.
        later = self._create_repair(
            lot=self.lot2,
            fault_reason_id=self.defect.id,
            schedule_date=datetime.combine(
                self.today + relativedelta(days=2), datetime.min.time()
            ),
        )
        self.supplier_layer.lot_id = self.lot2
        self.assertEqual(later.warranty_layer_id, self.supplier_layer)

    def test_the_company_says_what_pays_first(self):
        self.env.company.warranty_precedence = (
            "extended, contract, supplier, manufacturer, statutory, goodwill"
        )
        repair = self._create_repair()
        self.assertFalse(repair.warranty_layer_id, "the extended warranty pays")
        self.assertIn(
            f"{self.supplier_layer.display_name}: comes after it",
            repair.entitlement_explanation,
        )
        self._finish(repair)
        self.assertEqual(self.warranty.remaining_terms, 2.0)
        for wrong in ("supplier, contract", "supplier, supplier, contract, extended"):
            with self.subTest(wrong=wrong), self.assertRaises(ValidationError):
                self.env.company.warranty_precedence = wrong

    def test_a_layer_with_terms_is_its_entitlement(self):
        extended = self.Layer.create(
            {
                "lot_id": self.lot.id,
                "kind": "extended",
                "date_start": self.start,
                "date_end": self.end,
                "entitlement_id": self.warranty.id,
            }
        )
        self.env.company.warranty_precedence = (
            "extended, supplier, contract, manufacturer, statutory, goodwill"
        )
        repair = self._create_repair()
        self.assertFalse(repair.warranty_layer_id)
        self.assertIn(f"Pays: {extended.display_name}", repair.entitlement_explanation)
        self._finish(repair)
        self.assertEqual(self.warranty.remaining_terms, 2.0)

    def test_without_an_entitlement_the_layer_covers(self):
        other = self._create_lot("LAP-0500", customer=self.customer)
        self.Layer.create(
            {
                "lot_id": other.id,
                "kind": "manufacturer",
                "supplier_id": self.contoso.id,
                "date_start": self.start,
                "date_end": self.end,
                "parts_percent": 100.0,
                "labor_percent": 100.0,
            }
        )
        repair = self._create_repair(lot=other)
        self.assertFalse(repair.entitlement_id)
        self.assertEqual(repair.entitlement_coverage, "covered")
        self.assertTrue(repair.under_warranty)
        self._finish(repair)
        self.assertFalse(
            self.env["service.entitlement.consumption"].search(
                [("repair_id", "=", repair.id)]
            )
        )


class TestLegalGuaranteeExtension(PrecedenceCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.rule = cls.env.ref("service_entitlement.warranty_rule_eu_consumer")
        cls.consumer_lot = cls._create_lot("LAP-0600", customer=cls.customer)
        with ledger_writer():
            cls.statutory = cls.Layer.create(
                {
                    "lot_id": cls.consumer_lot.id,
                    "kind": "statutory",
                    "date_start": date(2026, 1, 10),
                    "date_end": date(2028, 1, 9),
                    "origin": "rule",
                    "rule_id": cls.rule.id,
                }
            )

    def test_repair_extends_it_once(self):
        # No repair warranty: the second repair is not a re-repair.
        self.env.company.repair_warranty_days = 0
        repair = self._finish(self._create_repair(lot=self.consumer_lot))
        self.assertEqual(repair.warranty_layer_id, self.statutory)
        self.assertEqual(self.statutory.date_end, date(2029, 1, 9))
        self.assertEqual(self.statutory.extended_months, 12)
        self.assertLogged(self.consumer_lot, "runs 12 months longer")
        again = self.env["repair.order"].create(
            {
                "partner_id": self.customer.id,
                "product_id": self.laptop.id,
                "lot_id": self.consumer_lot.id,
                "fault_reason_id": self.defect.id,
            }
        )
        self.assertFalse(again.rerepair_of_id)
        self.assertEqual(again.warranty_layer_id, self.statutory)
        self._finish(again)
        self.assertEqual(self.statutory.date_end, date(2029, 1, 9), "once only")

    def test_not_before_the_law_applies(self):
        repair = self._create_repair(
            lot=self.consumer_lot, schedule_date=datetime(2026, 7, 30, 10, 0)
        )
        self.assertEqual(repair.warranty_layer_id, self.statutory)
        self._finish(repair)
        self.assertEqual(self.statutory.date_end, date(2028, 1, 9))

    def test_switched_off(self):
        self.rule.extend_on_repair = False
        self._finish(self._create_repair(lot=self.consumer_lot))
        self.assertEqual(self.statutory.date_end, date(2028, 1, 9))


class TestWhichWarrantyPaysOverExternalApi(IntegrityApiCase):
    """The desk reads which warranty pays; nobody but the flow extends a
    legal guarantee."""

    def test_roles(self):
        contoso = self.env["res.partner"].create(
            {"name": "Contoso", "is_company": True}
        )
        # This case runs on the real clock (its requests' own cursors).
        today = fields.Date.context_today(self.env["repair.order"])
        layer = self.env["service.warranty.layer"].create(
            {
                "lot_id": self.lot.id,
                "kind": "manufacturer",
                "supplier_id": contoso.id,
                "date_start": today - relativedelta(months=1),
                "date_end": today + relativedelta(months=11),
            }
        )
        repair_id = self._call(
            "desk",
            "repair.order",
            "create",
            {
                "partner_id": self.adatum.id,
                "product_id": self.lot.product_id.id,
                "lot_id": self.lot.id,
            },
        )
        read = self._call(
            "desk", "repair.order", "read", [repair_id], ["warranty_layer_id"]
        )
        self.assertEqual(read[0]["warranty_layer_id"][0], layer.id)
        for role in ("desk", "tech", "billing", "manager"):
            with self.subTest(role=role):
                self.assertRefused(
                    role,
                    "service.warranty.layer",
                    "write",
                    [layer.id],
                    {"extended_months": 12},
                )
