import calendar

from dateutil.relativedelta import relativedelta

from odoo import Command, fields
from odoo.tests import HttpCase, new_test_user, tagged

from .common import FrozenClock


@tagged("post_install", "-at_install")
class TestServiceDeskTour(FrozenClock, HttpCase):
    """The service desk's repair flow in the browser (headless Chromium)."""

    def _covered_serial(self, prefix):
        """A customer, a serial-numbered laptop of theirs and an active
        three-incident warranty covering it: (customer, product, lot,
        warranty)."""
        env = self.env
        customer = env["res.partner"].create(
            {"name": f"{prefix} Customer", "is_company": True}
        )
        product = env["product.product"].create(
            {
                "name": f"{prefix} Laptop",
                "type": "consu",
                "is_storable": True,
                "tracking": "serial",
            }
        )
        lot = env["stock.lot"].create(
            {
                "name": f"{prefix.upper()}-0001",
                "product_id": product.id,
                "customer_id": customer.id,
            }
        )
        start = fields.Date.context_today(env["repair.order"]) - relativedelta(days=10)
        entitlement = env["service.entitlement"].create(
            {
                "name": f"{prefix} warranty",
                "partner_id": customer.id,
                "date_start": start,
                "date_end": start + relativedelta(years=1),
                "total_terms": 3,
                "lot_ids": [Command.set(lot.ids)],
            }
        )
        entitlement.action_activate()
        return customer, product, lot, entitlement

    def test_repair_shows_entitlement_and_consumes(self):
        env = self.env
        __, product, lot, entitlement = self._covered_serial("Tour")
        env["stock.quant"]._update_available_quantity(
            product, env.ref("stock.stock_location_stock"), 1.0, lot_id=lot
        )
        new_test_user(
            env,
            login="tour_desk",
            password="tour_desk",
            groups="base.group_user,service_entitlement.group_service_desk",
        )
        self.start_tour(
            "/odoo/action-repair.action_repair_order_tree",
            "service_entitlement_repair_tour",
            login="tour_desk",
        )
        self.assertEqual(entitlement.remaining_terms, 2)
        self.assertEqual(len(entitlement.consumption_ids), 1)

    def test_counter_goodwill_hold_and_share(self):
        """The desk sees the customer's share, grants goodwill and puts the
        repair on hold, in the browser."""
        env = self.env
        customer, product, lot, entitlement = self._covered_serial("Counter")
        keyboard, paste = env["product.product"].create(
            [
                {
                    "name": "Counter keyboard",
                    "type": "consu",
                    "list_price": 40,
                    "taxes_id": [Command.clear()],
                },
                {
                    "name": "Cooling paste",
                    "type": "consu",
                    "list_price": 15,
                    "taxes_id": [Command.clear()],
                    "entitlement_never_covered": True,
                },
            ]
        )
        repair = env["repair.order"].create(
            {
                "partner_id": customer.id,
                "product_id": product.id,
                "lot_id": lot.id,
                "move_ids": [
                    Command.create(
                        {
                            "product_id": part.id,
                            "product_uom_qty": 1,
                            "repair_line_type": "add",
                        }
                    )
                    for part in (keyboard, paste)
                ],
            }
        )
        self.assertEqual(repair.entitlement_id, entitlement)
        new_test_user(
            env,
            login="counter_desk",
            password="counter_desk",
            groups="base.group_user,service_entitlement.group_service_desk",
        )
        self.start_tour(
            "/odoo/action-repair.action_repair_order_tree",
            "service_entitlement_counter_tour",
            login="counter_desk",
        )
        self.assertEqual(repair.entitlement_decision, "goodwill")
        self.assertEqual(repair.entitlement_decision_reason, "Loyal customer")
        self.assertEqual(repair.hold_ids.reason, "Screen ordered")
        self.assertTrue(repair.hold_ids.date_end)
        self.assertFalse(repair.sla_hold_since)


