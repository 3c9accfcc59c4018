from dateutil.relativedelta import relativedelta

from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import Form, new_test_user, users

from .common import RepairEntitlementCase


class TestMatching(RepairEntitlementCase):
    def test_best_entitlement_is_filled_with_explanation(self):
        warranty = self._active_entitlement()
        repair = self._create_repair()
        self.assertEqual(repair.entitlement_id, warranty)
        self.assertEqual(repair.entitlement_coverage, "covered")
        self.assertIn("Serial LAP-0041", repair.entitlement_explanation)
        self.assertIn(warranty.code, repair.entitlement_explanation)
        self.assertIn("3 of 3 incidents left", repair.entitlement_explanation)
        self.assertIn("ends", repair.entitlement_explanation)
        self.assertTrue(repair.under_warranty)

    def test_form_fills_entitlement_as_the_ui_does(self):
        warranty = self._active_entitlement()
        with Form(self.env["repair.order"].with_user(self.desk_user)) as form:
            form.partner_id = self.customer_contact
            form.product_id = self.laptop
            form.lot_id = self.lot
            self.assertEqual(form.entitlement_id, warranty)
            self.assertEqual(form.entitlement_coverage, "covered")
            form.lot_id = self.lot2
            self.assertFalse(form.entitlement_id)
            self.assertEqual(form.entitlement_coverage, "none")

    def test_most_specific_wins(self):
        everything = self._active_entitlement(lot_ids=[], name="All")
        by_categ = self._active_entitlement(
            lot_ids=[], product_categ_ids=[Command.set(self.categ.ids)], name="Categ"
        )
        by_product = self._active_entitlement(
            lot_ids=[], product_ids=[Command.set(self.laptop.ids)], name="Product"
        )
        by_serial = self._active_entitlement(name="Serial")
        repair = self._create_repair()
        self.assertEqual(repair.entitlement_id, by_serial)
        self.assertEqual(
            repair.entitlement_eligible_ids.ids,
            [by_serial.id, by_product.id, by_categ.id, everything.id],
        )
        other = self._create_repair(lot=self.lot2)
        self.assertEqual(other.entitlement_id, by_product)
        self.assertIn("Product Laptop Pro 14", other.entitlement_explanation)
        by_product.action_cancel()
        other = self._create_repair(lot=self.lot2)
        self.assertEqual(other.entitlement_id, by_categ)
        self.assertIn("Category Laptops", other.entitlement_explanation)
        by_categ.action_cancel()
        other = self._create_repair(lot=self.lot2)
        self.assertEqual(other.entitlement_id, everything)
        self.assertIn("All items", other.entitlement_explanation)

    def test_parent_category_covers_children(self):
        child = self.env["product.category"].create(
            {"name": "Gaming laptops", "parent_id": self.categ.id}
        )
        gamer = self._create_product("Gamer 17", categ=child)
        lot = self._create_lot("GAM-1", product=gamer, customer=self.customer)
        by_categ = self._active_entitlement(
            lot_ids=[], product_categ_ids=[Command.set(self.categ.ids)]
        )
        self.assertEqual(self._create_repair(lot=lot).entitlement_id, by_categ)

    def test_default_then_earliest_end_then_oldest(self):
        late = self._active_entitlement(lot_ids=[], date_end=self.end)
        early = self._active_entitlement(
            lot_ids=[], date_end=self.end - relativedelta(days=100)
        )
        twin = self._active_entitlement(
            lot_ids=[], date_end=self.end - relativedelta(days=100)
        )
        self.assertEqual(self._create_repair().entitlement_id, early)
        twin.is_default = True
        self.assertEqual(self._create_repair().entitlement_id, twin)
        self.assertEqual(
            self._create_repair().entitlement_eligible_ids.ids,
            [twin.id, early.id, late.id],
        )

    def test_contact_uses_commercial_partner_entitlements(self):
        warranty = self._active_entitlement()
        repair = self._create_repair(partner=self.customer_contact)
        self.assertEqual(repair.entitlement_id, warranty)

    def test_other_customer_dates_and_states_are_not_eligible(self):
        self._active_entitlement(
            partner_id=self.other_customer.id, lot_ids=[], name="Other customer"
        )
        self._create_entitlement(lot_ids=[], name="Draft")
        self._active_entitlement(
            lot_ids=[],
            date_start=self.today + relativedelta(days=10),
            name="Future",
        )
        repair = self._create_repair()
        self.assertFalse(repair.entitlement_eligible_ids)
        self.assertFalse(repair.entitlement_id)
        self.assertEqual(repair.entitlement_coverage, "not_valid")
        self.assertIn("is not valid on", repair.entitlement_explanation)

    def test_staff_may_pick_another_or_none(self):
        serial = self._active_entitlement()
        general = self._active_entitlement(lot_ids=[], name="General")
        with Form(self._create_repair().with_user(self.desk_user)) as form:
            self.assertEqual(form.entitlement_id, serial)
            form.entitlement_id = general
        repair = form.record
        self.assertEqual(repair.entitlement_id, general)
        self._confirm(repair)
        self.assertEqual(repair.entitlement_consumption_ids.entitlement_id, general)
        self.assertEqual((serial.remaining_terms, general.remaining_terms), (3, 2))
        other = self._create_repair()
        other.entitlement_id = False
        self._confirm(other)
        self.assertFalse(other.entitlement_consumption_ids)
        self.assertEqual(other.entitlement_coverage, "none")

    def test_excluded_fault_reason_verdict(self):
        self._active_entitlement()
        repair = self._create_repair(fault_reason_id=self.accident.id)
        self.assertFalse(repair.entitlement_id)
        self.assertEqual(repair.entitlement_coverage, "excluded")
        self.assertIn("excludes Accidental damage", repair.entitlement_explanation)
        self.assertFalse(repair.under_warranty)

    def test_no_entitlement_verdict(self):
        repair = self._create_repair(partner=self.other_customer)
        self.assertEqual(repair.entitlement_coverage, "none")
        self.assertEqual(
            repair.entitlement_explanation, "No entitlement covers this item"
        )


