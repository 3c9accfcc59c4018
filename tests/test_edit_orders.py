"""Whatever the order of edits, a repair holds exactly the consumption it is
due, and what the customer is charged follows the verdict."""

from hypothesis import given
from hypothesis import strategies as st

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import users

from .common import RepairEntitlementCase
from .test_fuzz import FUZZ

EDITS = st.lists(
    st.sampled_from(
        [
            "exclude",
            "other_reason",
            "clear_reason",
            "confirm",
            "start",
            "done",
            "cancel",
            "reset",
        ]
    ),
    min_size=1,
    max_size=14,
)
TRIGGERS = {
    "confirmed": {"confirm"},
    "under_repair": {"confirm"},
    "done": {"confirm", "done"},
}


class TestEditOrders(RepairEntitlementCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.wear = cls.env["service.fault.reason"].create({"name": "Normal wear"})

    def _edit(self, repair, edit):
        """Apply an edit as the UI would allow it; False if not applicable."""
        state = repair.state
        if edit == "exclude" and state != "done":
            repair.fault_reason_id = self.accident
        elif edit == "other_reason" and state != "done":
            repair.fault_reason_id = self.wear
        elif edit == "clear_reason" and state != "done":
            repair.fault_reason_id = False
        elif edit == "confirm" and state == "draft":
            self._confirm(repair)
        elif edit == "start" and state == "confirmed":
            repair.action_repair_start()
        elif edit == "done" and state == "under_repair":
            repair.action_repair_end()
        elif edit == "cancel" and state in ("draft", "confirmed", "under_repair"):
            repair.action_repair_cancel()
        elif edit == "reset" and state == "cancel":
            repair.action_repair_cancel_draft()
        else:
            return False
        return True

    @FUZZ
    @given(consume_on=st.sampled_from(["confirm", "done"]), edits=EDITS)
    def test_random_edit_orders_against_an_oracle(self, consume_on, edits):
        with self.env.cr.savepoint(flush=False) as savepoint:
            warranty = self._active_entitlement(
                total_terms=50, limit_policy="warn", consume_on=consume_on
            )
            repair = self._create_repair()
            self.assertEqual(repair.entitlement_id, warranty)
            has_entitlement = True
            for edit in edits:
                if not self._edit(repair, edit):
                    continue
                self.env.flush_all()
                repair.invalidate_recordset()
                warranty.invalidate_recordset()
                # The oracle: a draft repair follows its fault reason (matching
                # drops an entitlement that excludes it); later its entitlement
                # is fixed, and a consumption is due when the repair passed the
                # entitlement's trigger and its fault reason is not excluded.
                excluded = repair.fault_reason_id == self.accident
                if repair.state == "draft" and edit.endswith("reason"):
                    has_entitlement = not excluded
                if edit == "exclude" and repair.state == "draft":
                    has_entitlement = False
                if edit == "reset":
                    has_entitlement = not excluded
                due = (
                    has_entitlement
                    and not excluded
                    and consume_on in TRIGGERS.get(repair.state, set())
                )
                self.assertEqual(bool(repair.entitlement_id), has_entitlement, edits)
                live = repair._entitlement_live_consumptions(include_open=True).get(
                    repair.id
                )
                self.assertEqual(bool(live), due, f"{edits} at {edit}")
                self.assertEqual(warranty.used_terms, 1 if due else 0, edits)
                self.assertLedgerAgrees(warranty)
                self.assertEqual(
                    repair.under_warranty,
                    has_entitlement and not excluded,
                    f"{edits} at {edit}",
                )
            savepoint.rollback()

    def test_removing_an_excluded_reason_consumes_again(self):
        """The defect: reversed on an excluded reason, never consumed again,
        and the repair finished free."""
        warranty = self._active_entitlement()
        repair = self._confirm(self._create_repair())
        self.assertEqual(warranty.remaining_terms, 2)
        repair.fault_reason_id = self.accident
        self.assertEqual(warranty.remaining_terms, 3)
        self.assertEqual(repair.entitlement_coverage, "excluded")
        repair.fault_reason_id = False
        self.assertEqual(warranty.remaining_terms, 2)
        self.assertEqual(repair.entitlement_coverage, "covered")
        repair.fault_reason_id = self.accident
        repair.fault_reason_id = self.wear
        self._finish(repair)
        self.assertEqual(warranty.remaining_terms, 2)
        self.assertEqual(
            repair.entitlement_consumption_ids.sorted("id").mapped("quantity"),
            [1, -1, 1, -1, 1],
        )
        self.assertLedgerAgrees(warranty)

    def test_state_moves_through_the_actions_only(self):
        """Writing the state directly (an import, another module, a client)
        is refused: a finished repair cannot be cancelled that way and give
        its incident back; Cancel and reset give the terms back and a new
        confirmation consumes once."""
        warranty = self._active_entitlement(
            lot_ids=[Command.set((self.lot | self.lot2).ids)]
        )
        repair = self._finish(self._create_repair())
        for state in ("cancel", "draft", "confirmed"):
            with self.assertRaisesRegex(AccessError, "follows the service flow"):
                repair.with_user(self.technician_user).write({"state": state})
            with self.assertRaisesRegex(AccessError, "follows the service flow"):
                repair.write({"state": state})
        self.assertEqual(repair.state, "done")
        self.assertEqual(warranty.remaining_terms, 2)
        # Another serial (the same one would be a free re-repair).
        repair = self._confirm(self._create_repair(lot=self.lot2))
        self.assertEqual(warranty.remaining_terms, 1)
        repair.action_repair_cancel()
        self.assertEqual(warranty.remaining_terms, 2)
        repair.action_repair_cancel_draft()
        self._confirm(repair)
        self.assertEqual(warranty.remaining_terms, 1)
        self.assertLedgerAgrees(warranty)


class TestOverrideDecision(RepairEntitlementCase):
    def _exhausted(self, **vals):
        warranty = self._active_entitlement(total_terms=1, limit_policy="block", **vals)
        self._confirm(self._create_repair(lot=self.lot2))
        return warranty

    def test_override_and_bill_survives_the_stock_wizard(self):
        """The defect: the decision lived in the context, and Odoo's
        insufficient-quantity wizard confirmed the repair without it."""
        warranty = self._exhausted(lot_ids=[])
        # A unit of the company's (no owner), not in stock: Odoo asks before
        # confirming.  (A customer's own unit is confirmed without asking.)
        unit = self._create_lot("LAP-0800")
        repair = self.env["repair.order"].create(
            {
                "partner_id": self.customer.id,
                "product_id": self.laptop.id,
                "lot_id": unit.id,
            }
        )
        wizard_action = (
            self.env["service.entitlement.override.wizard"]
            .with_user(self.manager_user)
            .create(
                {
                    "repair_id": repair.id,
                    "bill_overage": True,
                    "reason": "Agreed with the customer",
                }
            )
            .action_confirm()
        )
        self.assertEqual(
            wizard_action["res_model"], "stock.warn.insufficient.qty.repair"
        )
        self.assertEqual(repair.state, "draft")
        self.assertTrue(repair.entitlement_decision_bill)
        self.assertEqual(repair.entitlement_decision_user_id, self.manager_user)
        stock_wizard = (
            self.env[wizard_action["res_model"]]
            .with_user(self.desk_user)
            .with_context(**wizard_action["context"])
            .create({})
        )
        stock_wizard.action_done()
        self.assertEqual(repair.state, "confirmed")
        line = warranty.billing_line_ids
        self.assertEqual(line.repair_id, repair)
        self.assertIn(
            "Agreed with the customer", repair.entitlement_consumption_ids.note
        )
        self.assertIn(
            "overrides the block",
            " ".join(repair.message_ids.mapped("body")),
        )

    def test_override_needs_a_manager_a_reason_and_a_product_to_bill(self):
        self._exhausted(overage_product_id=False)
        repair = self._create_repair()
        Wizard = self.env["service.entitlement.override.wizard"]
        with self.assertRaises(AccessError):
            Wizard.with_user(self.desk_user).create(
                {"repair_id": repair.id, "reason": "Because"}
            )
        with self.assertRaisesRegex(UserError, "no overage product"):
            Wizard.with_user(self.manager_user).create(
                {"repair_id": repair.id, "reason": "Because", "bill_overage": True}
            ).action_confirm()
        with self.assertRaisesRegex(UserError, "reason"):
            repair.with_user(self.manager_user)._entitlement_set_override("  ")
        self.assertFalse(repair.entitlement_decision)


class TestCostFollowsVerdict(RepairEntitlementCase):
    def test_under_warranty_only_when_covered(self):
        """The defect: parts were free on an exhausted or overage-billed
        entitlement."""
        warranty = self._active_entitlement(
            total_terms=1, limit_policy="bill", lot_ids=[]
        )
        first = self._create_repair()
        self.assertTrue(first.under_warranty)
        self._confirm(first)
        self.assertTrue(first.under_warranty)
        second = self._create_repair(lot=self.lot2)
        self.assertEqual(second.entitlement_id, warranty)
        self.assertEqual(second.entitlement_coverage, "exhausted")
        self.assertFalse(second.under_warranty)
        self._confirm(second)
        self.assertFalse(second.under_warranty, "its overage is billed")
        self.assertEqual(second._entitlement_plan().shares, (0.0, 0.0))
        # Cancelling the first repair gives its incident back: a new repair
        # is covered again.
        first.action_repair_cancel()
        third = self._create_repair()
        self.assertTrue(third.under_warranty)

    def test_under_warranty_cannot_be_ticked_against_the_verdict(self):
        self._active_entitlement(total_terms=1, limit_policy="warn", lot_ids=[])
        self._confirm(self._create_repair())
        repair = self._create_repair(lot=self.lot2)
        self.assertEqual(repair.entitlement_coverage, "exhausted")
        with self.assertRaisesRegex(UserError, "follows its entitlement"):
            repair.with_user(self.desk_user).under_warranty = True
        # Without an entitlement it is the staff's choice, as in Odoo.
        repair.entitlement_id = False
        repair.with_user(self.desk_user).under_warranty = True
        self.assertTrue(repair.under_warranty)


class TestEntitlementOnDocuments(RepairEntitlementCase):
    @users("se_desk", "__system__")
    def test_only_an_eligible_entitlement_can_be_set(self):
        # A serial of its own for each user the test runs as.
        lot = self._create_lot(f"LAP-ELIG-{self.env.uid}", customer=self.customer)
        mine = self._active_entitlement(lot_ids=[Command.set(lot.ids)])
        theirs = self._active_entitlement(partner_id=self.other_customer.id, lot_ids=[])
        Repair = self.env["repair.order"]
        repair = self._create_repair(lot=lot, env=self.env)
        self.assertEqual(repair.entitlement_id, mine)
        with self.assertRaisesRegex(ValidationError, rf"{theirs.code}.*{repair.name}"):
            with self.env.cr.savepoint():
                repair.entitlement_id = theirs
        with self.assertRaises(ValidationError), self.env.cr.savepoint():
            Repair.create(
                {
                    "partner_id": self.customer.id,
                    "product_id": self.laptop.id,
                    "entitlement_id": theirs.id,
                }
            )
        repair.invalidate_recordset()
        self.assertEqual(repair.entitlement_id, mine)
        # Choosing none is always possible, and another eligible one too.
        repair.entitlement_id = False
        repair.entitlement_id = mine

    @users("se_desk", "se_tech")
    def test_technical_fields_are_not_writable(self):
        self._active_entitlement()
        repair = self._confirm(self._create_repair(env=self.env))
        for vals in (
            {"entitlement_cycle": 3},
            {"entitlement_decision": "override"},
            {"entitlement_warning": True},
            {"entitlement_decision_bill": True},
        ):
            with self.subTest(vals=vals), self.assertRaises(AccessError):
                repair.write(vals)
        # Writing back the current value, as a form may, is harmless.
        repair.write({"entitlement_cycle": repair.entitlement_cycle})

    def test_a_consumed_repair_keeps_its_entitlement(self):
        warranty = self._active_entitlement(lot_ids=[])
        other = self._active_entitlement(lot_ids=[], name="Second plan")
        repair = self._confirm(self._create_repair())
        with self.assertRaisesRegex(UserError, "reset it to draft"):
            repair.entitlement_id = other
        with self.assertRaisesRegex(ValidationError, "reset it to draft"):
            repair.partner_id = self.other_customer
        self.assertEqual(repair.entitlement_id, warranty)

    def test_ledger_is_written_by_the_flow_only(self):
        warranty = self._active_entitlement()
        Ledger = self.env["service.entitlement.consumption"]
        for env in (self.env, self.env(su=False, user=self.manager_user)):
            with self.assertRaises(AccessError):
                Ledger.with_env(env).create(
                    {"entitlement_id": warranty.id, "quantity": -5}
                )
        with self.assertRaises(AccessError):
            self.env["service.entitlement.billing.line"].create(
                {"name": "x", "entitlement_id": warranty.id}
            )
        self.assertEqual(warranty.remaining_terms, 3)


class TestRenewalAndActivation(RepairEntitlementCase):
    def test_renewal_keeps_the_channel_limits(self):
        warranty = self._active_entitlement(
            channel_limit_ids=[Command.create({"channel": "portal", "max_terms": 1})]
        )
        action = warranty.with_user(self.manager_user).action_renew()
        renewal = self.env["service.entitlement"].browse(action["res_id"])
        self.assertEqual(
            [(limit.channel, limit.max_terms) for limit in renewal.channel_limit_ids],
            [("portal", 1.0)],
        )
        self.assertEqual(warranty.channel_limit_ids.max_terms, 1.0)

    def test_billing_entitlement_needs_an_overage_product(self):
        entitlement = self._create_entitlement(
            limit_policy="bill", overage_product_id=False
        )
        with self.assertRaisesRegex(ValidationError, "set its overage product"):
            with self.env.cr.savepoint():
                entitlement.with_user(self.manager_user).action_activate()
        entitlement.invalidate_recordset()
        self.assertEqual(entitlement.state, "draft")
        active = self._active_entitlement(
            limit_policy="block", overage_product_id=False
        )
        with self.assertRaisesRegex(ValidationError, "set its overage product"):
            with self.env.cr.savepoint():
                active.with_user(self.manager_user).limit_policy = "bill"


class TestFlowAsTheStaff(RepairEntitlementCase):
    """The repair flow run by the people who do the work, not by admin."""

    @users("se_desk", "__system__")
    def test_desk_confirms_technician_excludes_and_finishes(self):
        # A serial of its own for each user the test runs as.
        lot = self._create_lot(f"LAP-FLOW-{self.env.uid}", customer=self.customer)
        warranty = self._active_entitlement(lot_ids=[Command.set(lot.ids)])
        warranty = warranty.with_env(self.env)
        repair = self._confirm(self._create_repair(lot=lot, env=self.env))
        self.assertEqual(warranty.remaining_terms, 2)
        as_tech = repair.with_user(self.technician_user)
        as_tech.action_repair_start()
        as_tech.write({"fault_reason_id": self.accident.id, "labor_hours": 1.5})
        self.assertEqual(warranty.remaining_terms, 3)
        self.assertEqual(as_tech.entitlement_coverage, "excluded")
        self.assertFalse(as_tech.under_warranty)
        # The technician corrects the reason: the repair is covered again.
        as_tech.fault_reason_id = False
        as_tech.action_repair_end()
        self.assertEqual(repair.state, "done")
        self.assertEqual(warranty.remaining_terms, 2)
        self.assertEqual(as_tech.entitlement_coverage, "covered")
        self.assertLedgerAgrees(warranty)
