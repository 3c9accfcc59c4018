"""Per-company switches (Settings > Service > Features): *Use Entitlements*
off, a company's repairs are Odoo's own; each optional feature off, it takes
no part in a repair.  What exists is kept, and works again once switched
back on.  (What a switched-off company's repair costs in queries:
test_performance.)"""

from datetime import datetime

from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import freeze_time

from .common import RepairEntitlementCase
from .test_loaners import LoanerCase
from .test_service_campaigns import CampaignCase
from .test_warranty_precedence import PrecedenceCase


def _settings(env, **vals):
    settings = env["res.config.settings"].create({})
    settings.update(vals)
    settings.execute()


class TestUseEntitlements(RepairEntitlementCase):
    def _ledger(self, repair):
        return self.env["service.entitlement.consumption"].search(
            [("repair_id", "=", repair.id)]
        )

    def test_off_repairs_are_odoos_on_again_they_are_covered(self):
        warranty = self._active_entitlement(lot_ids=[])
        lots = [
            self._create_lot(f"SWITCH-{index}", customer=self.customer)
            for index in range(3)
        ]
        kept = self._create_repair(lot=lots[0])
        self.assertEqual(kept.entitlement_id, warranty)
        _settings(self.env, entitlement_enabled=False)
        self.assertFalse(self.company.entitlement_enabled)

        repair = self._create_repair(lot=lots[1])
        self.assertFalse(repair.entitlement_id, "nothing looked for")
        self.assertFalse(repair.entitlement_eligible_ids)
        self.assertEqual(repair.entitlement_coverage, "none")
        self.assertFalse(repair.entitlement_explanation)
        self.assertFalse(repair.under_warranty)
        self.assertEqual(repair.cost_customer_amount, 0.0)
        # Under Warranty is the desk's to tick, as in Odoo.
        repair.under_warranty = True
        self.assertTrue(repair.under_warranty)
        self._finish(repair)
        self.assertFalse(self._ledger(repair))
        self.assertFalse(repair.repair_warranty_end, "no repair warranty")
        self.assertEqual(warranty.used_terms, 0)
        self.assertEqual(kept.entitlement_id, warranty, "what exists is kept")

        _settings(self.env, entitlement_enabled=True)
        again = self._create_repair(lot=lots[2])
        self.assertEqual(again.entitlement_id, warranty)
        self.assertEqual(again.entitlement_coverage, "covered")
        self._finish(again)
        self.assertEqual(self._ledger(again).quantity, 1.0)
        self.assertEqual(warranty.used_terms, 1)

    def test_the_repair_form_hides_what_is_off(self):
        self.company.entitlement_enabled = False
        repair = self._create_repair()
        self.assertFalse(repair.entitlement_enabled)
        arch = self.env["repair.order"].get_view(view_type="form")["arch"]
        self.assertIn('name="entitlement_enabled"', arch)
        self.assertIn("not entitlement_enabled", arch)


class TestServiceLevelsOff(RepairEntitlementCase):
    def test_no_deadlines(self):
        self.company.resource_calendar_id = self.env.ref(
            "resource.resource_calendar_std"
        )
        self._active_entitlement(response_hours=4, resolution_hours=16)
        self.company.entitlement_use_sla = False
        with freeze_time(datetime(2026, 11, 20, 15, 0)):
            repair = self._create_repair()
            self.assertFalse(repair.sla_response_deadline)
            self.assertFalse(repair.sla_resolution_deadline)
            self.assertEqual(repair.sla_status, "none")
            self._confirm(repair)
        self.assertFalse(repair.sla_responded_at)
        self.assertEqual(repair.entitlement_coverage, "covered", "the rest works")


class TestLayersOff(PrecedenceCase):
    def test_the_entitlement_pays_and_no_claim(self):
        self.company.entitlement_use_layers = False
        repair = self._create_repair(fault_reason_id=self.defect.id)
        self.assertFalse(repair.warranty_layer_id)
        self.assertFalse(repair.vendor_warranty_layer_id)
        self.assertEqual(repair._entitlement_plan().payer, "entitlement")
        self.assertNotIn("Contoso", repair.entitlement_explanation)
        # On again, the supplier's warranty pays first.
        self.company.entitlement_use_layers = True
        repair.invalidate_recordset(["warranty_layer_id", "entitlement_explanation"])
        self.assertEqual(repair.warranty_layer_id, self.supplier_layer)
        self.assertEqual(repair._entitlement_plan().payer, "layer")
        self.company.entitlement_use_layers = False
        repair.invalidate_recordset(["warranty_layer_id", "entitlement_explanation"])
        self._finish(repair)
        self.assertEqual(self.warranty.used_terms, 1)
        self.assertFalse(repair.vendor_claim_count)


class TestCampaignsOff(CampaignCase):
    def test_no_repairs_made(self):
        self._add(lot_ids=[Command.set(self.lot.ids)])
        self.company.entitlement_use_campaigns = False
        with self.assertRaisesRegex(UserError, "does not use service campaigns"):
            self.campaign.with_user(self.desk_user).action_create_repairs()
        self.assertFalse(self.campaign.item_ids.repair_ids)
        self.company.entitlement_use_campaigns = True
        self.campaign.with_user(self.desk_user).action_create_repairs()
        self.assertEqual(
            self.campaign.item_ids.repair_id.entitlement_coverage, "covered"
        )


class TestLoanersOff(LoanerCase):
    def test_nothing_to_lend(self):
        repair = self._create_repair()
        self.company.entitlement_use_loaners = False
        self.assertFalse(repair.entitlement_use_loaners)
        with self.assertRaisesRegex(UserError, "does not lend loaners"):
            repair.with_user(self.desk_user).action_loaner_lend()
        self.company.entitlement_use_loaners = True
        action = repair.with_user(self.desk_user).action_loaner_lend()
        self.assertEqual(action["res_model"], "service.loaner.lend.wizard")