class TestConsumption(RepairEntitlementCase):
    @users("se_desk")
    def test_confirm_consumes_cancel_and_reset_reverse(self):
        warranty = self._active_entitlement()
        repair = self._create_repair(env=self.env)
        self._confirm(repair)
        self.assertEqual(warranty.used_terms, 1)
        self.assertEqual(warranty.remaining_terms, 2)
        self.assertIn("2 of 3 incidents left", repair.entitlement_explanation)
        self.assertEqual(repair.entitlement_consumption_count, 1)
        # Consuming again does nothing: one incident per repair.
        repair._entitlement_consume("confirm")
        self.assertEqual(warranty.remaining_terms, 2)
        repair.action_repair_cancel()
        self.assertEqual(warranty.remaining_terms, 3)
        self.assertEqual(
            repair.entitlement_consumption_ids.mapped("kind"),
            ["reversal", "consumption"],
        )
        repair.action_repair_cancel_draft()
        self.assertEqual(repair.entitlement_cycle, 1)
        self._confirm(repair)
        self.assertEqual(warranty.remaining_terms, 2)
        self.assertEqual(len(repair.entitlement_consumption_ids), 3)
        self.assertLedgerAgrees(warranty)

    def test_consume_on_done(self):
        warranty = self._active_entitlement(consume_on="done")
        repair = self._confirm(self._create_repair())
        self.assertEqual(warranty.remaining_terms, 3)
        self._finish(repair)
        self.assertEqual(warranty.remaining_terms, 2)
        self.assertLedgerAgrees(warranty)

    def test_hours_entitlement_takes_labour_hours(self):
        bank = self._active_entitlement(
            allocation_type="hours", total_terms=10, lot_ids=[], consume_on="confirm"
        )
        repair = self._create_repair()
        with self.assertRaisesRegex(UserError, "record the labour hours"):
            self._confirm(repair)
        repair.labor_hours = 2.5
        self._confirm(repair)
        self.assertEqual(bank.remaining_terms, 7.5)
        repair.labor_hours = 4
        self._finish(repair)
        self.assertEqual(bank.remaining_terms, 6)
        self.assertEqual(
            repair.entitlement_consumption_ids.sorted("id").mapped("quantity"),
            [2.5, -2.5, 4],
        )
        self.assertLedgerAgrees(bank)


