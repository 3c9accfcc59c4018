"""The customer's rating of a finished repair (Odoo's rating.mixin): one
request when the repair is done, the answer on the repair, its entitlement,
the portal and the satisfaction report, a call-back activity when the
customer is unhappy."""

import re

from odoo.exceptions import AccessError
from odoo.tests import HttpCase, new_test_user, tagged

from .common import RepairEntitlementCase


@tagged("post_install", "-at_install")
class TestRepairRating(RepairEntitlementCase, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer.email = "it@adatum.example.com"
        cls.entitlement = cls._active_entitlement(user_id=cls.manager_user.id)

    def _requests(self, repair):
        return repair.sudo().rating_ids

    def _done(self, repair=None):
        repair = repair or self._create_repair(user_id=self.technician_user.id)
        return self._finish(repair)

    def test_one_request_when_done(self):
        repair = self._create_repair(user_id=self.technician_user.id)
        self._confirm(repair)
        self.assertFalse(self._requests(repair), "not before it is done")
        self._done(repair)
        rating = self._requests(repair)
        self.assertEqual(len(rating), 1)
        self.assertEqual(rating.partner_id, self.customer)
        self.assertEqual(rating.rated_partner_id, self.technician_user.partner_id)
        self.assertFalse(rating.consumed)
        message = repair.message_ids.filtered(
            lambda m: rating.access_token in (m.body or "")
        )
        self.assertEqual(len(message), 1, "one email with the rating links")
        self.assertIn(self.customer, message.partner_ids)
        # Sent once: asking again makes nothing more.
        repair._rating_request_send()
        self.assertEqual(len(self._requests(repair)), 1)
        self.assertEqual(
            len(repair.message_ids.filtered(lambda m: "/rate/" in (m.body or ""))), 1
        )

    def test_no_request_without_email_internal_or_switched_off(self):
        self.customer.email = False
        self.assertFalse(self._requests(self._done()))
        self.customer.email = "it@adatum.example.com"
        internal = self._create_repair(
            lot=self.lot2, partner=self.env.company.partner_id
        )
        self.assertFalse(self._requests(self._done(internal)))
        self.env.company.entitlement_rating_request = False
        other = self._create_lot("LAP-0099", customer=self.customer)
        self.entitlement.lot_ids |= other
        repair = self._create_repair(lot=other)
        self.assertFalse(self._requests(self._done(repair)))

    def test_customer_rates_and_everyone_sees_it(self):
        repair = self._done()
        token = self._requests(repair).access_token
        # The customer clicks the unhappy face and says why, unauthenticated.
        page = self.url_open(f"/rate/{token}/1")
        self.assertEqual(page.status_code, 200)
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        answer = self.url_open(
            f"/rate/{token}/submit_feedback",
            data={"rate": 1, "feedback": "Still overheats", "csrf_token": csrf},
        )
        self.assertEqual(answer.status_code, 200)
        self.env.invalidate_all()
        rating = self._requests(repair)
        self.assertTrue(rating.consumed)
        self.assertEqual((rating.rating, rating.feedback), (1, "Still overheats"))
        # On the repair, for the desk.
        desk_repair = repair.with_user(self.desk_user)
        self.assertEqual(desk_repair.rating_last_text, "ko")
        # A call back for the entitlement's responsible.
        activity = repair.activity_ids
        self.assertEqual(activity.user_id, self.manager_user)
        self.assertIn("unhappy", activity.summary)
        # On the entitlement and in the report, by technician and product.
        self.entitlement.invalidate_recordset()
        self.assertEqual(self.entitlement.repair_rating_count, 1)
        self.assertEqual(self.entitlement.repair_rating_avg, 1.0)
        Report = self.env["service.repair.rating.report"].with_user(self.manager_user)
        rows = Report.search([("repair_id", "=", repair.id)])
        self.assertRecordValues(
            rows,
            [
                {
                    "user_id": self.technician_user.id,
                    "product_id": repair.product_id.id,
                    "entitlement_id": self.entitlement.id,
                    "rating_text": "ko",
                    "satisfied": 0.0,
                }
            ],
        )

    def test_happy_customer_needs_no_call(self):
        repair = self._done()
        repair.sudo().rating_apply(5, token=self._requests(repair).access_token)
        self.assertFalse(repair.activity_ids)
        self.entitlement.invalidate_recordset()
        self.assertEqual(self.entitlement.repair_rating_avg, 5.0)

    def test_portal_shows_the_rating(self):
        portal = new_test_user(
            self.env,
            login="rating_cust",
            password="rating_cust",
            groups="base.group_portal",
        )
        portal.partner_id.parent_id = self.customer
        repair = self._done()
        repair.sudo().rating_apply(5, token=self._requests(repair).access_token)
        self.authenticate("rating_cust", "rating_cust")
        page = self.url_open(f"/my/entitlements/{self.entitlement.id}")
        self.assertIn("o_entitlement_repair_rating", page.text)
        self.assertIn("Satisfied", page.text)

    def test_report_is_for_managers(self):
        Report = self.env["service.repair.rating.report"]
        for user in (self.desk_user, self.technician_user, self.billing_user):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                Report.with_user(user).search([])
