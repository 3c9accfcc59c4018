from datetime import date

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import Form

from .common import EntitlementCase


class TestEntitlementLifecycle(EntitlementCase):
    def test_create_takes_commercial_partner_and_reference(self):
        entitlement = self._create_entitlement(partner_id=self.customer_contact.id)
        self.assertEqual(entitlement.partner_id, self.customer)
        self.assertEqual(entitlement.state, "draft")
        self.assertTrue(entitlement.code.startswith("ENT/"))
        self.assertIn(entitlement.code, entitlement.display_name)
        other = self._create_entitlement()
        self.assertNotEqual(entitlement.code, other.code)

    def test_terms_follow_ledger(self):
        entitlement = self._create_entitlement(total_terms=3)
        self.assertEqual(
            (entitlement.used_terms, entitlement.remaining_terms), (0.0, 3.0)
        )
        self.assertEqual(entitlement.remaining_percent, 100.0)
        ledger = self.env["service.entitlement.consumption"]
        first = ledger._record({"entitlement_id": entitlement.id, "quantity": 1})
        ledger._record({"entitlement_id": entitlement.id, "quantity": 1})
        self.assertEqual(
            (entitlement.used_terms, entitlement.remaining_terms), (2.0, 1.0)
        )
        ledger._record(
            {
                "entitlement_id": entitlement.id,
                "kind": "reversal",
                "reversed_id": first.id,
                "quantity": -1,
            }
        )
        self.assertEqual(
            (entitlement.used_terms, entitlement.remaining_terms), (1.0, 2.0)
        )
        self.assertEqual(entitlement.consumption_count, 3)
        # The stored columns agree with the ledger in the database too.
        self.env.flush_all()
        self.env.cr.execute(
            "SELECT used_terms, remaining_terms FROM service_entitlement WHERE id=%s",
            [entitlement.id],
        )
        self.assertEqual(self.env.cr.fetchone(), (1.0, 2.0))

    @freeze_time("2026-03-01")
    def test_activate_starts_now_or_waits(self):
        running = self._create_entitlement()
        running.action_activate()
        self.assertEqual(running.state, "active")
        future = self._create_entitlement(
            date_start=date(2026, 6, 1), date_end=date(2027, 5, 31)
        )
        future.action_activate()
        self.assertEqual(future.state, "waiting")
        with self.assertRaisesRegex(UserError, "Only draft"):
            running.action_activate()

    @freeze_time("2026-03-01")
    def test_cannot_activate_past_entitlement(self):
        past = self._create_entitlement(
            date_start=date(2025, 1, 1), date_end=date(2025, 12, 31)
        )
        with self.assertRaisesRegex(UserError, "ended on"):
            past.action_activate()
        self.assertEqual(past.state, "draft")

    @freeze_time("2026-03-01")
    def test_cancel_and_reset(self):
        entitlement = self._create_entitlement()
        entitlement.action_activate()
        entitlement.action_cancel()
        self.assertEqual(entitlement.state, "cancelled")
        with self.assertRaisesRegex(UserError, "already cancelled"):
            entitlement.action_cancel()
        entitlement.action_draft()
        self.assertEqual(entitlement.state, "draft")

    def test_cron_starts_and_expires_by_date(self):
        with freeze_time("2026-03-01"):
            waiting = self._create_entitlement(
                date_start=date(2026, 4, 1), date_end=date(2026, 12, 31)
            )
            ending = self._create_entitlement(
                date_start=date(2026, 1, 1), date_end=date(2026, 3, 31)
            )
            (waiting | ending).action_activate()
            self.assertEqual(waiting.state, "waiting")
        with freeze_time("2026-04-01"):
            self.env["service.entitlement"]._cron_update_states()
            self.assertEqual((waiting.state, ending.state), ("active", "expired"))
            # Running it again changes nothing.
            self.env["service.entitlement"]._cron_update_states()
            self.assertEqual((waiting.state, ending.state), ("active", "expired"))

    @freeze_time("2026-03-01")
    def test_terms_of_closed_entitlement_are_locked(self):
        entitlement = self._create_entitlement()
        entitlement.action_activate()
        entitlement.action_cancel()
        with self.assertRaisesRegex(UserError, "reset it to draft"):
            entitlement.total_terms = 10
        self.assertEqual(entitlement.total_terms, 3)

    def test_unlink_only_unused_drafts(self):
        entitlement = self._create_entitlement()
        self.env["service.entitlement.consumption"]._record(
            {"entitlement_id": entitlement.id, "quantity": 1}
        )
        with self.assertRaisesRegex(UserError, "archive it instead"):
            entitlement.unlink()
        with freeze_time("2026-03-01"):
            active = self._create_entitlement()
            active.action_activate()
        with self.assertRaisesRegex(UserError, "cancel it before"):
            active.unlink()
        draft = self._create_entitlement()
        draft.unlink()
        self.assertFalse(draft.exists())

    def test_coverage_scope(self):
        entitlement = self._create_entitlement()
        self.assertEqual(entitlement.coverage_scope, "lot")
        entitlement.write(
            {
                "lot_ids": [Command.clear()],
                "product_ids": [Command.set(self.laptop.ids)],
            }
        )
        self.assertEqual(entitlement.coverage_scope, "product")
        entitlement.write(
            {
                "product_ids": [Command.clear()],
                "product_categ_ids": [Command.set(self.categ.ids)],
            }
        )
        self.assertEqual(entitlement.coverage_scope, "category")
        entitlement.product_categ_ids = False
        self.assertEqual(entitlement.coverage_scope, "all")

    def test_partner_and_lot_smart_buttons(self):
        entitlement = self._create_entitlement()
        self.assertEqual(self.customer.service_entitlement_count, 1)
        self.assertEqual(self.customer_contact.service_entitlement_count, 1)
        self.assertEqual(self.other_customer.service_entitlement_count, 0)
        action = self.customer_contact.action_view_service_entitlements()
        self.assertEqual(
            self.env["service.entitlement"].search(action["domain"]), entitlement
        )
        self.assertEqual(self.lot.entitlement_count, 1)
        self.assertEqual(self.lot.entitlement_ids, entitlement)
        action = self.lot.action_view_entitlements()
        self.assertEqual(
            self.env["service.entitlement"].search(action["domain"]), entitlement
        )
        repair_action = self.lot.action_lot_open_repairs()
        self.assertEqual(repair_action["res_model"], "repair.order")