class TestLimits(RepairEntitlementCase):
    def _use_up(self, entitlement, count):
        for __ in range(count):
            self._confirm(self._create_repair())

    def test_block_refuses_with_clear_message(self):
        warranty = self._active_entitlement(total_terms=1, limit_policy="block")
        self._use_up(warranty, 1)
        repair = self._create_repair()
        self.assertEqual(repair.entitlement_coverage, "exhausted")
        with self.assertRaisesRegex(
            UserError, rf"{warranty.code}.*has 0 incidents left.*blocks it"
        ):
            with self.env.cr.savepoint():
                self._confirm(repair.with_user(self.desk_user))
        self.assertEqual(repair.state, "draft")
        self.assertEqual(warranty.remaining_terms, 0)
        with self.assertRaisesRegex(UserError, "Only entitlement managers"):
            repair.with_user(self.desk_user).action_entitlement_override_confirm()

    def test_manager_override_is_logged(self):
        warranty = self._active_entitlement(total_terms=1, limit_policy="block")
        self._use_up(warranty, 1)
        repair = self._create_repair()
        repair.with_user(self.manager_user).action_entitlement_override_confirm()
        self.assertEqual(repair.state, "confirmed")
        self.assertEqual(repair.entitlement_decision, "override")
        self.assertTrue(repair.entitlement_warning)
        row = repair.entitlement_consumption_ids
        self.assertEqual((row.quantity, row.overage_quantity), (0, 1))
        self.assertIn("Block overridden by", row.note)
        self.assertIn(
            "Block overridden", repair.message_ids[:3].mapped("body")[0] or ""
        )
        self.assertEqual(warranty.remaining_terms, 0)

    def test_warn_lets_through_and_flags(self):
        warranty = self._active_entitlement(total_terms=1, limit_policy="warn")
        self._use_up(warranty, 1)
        repair = self._confirm(self._create_repair())
        self.assertTrue(repair.entitlement_warning)
        self.assertEqual(warranty.warning_repair_count, 1)
        self.assertEqual(warranty.remaining_terms, 0)
        self.assertEqual(repair.entitlement_coverage, "exhausted")
        self.assertLedgerAgrees(warranty)

    def test_bill_covers_what_is_left(self):
        bank = self._active_entitlement(
            allocation_type="hours", total_terms=3, lot_ids=[], limit_policy="bill"
        )
        repair = self._create_repair(labor_hours=5)
        self.assertEqual(repair.entitlement_coverage, "partial")
        self._confirm(repair)
        row = repair.entitlement_consumption_ids
        self.assertEqual((row.quantity, row.overage_quantity), (3, 2))
        self.assertEqual(bank.remaining_terms, 0)
        self.assertEqual(repair.entitlement_coverage, "partial")
        self.assertFalse(repair.entitlement_warning)
        repair.action_repair_cancel()
        self.assertEqual(bank.remaining_terms, 3)
        self.assertEqual(
            sum(repair.entitlement_consumption_ids.mapped("overage_quantity")), 0
        )