@tagged("post_install", "-at_install")
class TestRoleJobTours(FrozenClock, HttpCase):
    """Jobs of the desk, the technician and the billing clerk that only a
    browser shows break: each as its role, in headless Chromium."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        cls.today = fields.Date.context_today(env["repair.order"])
        cls.customer = env["res.partner"].create(
            {"name": "Tour Customer", "is_company": True}
        )
        cls.laptop = env["product.product"].create(
            {
                "name": "Tour Laptop",
                "type": "consu",
                "is_storable": True,
                "tracking": "serial",
            }
        )
        cls.lot = env["stock.lot"].create(
            {
                "name": "TOUR-0001",
                "product_id": cls.laptop.id,
                "customer_id": cls.customer.id,
            }
        )
        for login, group in (
            ("tour_desk", "group_service_desk"),
            ("tour_tech", "group_technician"),
            ("tour_billing", "group_billing_clerk"),
            ("tour_manager", "group_entitlement_manager"),
        ):
            new_test_user(
                env,
                login=login,
                password=login,
                groups=f"base.group_user,service_entitlement.{group}",
            )

    def _draft_contract(self):
        """A draft service contract of the unit, 1,200.00 a year invoiced by
        the quarter, from the first of this month."""
        first = self.today.replace(day=1)
        return self.env["service.entitlement"].create(
            {
                "name": "Tour contract",
                "partner_id": self.customer.id,
                "entitlement_type": "service_contract",
                "date_start": first,
                "date_end": first + relativedelta(years=1, days=-1),
                "total_terms": 5,
                "invoice_period": "quarter",
                "invoice_prepaid": True,
                "lot_ids": [],
                "contract_line_ids": [
                    Command.create({"lot_id": self.lot.id, "line_value": 1200.0})
                ],
            }
        )

    def _active_contract(self):
        """The draft contract, activated: invoiced in advance."""
        contract = self._draft_contract()
        contract.action_activate()
        return contract

    def _repair(self, **vals):
        repair = self.env["repair.order"].create(
            {
                "partner_id": self.customer.id,
                "product_id": self.laptop.id,
                "lot_id": self.lot.id,
                **vals,
            }
        )
        repair.action_validate()
        self.assertEqual(repair.state, "confirmed")
        return repair

    def test_desk_sends_a_unit_to_the_supplier_and_back(self):
        supplier = self.env["res.partner"].create(
            {"name": "Tour Supplier", "is_company": True}
        )
        self.env["service.warranty.layer"].create(
            {
                "lot_id": self.lot.id,
                "kind": "manufacturer",
                "supplier_id": supplier.id,
                "date_start": self.today - relativedelta(months=3),
                "date_end": self.today + relativedelta(months=9),
            }
        )
        repair = self._repair(
            fault_reason_id=self.env.ref(
                "service_entitlement.fault_reason_manufacturing_defect"
            ).id
        )
        self.start_tour(
            f"/odoo/action-repair.action_repair_order_tree/{repair.id}",
            "service_entitlement_supplier_tour",
            login="tour_desk",
        )
        claim = repair.vendor_claim_ids
        self.assertEqual(claim.unit_state, "returned")
        self.assertFalse(repair.sla_hold_since, "the repair goes on")
        # The customer's unit never went through our stock.
        quants = self.env["stock.quant"].search([("lot_id", "=", self.lot.id)])
        self.assertFalse(quants.filtered(lambda q: q.quantity < 0))

    def test_technician_replaces_a_unit_typed_in(self):
        start = self.today - relativedelta(days=10)
        warranty = self.env["service.entitlement"].create(
            {
                "name": "Tour warranty",
                "partner_id": self.customer.id,
                "date_start": start,
                "date_end": start + relativedelta(years=1),
                "total_terms": 3,
                "lot_ids": [Command.set(self.lot.ids)],
            }
        )
        warranty.action_activate()
        repair = self._repair()
        self.start_tour(
            f"/odoo/action-repair.action_repair_order_tree/{repair.id}",
            "service_entitlement_replace_tour",
            login="tour_tech",
        )
        new = repair.replacement_lot_id
        self.assertEqual((new.name, new.product_id), ("TOUR-NEW-01", self.laptop))
        self.assertEqual(warranty.lot_ids, new)
        self.assertTrue(self.lot.service_defective)

    def test_billing_clerk_credits_a_contract_invoice(self):
        contract = self._active_contract()
        invoice = self.env["service.entitlement"]._contract_invoice_due(
            contract.contract_id, self.today
        )
        self.assertEqual(len(invoice), 1)
        self.assertEqual(invoice.amount_untaxed, 300.0)
        invoice.action_post()
        self.start_tour(
            f"/odoo/action-account.action_move_out_invoice_type/{invoice.id}",
            "service_entitlement_credit_note_tour",
            login="tour_billing",
        )
        credit = invoice.reversal_move_ids
        self.assertEqual(credit.move_type, "out_refund")
        self.assertEqual(credit.amount_total, invoice.amount_total)
        self.assertEqual(
            credit.invoice_line_ids.mapped("price_unit"),
            invoice.invoice_line_ids.mapped("price_unit"),
        )
        self.assertEqual(
            credit.invoice_line_ids.service_period_end,
            invoice.invoice_line_ids.service_period_end,
        )

    def test_desk_lends_a_loaner_and_takes_it_back(self):
        env = self.env
        product = env["product.product"].create(
            {
                "name": "Tour Loaner",
                "type": "consu",
                "is_storable": True,
                "tracking": "serial",
                "service_loaner": True,
            }
        )
        loaner = env["stock.lot"].create(
            {"name": "TOUR-LOAN", "product_id": product.id}
        )
        env["stock.quant"]._update_available_quantity(
            product,
            env.ref("service_entitlement.stock_location_loaners"),
            1.0,
            lot_id=loaner,
        )
        repair = self._repair()
        self.start_tour(
            f"/odoo/action-repair.action_repair_order_tree/{repair.id}",
            "service_entitlement_loaner_tour",
            login="tour_desk",
        )
        self.assertEqual(loaner.loan_ids.state, "returned")
        self.assertEqual(loaner.loan_ids.repair_id, repair)
        self.assertFalse(loaner.customer_id, "lent, not given")
        self.assertEqual(loaner.loaner_state, "available")

    def test_billing_clerk_invoices_overages_and_contracts(self):
        env = self.env
        overage = env["product.product"].create(
            {"name": "Tour overage", "type": "service", "list_price": 150}
        )
        start = self.today - relativedelta(days=10)
        warranty = env["service.entitlement"].create(
            {
                "name": "Tour warranty",
                "partner_id": self.customer.id,
                "date_start": start,
                "date_end": start + relativedelta(years=1),
                "total_terms": 1,
                "limit_policy": "bill",
                "overage_product_id": overage.id,
                "overage_price": 150.0,
                "lot_ids": [Command.set(self.lot.ids)],
            }
        )
        warranty.action_activate()
        # Its one incident used, the next repair goes to billing.
        self._repair()
        self._repair()
        self.assertEqual(warranty.billing_line_ids.state, "to_invoice")
        contract = self._active_contract()
        self.start_tour(
            "/odoo/action-service_entitlement.service_entitlement_billing_line_action",
            "service_entitlement_billing_tour",
            login="tour_billing",
        )
        self.assertEqual(warranty.billing_line_ids.state, "invoiced")
        self.assertEqual(warranty.billing_line_ids.invoice_id.amount_untaxed, 150.0)
        self.assertEqual(contract.contract_invoice_count, 1)
        self.assertFalse(contract.next_invoice_date <= self.today)

    def test_technician_starts_puts_in_a_part_and_ends(self):
        battery = self.env["product.product"].create(
            {"name": "Tour Battery", "type": "consu", "list_price": 90.0}
        )
        repair = self._repair()
        self.start_tour(
            f"/odoo/action-repair.action_repair_order_tree/{repair.id}",
            "service_entitlement_technician_tour",
            login="tour_tech",
        )
        self.assertEqual(repair.state, "done")
        self.assertEqual(repair.move_ids.product_id & battery, battery)

    def _draft_claim(self):
        """A done repair under a supplier's warranty, two parts used: its
        claim waits in draft, the first part named as the causal one."""
        supplier = self.env["res.partner"].create(
            {"name": "Tour Supplier", "is_company": True, "email": "s@example.com"}
        )
        self.env["service.warranty.layer"].create(
            {
                "lot_id": self.lot.id,
                "kind": "manufacturer",
                "supplier_id": supplier.id,
                "date_start": self.today - relativedelta(months=3),
                "date_end": self.today + relativedelta(months=9),
            }
        )
        ssd, fan = (
            self.env["product.product"].create(
                {"name": name, "type": "consu", "standard_price": cost}
            )
            for name, cost in (("Tour SSD", 60.0), ("Tour Fan", 25.0))
        )
        repair = self._repair(
            fault_reason_id=self.env.ref(
                "service_entitlement.fault_reason_manufacturing_defect"
            ).id,
            move_ids=[
                Command.create(
                    {
                        "product_id": part.id,
                        "product_uom_qty": 1,
                        "repair_line_type": "add",
                    }
                )
                for part in (ssd, fan)
            ],
        )
        repair.action_repair_start()
        repair.action_repair_end()
        claim = repair.vendor_claim_ids
        self.assertEqual((claim.state, claim.causal_product_id), ("draft", ssd))
        return claim, fan

    def test_desk_completes_and_sends_a_claim(self):
        claim, fan = self._draft_claim()
        self.start_tour(
            f"/odoo/action-service_entitlement.service_vendor_claim_action/{claim.id}",
            "service_entitlement_claim_send_tour",
            login="tour_desk",
        )
        self.assertEqual(claim.state, "sent")
        self.assertEqual(claim.causal_product_id, fan)
        self.assertIn("overheated", claim.note)
        sent = claim.message_ids.filtered(lambda m: m.attachment_ids)
        self.assertEqual(sent.partner_ids, claim.vendor_id)

    def test_billing_clerk_records_the_answer_and_the_credit(self):
        claim, _fan = self._draft_claim()
        claim._mark_sent()
        self.assertGreater(claim.amount_claimed, 50.0)
        self.start_tour(
            f"/odoo/action-service_entitlement.service_vendor_claim_action/{claim.id}",
            "service_entitlement_claim_credit_tour",
            login="tour_billing",
        )
        self.assertEqual((claim.decision, claim.accepted_amount), ("accepted", 50.0))
        self.assertEqual(claim.state, "credited")
        self.assertEqual(claim.credited_amount, 50.0)

    def test_manager_gives_a_contract_discounts_and_activates_it(self):
        contract = self._draft_contract()
        self.start_tour(
            "/odoo/action-service_entitlement.service_entitlement_action_contract/"
            f"{contract.id}",
            "service_entitlement_manager_contract_tour",
            login="tour_manager",
        )
        self.assertEqual(contract.state, "active")
        self.assertEqual(contract.max_labour_unit_price, 55.0)
        discount = contract.contract_discount_ids
        self.assertEqual((discount.discount_type, discount.discount), ("labour", 10.0))
        self.assertTrue(contract.contract_id, "OCA's contract invoices it")

    def test_manager_ends_an_invoiced_line(self):
        contract = self._active_contract()
        invoice = self.env["service.entitlement"]._contract_invoice_due(
            contract.contract_id, self.today
        )
        invoice.action_post()
        self.start_tour(
            "/odoo/action-service_entitlement.service_entitlement_action_contract/"
            f"{contract.id}",
            "service_entitlement_manager_end_line_tour",
            login="tour_manager",
        )
        line = contract.contract_line_ids
        self.assertEqual(line.date_end, self.today)
        # What the quarter invoiced after today, by month parts: the rest of
        # this month, then two whole months of 100.00.
        days = calendar.monthrange(self.today.year, self.today.month)[1]
        rest = round(100.0 * (days - self.today.day) / days, 2)
        self.assertAlmostEqual(
            line.credit_move_id.amount_untaxed, rest + 200.0, places=2
        )

    def test_manager_adds_a_warranty_layer(self):
        self.start_tour(
            f"/odoo/action-service_entitlement.stock_lot_action_service_item/{self.lot.id}",
            "service_entitlement_manager_layer_tour",
            login="tour_manager",
        )
        layer = self.lot.warranty_layer_ids
        self.assertEqual(layer.kind, "extended")
        self.assertEqual(layer.origin, "manual")
        self.assertEqual(str(layer.date_end), "2029-11-15")

    def test_manager_runs_a_campaign(self):
        campaign = self.env["service.campaign"].create(
            {"name": "Tour recall", "product_id": self.laptop.id}
        )
        self.start_tour(
            f"/odoo/action-service_entitlement.service_campaign_action/{campaign.id}",
            "service_entitlement_manager_campaign_tour",
            login="tour_manager",
        )
        item = campaign.item_ids
        self.assertEqual(item.lot_id, self.lot)
        self.assertEqual(item.repair_id.partner_id, self.customer)
        self.assertEqual(item.repair_id.campaign_id, campaign)

    def test_technician_replaces_a_component(self):
        fan = self.env["product.product"].create({"name": "Tour Fan", "type": "consu"})
        old = self.env["service.lot.component"].create(
            {"lot_id": self.lot.id, "product_id": fan.id}
        )
        repair = self._repair()
        self.start_tour(
            f"/odoo/action-repair.action_repair_order_tree/{repair.id}",
            "service_entitlement_component_tour",
            login="tour_tech",
        )
        self.assertEqual(repair.state, "done")
        self.assertEqual(old.state, "replaced")
        self.assertEqual(old.replaced_repair_id, repair)
        new = old.replaced_by_id
        self.assertEqual((new.product_id, new.installed_repair_id), (fan, repair))
