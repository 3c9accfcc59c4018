"""Contract discounts and the labour cap (Business Central's contract/service
discounts and Max. Labor Unit Price) on the billable work of a contract's
repairs: in the customer's share before confirming, on the quotation, on the
overage billing line and its invoice, named in the explanation.

The contract covers parts at 50 % and labour at 25 %; it takes 20 % off the
parts of laptops (the discount whose starting date is the latest on or
before the repair's date), 10 % off labour, 50 % off overages, and caps
labour at 50.00 an hour (the workshop hour lists at 60.00)."""

from dateutil.relativedelta import relativedelta

from odoo import Command
from odoo.exceptions import AccessError, ValidationError

from .test_counter_coverage import CounterCase


class TestContractDiscounts(CounterCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        days = cls.today

        def on(offset):
            return days + relativedelta(days=offset)

        cls.contract = cls._active_entitlement(
            name="Gold Support",
            entitlement_type="service_contract",
            lot_ids=[],
            parts_coverage_percent=50,
            labor_coverage_percent=25,
            total_terms=1,
            limit_policy="bill",
            max_labour_unit_price=50.0,
            contract_line_ids=[
                Command.create(
                    {
                        "lot_id": cls.lot.id,
                        "line_value": 1200.0,
                        "date_start": cls.start,
                    }
                ),
                Command.create(
                    {
                        "lot_id": cls.lot2.id,
                        "line_value": 1200.0,
                        "date_start": cls.start,
                    }
                ),
            ],
            contract_discount_ids=[
                Command.create(
                    {
                        "discount_type": "category",
                        "product_categ_id": cls.categ.id,
                        "starting_date": on(-300),
                        "discount": 10.0,
                    }
                ),
                # The latest on or before the repair's date applies...
                Command.create(
                    {
                        "discount_type": "category",
                        "product_categ_id": cls.categ.id,
                        "starting_date": on(-15),
                        "discount": 20.0,
                    }
                ),
                # ...not one that starts later.
                Command.create(
                    {
                        "discount_type": "category",
                        "product_categ_id": cls.categ.id,
                        "starting_date": on(15),
                        "discount": 30.0,
                    }
                ),
                Command.create(
                    {
                        "discount_type": "labour",
                        "starting_date": on(-100),
                        "discount": 10.0,
                    }
                ),
                Command.create(
                    {
                        "discount_type": "cost",
                        "starting_date": on(-100),
                        "discount": 50.0,
                    }
                ),
            ],
        )

    def test_share_quotation_and_explanation(self):
        repair = self._create_repair(env=self.env(user=self.desk_user))
        self.assertEqual(repair.entitlement_id, self.contract)
        self._add_part(repair, self.screen)
        self._add_part(repair, self.oil, qty=2)
        repair.labor_hours = 2
        repair = repair.with_env(self.env)
        # Screen 200.00: 50 % covered, 20 % off the rest: pays 80.00.
        # Paste 2 x 15.00, never covered, 20 % off: pays 24.00.
        # Labour 2 h capped at 50.00: 25 % covered, 10 % off the rest: 67.50.
        self.assertRecordValues(
            repair,
            [
                {
                    "cost_parts_amount": 230,
                    "cost_parts_covered": 126,
                    "cost_labor_amount": 100,
                    "cost_labor_covered": 32.5,
                    "cost_untaxed_amount": 104 + 67.5,
                    "cost_customer_amount": 171.5,
                }
            ],
        )
        explanation = repair.entitlement_explanation
        self.assertIn("Contract discount on Laptops: 20.0%", explanation)
        self.assertIn("Contract discount on labour: 10.0%", explanation)
        self.assertIn("Labour at most", explanation)
        self.assertIn("an hour", explanation)
        self.assertNotIn("30.0%", explanation)
        # Contract prices, which the desk and technicians do not read.
        for user in (self.desk_user, self.technician_user):
            repair.invalidate_recordset(["entitlement_explanation"])
            seen = repair.with_user(user).entitlement_explanation
            self.assertTrue(seen)
            self.assertNotIn("Contract discount", seen)
            self.assertNotIn("Labour at most", seen)
        repair.action_create_sale_order()
        screen = self._line(repair, self.screen)
        labour = self._line(repair, self.labour)
        self.assertEqual(screen.discount, 60)
        self.assertEqual(self._line(repair, self.oil).discount, 20)
        self.assertEqual((labour.price_unit, labour.discount), (50, 32.5))
        self.assertAlmostEqual(repair.sale_order_id.amount_untaxed, 171.5)
        self.assertEqual(repair.cost_customer_amount, 171.5)
        # And on the invoice of the quotation.
        order = repair.sale_order_id
        order.action_confirm()
        for line in order.order_line:
            line.qty_delivered = line.product_uom_qty
        invoice = order._create_invoices()
        self.assertAlmostEqual(invoice.amount_untaxed, 171.5)

    def test_overage_billed_with_its_discount(self):
        self._confirm(self._create_repair(lot=self.lot2))
        repair = self._create_repair()
        # One incident beyond the terms at 150.00, 50 % off.
        self.assertEqual(repair.cost_overage_amount, 75)
        self._confirm(repair)
        line = repair.service_billing_line_ids
        self.assertEqual((line.price_unit, line.discount), (150, 50))
        self.assertEqual(line.price_subtotal, 75)
        line.with_user(self.billing_user).action_create_invoices()
        self.assertEqual(line.invoice_line_id.discount, 50)
        self.assertAlmostEqual(line.invoice_id.amount_untaxed, 75)

    def test_no_contract_no_discount(self):
        """A warranty is not a service contract: no discount, no cap."""
        self.contract.action_cancel()
        self._active_entitlement(parts_coverage_percent=50)
        repair = self._create_repair()
        self._add_part(repair, self.screen)
        self.assertEqual(repair.cost_customer_amount, 100)
        self.assertNotIn("Contract discount", repair.entitlement_explanation)

    def test_bad_input(self):
        manager = self.contract.with_user(self.manager_user)
        cases = [
            ({"discount_type": "labour", "discount": 120.0}, "between 0% and 100%"),
            ({"discount_type": "labour", "discount": -5.0}, "between 0% and 100%"),
            (
                {"discount_type": "category", "discount": 5.0},
                "names its product category",
            ),
            (
                {
                    "discount_type": "labour",
                    "discount": 5.0,
                    "starting_date": self.today - relativedelta(days=100),
                },
                "already has a labour discount",
            ),
        ]
        for vals, message in cases:
            with self.subTest(message=message):
                count = len(self.contract.contract_discount_ids)
                with (
                    self.assertRaisesRegex(ValidationError, message),
                    self.env.cr.savepoint(),
                ):
                    manager.contract_discount_ids = [
                        Command.create({"starting_date": self.today, **vals})
                    ]
                self.contract.invalidate_recordset()
                self.assertEqual(len(self.contract.contract_discount_ids), count)
        with self.assertRaisesRegex(ValidationError, "cannot be negative"):
            manager.max_labour_unit_price = -1.0

    def test_roles(self):
        # Managers set discounts and the cap.
        manager = self.contract.with_user(self.manager_user)
        manager.max_labour_unit_price = 55.0
        manager.contract_discount_ids = [
            Command.create(
                {
                    "discount_type": "labour",
                    "starting_date": self.today,
                    "discount": 12.0,
                }
            )
        ]
        # Billing clerks read them, and change nothing.
        billing = self.contract.with_user(self.billing_user)
        self.assertEqual(billing.max_labour_unit_price, 55.0)
        with self.assertRaises(AccessError):
            billing.contract_discount_ids[0].discount = 1.0
        # The desk sees no prices.
        desk = self.contract.with_user(self.desk_user)
        with self.assertRaises(AccessError):
            desk.read(["max_labour_unit_price"])
        with self.assertRaises(AccessError):
            self.env["service.entitlement.contract.discount"].with_user(
                self.desk_user
            ).search([])