class TestTechnicianAndCost(RepairEntitlementCase):
    def test_excluded_fault_found_at_close_reverses(self):
        warranty = self._active_entitlement()
        repair = self._confirm(self._create_repair())
        self.assertEqual(warranty.remaining_terms, 2)
        tech_repair = repair.with_user(self.technician_user)
        tech_repair.write({"fault_reason_id": self.accident.id, "labor_hours": 1.5})
        self._finish(tech_repair)
        self.assertEqual(warranty.remaining_terms, 3)
        self.assertEqual(repair.entitlement_coverage, "excluded")
        self.assertFalse(repair.under_warranty)
        self.assertEqual(
            repair.entitlement_consumption_ids.mapped("kind"),
            ["reversal", "consumption"],
        )
        self.assertLedgerAgrees(warranty)

    def test_excluded_fault_with_consume_on_done_does_not_block_closing(self):
        warranty = self._active_entitlement(consume_on="done")
        repair = self._confirm(self._create_repair())
        repair.fault_reason_id = self.accident
        self._finish(repair)
        self.assertEqual(warranty.remaining_terms, 3)
        self.assertFalse(repair.entitlement_consumption_ids)

    def test_parts_and_labour_coverage_on_quotation(self):
        self._active_entitlement(parts_coverage_percent=50, labor_coverage_percent=80)
        part = self.env["product.product"].create(
            {"name": "Battery", "type": "consu", "list_price": 100}
        )
        labour = self.env["product.product"].create(
            {"name": "Bench hour", "type": "service", "list_price": 60}
        )
        repair = self._create_repair()
        self.assertFalse(repair.under_warranty)
        repair.move_ids = [
            Command.create(
                {"product_id": part.id, "product_uom_qty": 1, "repair_line_type": "add"}
            )
        ]
        repair.action_create_sale_order()
        order = repair.sale_order_id
        part_line = order.order_line.filtered(lambda sol: sol.product_id == part)
        self.assertEqual(part_line.discount, 50)
        labour_line = self.env["sale.order.line"].create(
            {"order_id": order.id, "product_id": labour.id, "product_uom_qty": 2}
        )
        repair._entitlement_apply_cost_coverage()
        self.assertEqual(labour_line.discount, 80)
        self.assertAlmostEqual(order.amount_untaxed, 50 + 24)

    def test_part_added_after_the_quotation_gets_the_coverage(self):
        """A part a technician who also quotes (Sales rights, which Odoo asks
        for to touch a quotation) adds once the quotation exists joins it at
        the entitlement's parts coverage; a write of the repair's moves that
        adds no part leaves the quotation as it is."""
        self._active_entitlement(parts_coverage_percent=50, labor_coverage_percent=0)
        part = self.env["product.product"].create(
            {"name": "Fan", "type": "consu", "list_price": 30}
        )
        quoting_technician = new_test_user(
            self.env,
            login="se_quoting_tech",
            groups="base.group_user,service_entitlement.group_technician,"
            "sales_team.group_sale_salesman",
        )
        tech_repair = self._create_repair().with_user(quoting_technician)
        tech_repair.action_create_sale_order()
        order = tech_repair.sale_order_id
        self.assertFalse(order.order_line)
        tech_repair.move_ids = [
            Command.create(
                {"product_id": part.id, "product_uom_qty": 2, "repair_line_type": "add"}
            )
        ]
        line = order.order_line
        self.assertEqual(line.product_id, part)
        self.assertEqual(line.discount, 50)
        self.assertAlmostEqual(order.amount_untaxed, 30)
        tech_repair.move_ids.write({"description_picking": "Left fan"})
        self.assertEqual(order.order_line, line)
        self.assertEqual(line.discount, 50)

    def test_full_parts_coverage_is_under_warranty(self):
        self._active_entitlement()
        part = self.env["product.product"].create(
            {"name": "Keyboard", "type": "consu", "list_price": 40}
        )
        repair = self._create_repair()
        self.assertTrue(repair.under_warranty)
        repair.move_ids = [
            Command.create(
                {"product_id": part.id, "product_uom_qty": 1, "repair_line_type": "add"}
            )
        ]
        repair.action_create_sale_order()
        self.assertEqual(repair.sale_order_id.amount_untaxed, 0)


class TestSmartButtons(RepairEntitlementCase):
    def test_entitlement_shows_repairs_and_ledger(self):
        warranty = self._active_entitlement()
        repair = self._confirm(self._create_repair())
        self.assertEqual(warranty.repair_count, 1)
        action = warranty.action_view_repairs()
        self.assertEqual(self.env["repair.order"].search(action["domain"]), repair)
        self.assertEqual(warranty.consumption_ids.repair_id, repair)
        action = repair.action_view_entitlement_consumptions()
        self.assertEqual(
            self.env["service.entitlement.consumption"].search(action["domain"]),
            warranty.consumption_ids,
        )


class TestRepairUserWithoutServiceRole(RepairEntitlementCase):
    """Inventory users who run repairs without a service role are not locked
    out of their repairs: matching and consumption still happen."""

    def test_stock_user_creates_and_confirms(self):
        stock_user = new_test_user(
            self.env,
            login="se_stock_only",
            groups="base.group_user,stock.group_stock_user,stock.group_production_lot",
        )
        warranty = self._active_entitlement()
        repair = self._create_repair(env=self.env(user=stock_user))
        self.assertEqual(repair.sudo().entitlement_id, warranty)
        self.assertEqual(repair.entitlement_coverage, "covered")
        self._confirm(repair)
        self.assertEqual(warranty.remaining_terms, 2)
        # The form opens for them, without the entitlement fields.
        Form(repair)
