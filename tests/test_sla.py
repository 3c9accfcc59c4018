from datetime import datetime

from freezegun import freeze_time

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
