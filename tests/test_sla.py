from datetime import datetime

from freezegun import freeze_time

from odoo.exceptions import AccessError, UserError, ValidationError

from .common import RepairEntitlementCase


class TestServiceLevels(RepairEntitlementCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Standard 40-hour week, Monday to Friday, 8:00-12:00 and 13:00-17:00.
        cls.company.resource_calendar_id = cls.env.ref("resource.resource_calendar_std")
        cls.company.resource_calendar_id.tz = "UTC"

    def _repair_at(self, moment, **vals):
        with freeze_time(moment):
            repair = self._create_repair(**vals)
            self.env.flush_all()
        return repair

    def test_deadlines_in_working_hours_and_status(self):
        self._active_entitlement(response_hours=4, resolution_hours=16)
        # Friday 2026-11-20 at 15:00: 2 hours left on Friday.
        repair = self._repair_at(datetime(2026, 11, 20, 15, 0))
        self.assertEqual(repair.sla_response_deadline, datetime(2026, 11, 23, 10, 0))
        self.assertEqual(repair.sla_resolution_deadline, datetime(2026, 11, 24, 15, 0))
        Repair = self.env["repair.order"]
        with freeze_time("2026-11-23 07:00:00"):
            repair.invalidate_recordset(["sla_status"])
            self.assertEqual(repair.sla_status, "at_risk")
            self.assertIn(repair, Repair.search([("sla_status", "=", "at_risk")]))
        with freeze_time("2026-11-23 11:00:00"):
            repair.invalidate_recordset(["sla_status"])
            self.assertEqual(repair.sla_status, "breached")
            self.assertIn(repair, Repair.search([("sla_status", "=", "breached")]))
            self._confirm(repair)
        self.assertEqual(repair.sla_responded_at, datetime(2026, 11, 23, 11, 0))
        self.assertTrue(repair.sla_missed)

    def test_deadlines_follow_the_terms_and_the_calendar(self):
        """Stored deadlines move when what they come from changes: the
        entitlement's hours, the company's calendar."""
        entitlement = self._active_entitlement(response_hours=4, resolution_hours=16)
        # Friday 2026-11-20 at 15:00: 2 hours left on Friday.
        repair = self._repair_at(datetime(2026, 11, 20, 15, 0))
        self.assertEqual(repair.sla_response_deadline, datetime(2026, 11, 23, 10, 0))
        entitlement.write({"response_hours": 2, "resolution_hours": 8})
        self.assertEqual(repair.sla_response_deadline, datetime(2026, 11, 20, 17, 0))
        self.assertEqual(repair.sla_resolution_deadline, datetime(2026, 11, 23, 15, 0))
        # Without a calendar, hours are hours.
        self.company.resource_calendar_id = False
        self.assertEqual(repair.sla_response_deadline, datetime(2026, 11, 20, 17, 0))
        self.assertEqual(repair.sla_resolution_deadline, datetime(2026, 11, 20, 23, 0))

    def test_received_is_the_desks_until_confirmed(self):
        """The desk says when a request came in while the repair is a draft
        (not in the future); once confirmed, its deadlines count from it and
        nobody moves it to hide a breach."""
        self._active_entitlement(response_hours=4, resolution_hours=16)
        repair = self._repair_at(datetime(2026, 11, 20, 15, 0))
        desk_repair = repair.with_user(self.desk_user)
        with freeze_time("2026-11-23 11:00:00"):
            with self.assertRaisesRegex(ValidationError, "in the future"):
                desk_repair.sla_start = datetime(2026, 11, 24, 9, 0)
            desk_repair.sla_start = datetime(2026, 11, 20, 16, 0)
            self.assertEqual(
                repair.sla_response_deadline, datetime(2026, 11, 23, 11, 0)
            )
            self._confirm(repair)
            for user in (self.desk_user, self.manager_user):
                with self.assertRaisesRegex(AccessError, "follows the service flow"):
                    repair.with_user(user).sla_start = datetime(2026, 11, 23, 10, 0)
        self.assertEqual(repair.sla_start, datetime(2026, 11, 20, 16, 0))
        self.assertEqual(repair.sla_responded_at, datetime(2026, 11, 23, 11, 0))

    def test_met_when_on_time(self):
        self._active_entitlement(response_hours=4, resolution_hours=16)
        repair = self._repair_at(datetime(2026, 11, 23, 9, 0))
        with freeze_time("2026-11-23 10:00:00"):
            self._finish(repair)
        repair.invalidate_recordset(["sla_status"])
        self.assertEqual(repair.sla_status, "met")
        self.assertFalse(repair.sla_missed)
        self.assertNotIn(
            repair, self.env["repair.order"].search([("sla_status", "=", "breached")])
        )

    def test_no_target_without_service_levels(self):
        self._active_entitlement()
        repair = self._create_repair()
        self.assertEqual(repair.sla_status, "none")
        self.assertFalse(repair.sla_resolution_deadline)


class TestOnHold(TestServiceLevels):
    """On hold stops the clocks; resuming moves the deadlines by the working
    hours spent on hold."""

    def _hold(self, repair, moment, user=None, reason="Screen ordered"):
        with freeze_time(moment):
            repair = repair.with_user(user or self.technician_user)
            action = repair.action_sla_hold()
            wizard = (
                self.env[action["res_model"]]
                .with_user(user or self.technician_user)
                .with_context(**action["context"])
                .create({"reason_type": "parts", "reason": reason})
            )
            wizard.action_confirm()
            self.env.flush_all()

    def test_hold_stops_the_clock_and_moves_the_deadlines(self):
        self._active_entitlement(response_hours=2, resolution_hours=8)
        # Monday 9:00: respond by 11:00, resolve by Tuesday 9:00.
        repair = self._repair_at(datetime(2026, 11, 23, 9, 0))
        self.assertEqual(repair.sla_resolution_deadline, datetime(2026, 11, 24, 9, 0))
        with freeze_time("2026-11-23 09:30:00"):
            self._confirm(repair)
        self._hold(repair, "2026-11-23 10:00:00")
        self.assertEqual(repair.sla_hold_since, datetime(2026, 11, 23, 10, 0))
        Repair = self.env["repair.order"]
        with freeze_time("2026-11-25 09:00:00"):
            # Past the original deadline, but the clock stopped on Monday.
            repair.invalidate_recordset(["sla_status"])
            self.assertEqual(repair.sla_status, "on_hold")
            self.assertNotIn(repair, Repair.search([("sla_status", "=", "breached")]))
            self.assertNotIn(repair, Repair.search([("sla_status", "=", "at_risk")]))
            self.assertIn(repair, Repair.search([("sla_status", "=", "on_hold")]))
        with freeze_time("2026-11-25 10:00:00"):
            repair.with_user(self.desk_user).action_sla_resume()
            self.env.flush_all()
            # 16 working hours on hold: Monday 10-17, Tuesday, Wednesday 8-10.
            self.assertEqual(repair.hold_ids.working_hours, 16)
            self.assertEqual(
                repair.sla_resolution_deadline, datetime(2026, 11, 26, 9, 0)
            )
            # Answered before the hold: the response deadline stays.
            self.assertEqual(
                repair.sla_response_deadline, datetime(2026, 11, 23, 11, 0)
            )
            repair.invalidate_recordset(["sla_status"])
            self.assertEqual(repair.sla_status, "on_track")
        self.assertRecordValues(
            repair.hold_ids,
            [
                {
                    "reason_type": "parts",
                    "reason": "Screen ordered",
                    "user_id": self.technician_user.id,
                    "date_start": datetime(2026, 11, 23, 10, 0),
                    "date_end": datetime(2026, 11, 25, 10, 0),
                }
            ],
        )
        with freeze_time("2026-11-26 10:00:00"):
            repair.invalidate_recordset(["sla_status"])
            self.assertEqual(repair.sla_status, "breached")
            self.assertIn(repair, Repair.search([("sla_status", "=", "breached")]))

    def test_breached_before_the_hold_stays_breached(self):
        self._active_entitlement(response_hours=2, resolution_hours=4)
        repair = self._repair_at(datetime(2026, 11, 23, 9, 0))
        self._hold(repair, "2026-11-23 16:00:00")
        with freeze_time("2026-11-23 16:30:00"):
            repair.invalidate_recordset(["sla_status"])
            self.assertEqual(repair.sla_status, "breached")
            self.assertIn(
                repair,
                self.env["repair.order"].search([("sla_status", "=", "breached")]),
            )

    def test_finishing_resumes(self):
        self._active_entitlement(response_hours=2, resolution_hours=8)
        repair = self._repair_at(datetime(2026, 11, 23, 9, 0))
        with freeze_time("2026-11-23 09:30:00"):
            self._confirm(repair)
        self._hold(repair, "2026-11-23 10:00:00")
        with freeze_time("2026-11-23 11:00:00"):
            self._finish(repair)
        self.assertFalse(repair.sla_hold_since)
        self.assertEqual(repair.hold_ids.date_end, datetime(2026, 11, 23, 11, 0))
        self.assertFalse(repair.sla_missed)

    def test_bad_holds_are_refused(self):
        self._active_entitlement(response_hours=2, resolution_hours=8)
        repair = self._repair_at(datetime(2026, 11, 23, 9, 0))
        with self.assertRaises(UserError):
            repair.with_user(self.desk_user)._sla_put_on_hold("parts", "  ")
        with self.assertRaises(AccessError):
            repair.with_user(self.billing_user).action_sla_hold()
        with self.assertRaises(UserError):
            repair.with_user(self.desk_user).action_sla_resume()
        self._hold(repair, "2026-11-23 10:00:00")
        with self.assertRaises(UserError):
            repair.with_user(self.desk_user)._sla_put_on_hold("parts", "Again")
        # The clocks move only through the buttons, not by writing.
        with self.assertRaises(AccessError):
            repair.with_user(self.desk_user).write({"sla_hold_since": False})
        with self.assertRaises(AccessError):
            repair.hold_ids.with_user(self.desk_user).write({"working_hours": 0})
        with self.assertRaises(AccessError):
            self.env["repair.order.hold"].with_user(self.desk_user).create(
                {
                    "repair_id": repair.id,
                    "reason_type": "customer",
                    "reason": "x",
                    "user_id": self.desk_user.id,
                    "date_start": datetime(2026, 11, 23, 10, 0),
                }
            )
