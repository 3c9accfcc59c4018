"""Coverage people can trust at the counter: wear parts and exclusions, the
repair warranty and re-repairs, repeat failures, goodwill and the customer's
share before confirming, each run as the role that does it."""

from dateutil.relativedelta import relativedelta
from freezegun import freeze_time

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError, ValidationError

from odoo.addons.service_entitlement.models.ledger_guard import ledger_writer

from .common import RepairEntitlementCase


class CounterCase(RepairEntitlementCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        no_tax = {"taxes_id": [Command.clear()]}
        cls.laptop.write(no_tax)
        cls.parts_categ = cls.env["product.category"].create({"name": "Parts"})
        cls.displays = cls.env["product.category"].create(
            {"name": "Displays", "parent_id": cls.parts_categ.id}
        )
        cls.screen = cls.env["product.product"].create(
            {
                "name": "Screen 14in",
                "type": "consu",
                "list_price": 200,
                "categ_id": cls.displays.id,
                **no_tax,
            }
        )
        cls.keyboard = cls.env["product.product"].create(
            {
                "name": "Keyboard",
                "type": "consu",
                "list_price": 40,
                "categ_id": cls.parts_categ.id,
                **no_tax,
            }
        )
        cls.oil = cls.env["product.product"].create(
            {
                "name": "Cooling paste",
                "type": "consu",
                "list_price": 15,
                "entitlement_never_covered": True,
                **no_tax,
            }
        )
        cls.labour = cls.env["product.product"].create(
            {"name": "Workshop hour", "type": "service", "list_price": 60, **no_tax}
        )
        cls.company.entitlement_labor_product_id = cls.labour

    def _create_repair(self, lot=None, partner=None, env=None, **vals):
        """A repair of a serial number already in stock (from an earlier
        repair) does not put it in stock a second time."""
        lot = lot if lot is not None else self.lot
        if lot and lot.quant_ids.filtered(lambda q: q.quantity > 0):
            env = env or self.env
            return env["repair.order"].create(
                {
                    "partner_id": (partner or self.customer).id,
                    "product_id": lot.product_id.id,
                    "lot_id": lot.id,
                    **vals,
                }
            )
        return super()._create_repair(lot=lot, partner=partner, env=env, **vals)

    def _both_lots(self):
        return [Command.set((self.lot | self.lot2).ids)]

    def _add_part(self, repair, product, qty=1, user=None):
        repair = repair.with_user(user) if user else repair
        repair.write(
            {
                "move_ids": [
                    Command.create(
                        {
                            "product_id": product.id,
                            "product_uom_qty": qty,
                            "repair_line_type": "add",
                        }
                    )
                ]
            }
        )
        return repair.move_ids.filtered(lambda m: m.product_id == product)

    def _line(self, repair, product):
        return repair.sale_order_id.order_line.filtered(
            lambda sol: sol.product_id == product
        )


class TestWearPartsAndExclusions(CounterCase):
    def test_wear_part_is_charged_alone_on_a_covered_repair(self):
        warranty = self._active_entitlement()
        repair = self._create_repair(env=self.env(user=self.desk_user))
        self.assertEqual(repair.entitlement_id, warranty)
        self._add_part(repair, self.keyboard)
        self._add_part(repair, self.oil)
        self.assertTrue(repair.under_warranty)
        self.assertIn("Cooling paste (never covered", repair.entitlement_explanation)
        # The quotation is a sales document: made by a salesperson.
        repair.with_env(self.env).action_create_sale_order()
        self.assertEqual(self._line(repair, self.keyboard).price_unit, 0)
        oil_line = self._line(repair, self.oil)
        self.assertEqual((oil_line.price_unit, oil_line.discount), (15, 0))
        self.assertAlmostEqual(repair.sale_order_id.amount_untaxed, 15)

    def test_technician_excludes_a_line(self):
        """Business Central's Exclude Warranty: the technician takes the
        keyboard out of the coverage; the customer pays it, the screen stays
        covered, and the explanation says why."""
        self._active_entitlement(parts_coverage_percent=80)
        repair = self._create_repair()
        self._add_part(repair, self.screen)
        keyboard_move = self._add_part(repair, self.keyboard)
        repair.action_create_sale_order()
        self.assertEqual(self._line(repair, self.keyboard).discount, 80)
        keyboard_move.with_user(self.technician_user).entitlement_excluded = True
        self.assertEqual(self._line(repair, self.keyboard).discount, 0)
        self.assertEqual(self._line(repair, self.screen).discount, 80)
        self.assertEqual(
            keyboard_move.entitlement_exclusion, "excluded by the technician"
        )
        self.assertIn(
            "Keyboard (excluded by the technician)", repair.entitlement_explanation
        )
        self.assertAlmostEqual(repair.sale_order_id.amount_untaxed, 40 + 200 * 0.2)

    def test_fault_reason_excludes_a_category(self):
        reason = self.env["service.fault.reason"].create(
            {
                "name": "Liquid spill",
                "excluded_categ_ids": [Command.set(self.parts_categ.ids)],
            }
        )
        self._active_entitlement()
        repair = self._create_repair(fault_reason_id=reason.id)
        screen_move = self._add_part(repair, self.screen)
        # The display category is a child of the excluded one.
        self.assertEqual(
            screen_move.entitlement_exclusion, "Liquid spill excludes Parts"
        )
        preview = repair._entitlement_cost_preview()
        self.assertEqual((preview["parts"], preview["parts_covered"]), (200, 0))

    def test_only_repair_parts_can_be_excluded(self):
        move = self.env["stock.move"].create(
            {
                "name": "Internal",
                "product_id": self.keyboard.id,
                "product_uom_qty": 1,
                "product_uom": self.keyboard.uom_id.id,
                "location_id": self.env.ref("stock.stock_location_stock").id,
                "location_dest_id": self.env.ref("stock.stock_location_customers").id,
            }
        )
        with self.assertRaises(ValidationError):
            move.entitlement_excluded = True


class TestRepairWarranty(CounterCase):
    def _finished_repair(self, lot=None):
        repair = self._create_repair(lot=lot)
        repair = repair.with_user(self.technician_user)
        return self._finish(repair)

    def test_laptop_back_within_90_days_is_repaired_free(self):
        warranty = self._active_entitlement()
        first = self._finished_repair()
        self.assertEqual(warranty.remaining_terms, 2)
        end = fields.Date.context_today(first) + relativedelta(days=90)
        self.assertEqual(first.repair_warranty_end, end)
        self.assertEqual(self.lot.repair_warranty_end, end)
        self.assertEqual(self.lot.last_repair_id, first)

        again = self._create_repair(env=self.env(user=self.desk_user))
        self.assertEqual(again.rerepair_of_id, first)
        self.assertEqual(again.entitlement_coverage, "covered")
        self.assertIn(f"Re-repair of {first.name}", again.entitlement_explanation)
        self._finish(again)
        self.assertEqual(warranty.remaining_terms, 2, "no incident used")
        row = again.entitlement_consumption_ids
        self.assertRecordValues(
            row,
            [
                {
                    "quantity": 0,
                    "waiver": "rerepair",
                    "note": f"Re-repair of {first.name}",
                }
            ],
        )
        self.assertLedgerAgrees(warranty)

    def test_finished_repair_without_a_finish_date(self):
        """A repair finished before its finish date was kept (imported, or
        done before the add-on was installed) but with a repair warranty
        still counts as the one a re-repair redoes; later repairs of the
        serial number are made as usual."""
        first = self._finished_repair()
        with ledger_writer():
            first.write({"finished_date": False})
        again = self._create_repair(env=self.env(user=self.desk_user))
        self.assertEqual(again.rerepair_of_id, first)
        self.assertEqual(again.lot_repair_count, 0)

    def test_rerepair_found_without_customer_and_in_batches(self):
        """The serial number's earlier repairs are read with the entitlement
        match; without a customer there is no match, and they are read on
        their own.  Repairs created together each find their own."""
        first = self._finished_repair()
        lone = self.env["repair.order"].create(
            {"product_id": self.laptop.id, "lot_id": self.lot.id}
        )
        self.assertFalse(lone.partner_id)
        self.assertEqual(lone.rerepair_of_id, first)
        self.assertEqual(lone.lot_repair_count, 1)
        second = self._finished_repair(lot=self.lot2)
        both = self.env["repair.order"].create(
            [
                {
                    "partner_id": self.customer.id,
                    "product_id": lot.product_id.id,
                    "lot_id": lot.id,
                }
                for lot in (self.lot, self.lot2)
            ]
        )
        self.assertEqual(both[0].rerepair_of_id, first)
        self.assertEqual(both[1].rerepair_of_id, second)
        self.assertEqual(both.mapped("lot_repair_count"), [1, 1])
        self.assertEqual(both.mapped("under_warranty"), [True, True])

    def test_rerepair_without_entitlement_is_under_warranty(self):
        first = self._finished_repair()
        self.assertFalse(first.entitlement_id)
        again = self._create_repair()
        self.assertEqual(again.rerepair_of_id, first)
        self.assertTrue(again.under_warranty)
        self._add_part(again, self.keyboard)
        self.assertEqual(again._entitlement_cost_preview()["total"], 0)

    def test_product_sets_its_own_repair_warranty(self):
        self.laptop.product_tmpl_id.repair_warranty_days = 30
        first = self._finished_repair()
        self.assertEqual(
            first.repair_warranty_end,
            fields.Date.context_today(first) + relativedelta(days=30),
        )
        with freeze_time(fields.Date.today() + relativedelta(days=31)):
            later = self._create_repair()
            self.assertFalse(later.rerepair_of_id)

    def test_bad_rerepair_links_are_refused(self):
        first = self._finished_repair()
        other = self._create_repair(lot=self.lot2)
        with self.assertRaises(ValidationError):
            other.with_user(self.desk_user).rerepair_of_id = first
        draft = self._create_repair()
        with self.assertRaises(ValidationError):
            self._create_repair(lot=self.lot).write({"rerepair_of_id": draft.id})
        with self.assertRaises(ValidationError):
            self.laptop.product_tmpl_id.repair_warranty_days = -1
        with self.assertRaises(ValidationError):
            self.company.repair_warranty_days = -5

    def test_repeat_failure_asks_a_manager_for_a_replacement(self):
        self.company.repair_warranty_days = 0  # every repair counts
        self._active_entitlement(total_terms=10, user_id=self.manager_user.id)
        for __ in range(3):
            self._finished_repair()
        self.assertTrue(self.lot.repeat_failure)
        activity = self.lot.activity_ids
        self.assertEqual(len(activity), 1)
        self.assertEqual(activity.user_id, self.manager_user)
        self.assertIn("propose a replacement", activity.summary)
        self.assertFalse(self.lot2.repeat_failure)


class TestGoodwill(CounterCase):
    def test_desk_grants_goodwill_on_an_exhausted_entitlement(self):
        warranty = self._active_entitlement(
            total_terms=1, limit_policy="block", lot_ids=self._both_lots()
        )
        self._confirm(self._create_repair(lot=self.lot2))
        self.assertEqual(warranty.remaining_terms, 0)
        repair = self._create_repair(env=self.env(user=self.desk_user))
        self.assertEqual(repair.entitlement_coverage, "exhausted")
        repair._entitlement_set_goodwill("Wrong diagnosis on the first visit")
        self.assertEqual(repair.entitlement_coverage, "covered")
        self._confirm(repair)
        row = repair.entitlement_consumption_ids
        self.assertRecordValues(
            row,
            [
                {
                    "quantity": 0,
                    "overage_quantity": 0,
                    "waiver": "goodwill",
                    "user_id": self.desk_user.id,
                    "note": "Goodwill: Wrong diagnosis on the first visit",
                }
            ],
        )
        self.assertEqual(warranty.remaining_terms, 0)
        self.assertLedgerAgrees(warranty)
        # Entitlement managers find it.
        Ledger = self.env["service.entitlement.consumption"].with_user(
            self.manager_user
        )
        self.assertEqual(Ledger.search([("waiver", "=", "goodwill")]), row)
        Repair = self.env["repair.order"].with_user(self.manager_user)
        self.assertEqual(
            Repair.search([("entitlement_decision", "=", "goodwill")]), repair
        )

    def test_goodwill_after_consumption_gives_the_terms_back(self):
        warranty = self._active_entitlement()
        repair = self._confirm(self._create_repair())
        self.assertEqual(warranty.remaining_terms, 2)
        repair.with_user(self.desk_user)._entitlement_set_goodwill("Key account")
        self.assertEqual(warranty.remaining_terms, 3)
        rows = repair.entitlement_consumption_ids.sorted("id")
        self.assertEqual(
            rows.mapped("kind"), ["consumption", "reversal", "consumption"]
        )
        self.assertEqual(rows[-1].waiver, "goodwill")
        self.assertLedgerAgrees(warranty)

    def test_goodwill_needs_a_reason_an_entitlement_and_the_desk(self):
        self._active_entitlement()
        repair = self._create_repair()
        with self.assertRaises(UserError):
            repair.with_user(self.desk_user)._entitlement_set_goodwill("  ")
        with self.assertRaises(AccessError):
            repair.with_user(self.technician_user)._entitlement_set_goodwill("Nice")
        with self.assertRaises(AccessError):
            repair.with_user(self.billing_user).action_entitlement_goodwill()
        bare = self._create_repair(lot=self.env["stock.lot"])
        with self.assertRaises(UserError):
            bare.with_user(self.desk_user)._entitlement_set_goodwill("Nice")
        # The decision is stored by the flow only, not written by a client.
        with self.assertRaises(AccessError):
            repair.with_user(self.desk_user).write(
                {"entitlement_decision": "goodwill", "entitlement_decision_reason": "x"}
            )
        self.assertFalse(repair.entitlement_decision)

    def test_goodwill_wizard(self):
        self._active_entitlement()
        repair = self._create_repair().with_user(self.desk_user)
        action = repair.action_entitlement_goodwill()
        wizard = (
            self.env[action["res_model"]]
            .with_user(self.desk_user)
            .with_context(**action["context"])
            .create({"reason": "Loyal customer"})
        )
        wizard.action_confirm()
        self.assertEqual(repair.entitlement_decision, "goodwill")
        self.assertEqual(repair.entitlement_decision_user_id, self.desk_user)


class TestCustomersShare(CounterCase):
    def test_share_before_confirming_matches_the_quotation(self):
        self._active_entitlement(parts_coverage_percent=50, labor_coverage_percent=25)
        repair = self._create_repair(env=self.env(user=self.desk_user))
        self.assertEqual(repair.cost_customer_amount, 0)
        self._add_part(repair, self.screen)
        self._add_part(repair, self.oil, qty=2)
        repair.labor_hours = 2
        repair = repair.with_env(self.env)
        self.assertRecordValues(
            repair,
            [
                {
                    "cost_parts_amount": 230,
                    "cost_parts_covered": 100,
                    "cost_labor_amount": 120,
                    "cost_labor_covered": 30,
                    "cost_overage_amount": 0,
                    "cost_untaxed_amount": 130 + 90,
                    "cost_customer_amount": 220,
                }
            ],
        )
        repair.action_create_sale_order()
        self.assertAlmostEqual(repair.sale_order_id.amount_untaxed, 220)
        self.assertEqual(repair.cost_customer_amount, 220)

    def test_share_follows_the_chosen_entitlement(self):
        self._active_entitlement(parts_coverage_percent=100)
        half = self._active_entitlement(parts_coverage_percent=50, lot_ids=[])
        repair = self._create_repair()
        self._add_part(repair, self.keyboard)
        self.assertEqual(repair.cost_customer_amount, 0)
        repair.entitlement_id = half
        self.assertEqual(repair.cost_customer_amount, 20)

    def test_share_shows_the_overage_billed_and_taxes(self):
        tax = self.env["account.tax"].create(
            {"name": "VAT 10%", "amount": 10, "type_tax_use": "sale"}
        )
        self.overage_product.taxes_id = tax
        self.keyboard.taxes_id = tax
        warranty = self._active_entitlement(
            total_terms=1, limit_policy="bill", lot_ids=self._both_lots()
        )
        self._confirm(self._create_repair(lot=self.lot2))
        repair = self._create_repair()
        self.assertEqual(repair.entitlement_id, warranty)
        self._add_part(repair, self.keyboard)
        # Exhausted: parts in full, and one incident billed at 150.
        self.assertRecordValues(
            repair,
            [
                {
                    "cost_parts_amount": 40,
                    "cost_parts_covered": 0,
                    "cost_overage_amount": 150,
                    "cost_tax_amount": 19,
                    "cost_customer_amount": 209,
                }
            ],
        )
        self._confirm(repair)
        line = repair.service_billing_line_ids
        self.assertAlmostEqual(line.quantity * line.price_unit, 150)
        self.assertEqual(repair.cost_overage_amount, 150)

    def test_share_prints_on_the_repair_order(self):
        self._active_entitlement()
        repair = self._create_repair()
        self._add_part(repair, self.oil)
        html = (
            self.env["ir.actions.report"]
            .with_user(self.desk_user)
            ._render_qweb_html("repair.action_report_repair_order", repair.ids)[0]
            .decode()
        )
        self.assertIn("Customer pays", html)
        self.assertIn("Not covered: <span>never covered", html)


class TestWarrantyTransfer(CounterCase):
    def _transfer(self, lot, customer, user=None):
        lot = lot.with_user(user or self.desk_user)
        action = lot.action_service_transfer()
        wizard = (
            self.env[action["res_model"]]
            .with_user(user or self.desk_user)
            .with_context(**action["context"])
            .create({"customer_id": customer.id})
        )
        wizard.action_confirm()

    def test_transferable_warranty_follows_the_serial(self):
        warranty = self._active_entitlement(transferable=True)
        self._confirm(self._create_repair())
        self.assertEqual(warranty.remaining_terms, 2)
        self._transfer(self.lot, self.other_customer)
        self.assertEqual(self.lot.customer_id, self.other_customer)
        self.assertEqual(warranty.state, "cancelled")
        new = self.lot.entitlement_ids - warranty
        self.assertRecordValues(
            new,
            [
                {
                    "partner_id": self.other_customer.id,
                    "state": "active",
                    "total_terms": 2,
                    "remaining_terms": 2,
                    "date_end": warranty.date_end,
                    "transferable": True,
                }
            ],
        )
        self.assertEqual(new.lot_ids, self.lot)
        # The new owner's repair of the serial uses it.
        repair = self._create_repair(partner=self.other_customer)
        self.assertEqual(repair.entitlement_id, new)
        self.assertLogged(warranty, "follows it to Fabrikam")
        self.assertLogged(new, "Transferred from")
        self.assertLogged(self.lot, "New owner Fabrikam")

    def test_other_entitlements_stop_covering_the_serial(self):
        contract = self._active_entitlement(
            lot_ids=self._both_lots(),
            total_terms=4,
            entitlement_type="service_contract",
        )
        self._transfer(self.lot, self.other_customer)
        self.assertEqual(contract.state, "active")
        self.assertEqual(contract.lot_ids, self.lot2)
        self.assertEqual(contract.total_terms, 4)
        self.assertEqual(self.lot.entitlement_ids, self.env["service.entitlement"])
        repair = self._create_repair(partner=self.other_customer)
        self.assertFalse(repair.entitlement_id)
        self.assertLogged(contract, "no longer covers it")
        self.assertLogged(self.lot, "stop covering it: " + contract.display_name)

    def test_shared_terms_are_split_not_copied(self):
        contract = self._active_entitlement(
            lot_ids=self._both_lots(), total_terms=5, transferable=True
        )
        self._transfer(self.lot, self.other_customer)
        new = self.lot.entitlement_ids
        self.assertEqual(new.partner_id, self.other_customer)
        # 5 incidents for two serials: 2 go with the serial, 3 stay.
        self.assertEqual((new.total_terms, contract.total_terms), (2, 3))
        self.assertEqual(contract.lot_ids, self.lot2)

    def test_bad_transfers_are_refused(self):
        self._active_entitlement(transferable=True)
        with self.assertRaises(UserError):
            self._transfer(self.lot, self.customer_contact)
        with self.assertRaises(AccessError):
            self._transfer(self.lot, self.other_customer, user=self.technician_user)
        self.assertEqual(self.lot.customer_id, self.customer)
