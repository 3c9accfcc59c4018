from datetime import date

from freezegun import freeze_time

from odoo.exceptions import UserError, ValidationError
from odoo.tests import users

from .common import EntitlementCase


class TestRenewal(EntitlementCase):
    freeze_time = "2026-03-01"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.entitlement = cls._create_entitlement(
            date_start=date(2026, 1, 1), date_end=date(2026, 12, 31), total_terms=5
        )
        cls.entitlement.action_activate()
        cls.env["service.entitlement.consumption"]._record(
            [{"entitlement_id": cls.entitlement.id, "quantity": 1}] * 2
        )

    @users("se_manager")
    def test_renew_same_duration_from_the_next_day(self):
        entitlement = self.entitlement.with_env(self.env)
        action = entitlement.action_renew()
        renewal = self.env["service.entitlement"].browse(action["res_id"])
        self.assertRecordValues(
            renewal,
            [
                {
                    "state": "draft",
                    "previous_id": entitlement.id,
                    "date_start": date(2027, 1, 1),
                    "date_end": date(2027, 12, 31),
                    "total_terms": 5,
                    "partner_id": self.customer.id,
                    "overage_price": 150,
                }
            ],
        )
        self.assertEqual(renewal.lot_ids, entitlement.lot_ids)
        self.assertEqual(renewal.excluded_fault_reason_ids, self.accident)
        self.assertNotEqual(renewal.code, entitlement.code)
        with self.assertRaisesRegex(UserError, "already renewed"):
            entitlement.action_renew()

    def test_month_lengths_are_kept(self):
        feb = self._create_entitlement(
            date_start=date(2026, 2, 1), date_end=date(2026, 2, 28)
        )
        with freeze_time("2026-02-10"):
            feb.action_activate()
        renewal = self.env["service.entitlement"].browse(feb.action_renew()["res_id"])
        self.assertEqual(
            (renewal.date_start, renewal.date_end),
            (date(2026, 3, 1), date(2026, 3, 31)),
        )

    def test_carry_over_is_capped(self):
        self.entitlement.write({"carry_over": True, "carry_over_max": 2})
        renewal = self.env["service.entitlement"].browse(
            self.entitlement.action_renew()["res_id"]
        )
        # 3 left, capped at 2.
        self.assertEqual(renewal.total_terms, 7)
        self.assertEqual(renewal.used_terms, 0)

    def test_renewal_quotation(self):
        renewal_product = self.env["product.product"].create(
            {"name": "Warranty extension", "type": "service", "list_price": 99}
        )
        self.entitlement.renewal_product_id = renewal_product
        renewal = self.env["service.entitlement"].browse(
            self.entitlement.action_renew()["res_id"]
        )
        order = renewal.renewal_order_id
        self.assertEqual(order.state, "draft")
        self.assertEqual(order.partner_id, self.customer)
        self.assertEqual(order.order_line.product_id, renewal_product)
        self.assertIn(self.entitlement.code, order.order_line.name)

    def test_only_managers_renew_running_entitlements(self):
        with self.assertRaisesRegex(UserError, "Only entitlement managers"):
            self.entitlement.with_user(self.desk_user).action_renew()
        draft = self._create_entitlement()
        with self.assertRaisesRegex(UserError, "Only active or expired"):
            draft.action_renew()

    def test_bad_alert_and_cap_values(self):
        for vals, message in (
            ({"alert_threshold_percent": 120}, "between 0% and 100%"),
            ({"carry_over_max": -1}, "cannot be negative"),
        ):
            with self.assertRaisesRegex(ValidationError, message):
                with self.env.cr.savepoint():
                    self.entitlement.write(vals)
            self.entitlement.invalidate_recordset()


class TestAlerts(EntitlementCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.salesperson = cls.manager_user
        cls.customer.user_id = cls.salesperson

    def _alerts(self, entitlement):
        return entitlement.activity_ids.filtered(
            lambda a: a.user_id == self.salesperson
        ).mapped("summary")

    def test_expiry_alert_once_n_days_before(self):
        self.company.entitlement_expiry_alert_days = 30
        with freeze_time("2026-11-15"):
            entitlement = self._create_entitlement()
            entitlement.action_activate()
            self.env["service.entitlement"]._cron_send_alerts()
            self.assertFalse(self._alerts(entitlement), "47 days left: no alert")
        with freeze_time("2026-12-02"):
            self.env["service.entitlement"]._cron_send_alerts()
            self.env["service.entitlement"]._cron_send_alerts()
        self.assertEqual(len(self._alerts(entitlement)), 1)
        self.assertIn("Entitlement ending", self._alerts(entitlement)[0])
        self.assertTrue(entitlement.expiry_alert_sent)
        message = entitlement.message_ids.filtered(
            lambda m: self.salesperson.partner_id in m.partner_ids
        )
        self.assertIn("ends on", message.body)
        # A new end date: the alert may come again before it.
        entitlement.date_end = "2027-06-30"
        self.assertFalse(entitlement.expiry_alert_sent)

    @freeze_time("2026-03-01")
    def test_low_terms_alert_when_crossing_the_threshold(self):
        entitlement = self._create_entitlement(total_terms=5)
        entitlement.action_activate()
        Ledger = self.env["service.entitlement.consumption"]
        Ledger._record([{"entitlement_id": entitlement.id, "quantity": 1}] * 3)
        self.env["service.entitlement"]._cron_send_alerts()
        self.assertFalse(self._alerts(entitlement), "40% left")
        Ledger._record({"entitlement_id": entitlement.id, "quantity": 1})
        self.env["service.entitlement"]._cron_send_alerts()
        self.env["service.entitlement"]._cron_send_alerts()
        self.assertEqual(len(self._alerts(entitlement)), 1)
        self.assertTrue(entitlement.threshold_alert_sent)
        # More terms: the alert may come again when they run low.
        entitlement.total_terms = 20
        self.assertFalse(entitlement.threshold_alert_sent)