class TestEntitlementTemplate(EntitlementCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.template = cls.env["service.entitlement.template"].create(
            {
                "name": "Gold Support",
                "entitlement_type": "service_contract",
                "duration": 12,
                "duration_unit": "month",
                "allocation_type": "incidents",
                "total_terms": 10,
                "limit_policy": "warn",
                "consume_on": "done",
                "product_categ_ids": [Command.set(cls.categ.ids)],
                "excluded_fault_reason_ids": [Command.set(cls.accident.ids)],
                "parts_coverage_percent": 50,
                "labor_coverage_percent": 80,
                "overage_product_id": cls.overage_product.id,
                "overage_price": 95,
            }
        )

    def test_new_from_template_in_form(self):
        action = self.template.action_new_entitlement()
        form = Form(self.env["service.entitlement"].with_context(**action["context"]))
        form.partner_id = self.other_customer
        form.date_start = date(2026, 2, 1)
        entitlement = form.save()
        self.assertRecordValues(
            entitlement,
            [
                {
                    "name": "Gold Support",
                    "template_id": self.template.id,
                    "entitlement_type": "service_contract",
                    "date_start": date(2026, 2, 1),
                    "date_end": date(2027, 1, 31),
                    "total_terms": 10,
                    "limit_policy": "warn",
                    "consume_on": "done",
                    "parts_coverage_percent": 50,
                    "labor_coverage_percent": 80,
                    "overage_product_id": self.overage_product.id,
                    "overage_price": 95,
                }
            ],
        )
        self.assertEqual(entitlement.product_categ_ids, self.categ)
        self.assertEqual(entitlement.excluded_fault_reason_ids, self.accident)

    def test_template_in_create_keeps_explicit_values(self):
        entitlement = self.env["service.entitlement"].create(
            {
                "partner_id": self.other_customer.id,
                "template_id": self.template.id,
                "date_start": date(2026, 1, 1),
                "total_terms": 4,
            }
        )
        self.assertEqual(entitlement.total_terms, 4)
        self.assertEqual(entitlement.date_end, date(2026, 12, 31))
        self.assertEqual(entitlement.name, "Gold Support")
        self.assertEqual(self.template.entitlement_count, 1)

    def test_durations(self):
        start = date(2026, 1, 15)
        self.template.write({"duration": 2, "duration_unit": "year"})
        self.assertEqual(self.template._compute_date_end(start), date(2028, 1, 14))
        self.template.write({"duration": 30, "duration_unit": "day"})
        self.assertEqual(self.template._compute_date_end(start), date(2026, 2, 13))
