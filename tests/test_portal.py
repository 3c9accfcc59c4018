import re

from dateutil.relativedelta import relativedelta

from odoo import Command, fields
from odoo.tests import HttpCase, new_test_user, tagged

from ..models.ledger_guard import ledger_writer
from .common import FrozenClock


class PortalCase(FrozenClock, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        cls.customer = env["res.partner"].create(
            {"name": "Portal Customer", "is_company": True}
        )
        cls.other = env["res.partner"].create(
            {"name": "Other Customer", "is_company": True}
        )
        cls.portal_user = new_test_user(
            env, login="portal_cust", password="portal_cust", groups="base.group_portal"
        )
        cls.portal_user.partner_id.parent_id = cls.customer
        product = env["product.product"].create(
            {
                "name": "Portal Laptop",
                "type": "consu",
                "is_storable": True,
                "tracking": "serial",
            }
        )
        cls.lot = env["stock.lot"].create(
            {
                "name": "PORTAL-0001",
                "product_id": product.id,
                "customer_id": cls.customer.id,
            }
        )
        start = fields.Date.context_today(env["repair.order"]) - relativedelta(days=5)

        def entitlement(partner, name, **vals):
            record = env["service.entitlement"].create(
                {
                    "name": name,
                    "partner_id": partner.id,
                    "date_start": start,
                    "date_end": start + relativedelta(years=1),
                    "total_terms": 3,
                    **vals,
                }
            )
            record.action_activate()
            return record

        cls.mine = entitlement(
            cls.customer, "Portal warranty", lot_ids=[Command.set(cls.lot.ids)]
        )
        cls.theirs = entitlement(cls.other, "Someone else's contract")


@tagged("post_install", "-at_install")
class TestPortal(PortalCase):
    def test_my_entitlements_only_mine(self):
        self.authenticate("portal_cust", "portal_cust")
        page = self.url_open("/my/entitlements")
        self.assertEqual(page.status_code, 200)
        self.assertIn(self.mine.code, page.text)
        self.assertNotIn(self.theirs.code, page.text)
        detail = self.url_open(f"/my/entitlements/{self.mine.id}")
        self.assertEqual(detail.status_code, 200)
        self.assertIn("PORTAL-0001", detail.text)
        self.assertIn("3 of 3", detail.text)
        guessed = self.url_open(f"/my/entitlements/{self.theirs.id}")
        self.assertEqual(guessed.status_code, 404)
        missing = self.url_open("/my/entitlements/999999999")
        self.assertEqual(missing.status_code, 404)
        statement = self.url_open(
            f"/my/entitlements/{self.mine.id}?report_type=pdf&download=1"
        )
        self.assertEqual(statement.status_code, 200)
        self.assertIn(self.mine.code, statement.text)

    def test_anonymous_needs_the_access_token(self):
        self.assertEqual(
            self.url_open(f"/my/entitlements/{self.mine.id}").status_code, 404
        )
        url = self.mine.get_portal_url()
        self.assertIn("access_token", url)
        self.assertEqual(self.url_open(url).status_code, 200)

    def _post_request(self, entitlement, lot_id):
        detail = self.url_open(f"/my/entitlements/{entitlement.id}")
        token = re.search(r'csrf_token: "([^"]+)"', detail.text)
        return self.url_open(
            f"/my/entitlements/{entitlement.id}/repair",
            data={
                "csrf_token": token.group(1) if token else "",
                "lot_id": lot_id,
                "description": "Does not boot",
            },
        )

    def test_repair_request_becomes_a_repair_order(self):
        self.authenticate("portal_cust", "portal_cust")
        # Before the request: what it would use.
        page = self.url_open(f"/my/entitlements/{self.mine.id}").text
        self.assertIn("This request uses 1 of the 3 incidents left", page)
        self.assertNotIn("Your repairs", page)
        response = self._post_request(self.mine, self.lot.id)
        self.assertEqual(response.status_code, 200)
        self.assertIn("Your repair request", response.text)
        repair = self.env["repair.order"].search([("lot_id", "=", self.lot.id)])
        self.assertEqual(len(repair), 1)
        self.assertEqual(repair.entitlement_id, self.mine)
        self.assertEqual(repair.partner_id, self.portal_user.partner_id)
        self.assertIn("Does not boot", repair.internal_notes)
        self.assertEqual(repair.state, "draft")
        self.assertFalse(repair.user_id, "the customer is nobody's Responsible")
        # Afterwards the customer follows it.
        self.assertIn("Your repairs", response.text)
        self.assertIn(repair.name, response.text)
        self.assertIn("Received", response.text)
        repair._action_repair_confirm()
        page = self.url_open(f"/my/entitlements/{self.mine.id}").text
        self.assertIn("Planned", page)
        self.assertIn("This request uses 1 of the 2 incidents left", page)

    def test_request_says_what_is_billed(self):
        """With nothing left, an entitlement that bills its overage says so,
        and at what price, before the customer sends the request."""
        overage = self.env["product.product"].create(
            {"name": "Out-of-warranty repair", "type": "service", "list_price": 150}
        )
        self.mine.write(
            {
                "total_terms": 1,
                "limit_policy": "bill",
                "overage_product_id": overage.id,
                "overage_price": 172.5,
            }
        )
        self.env["service.entitlement.consumption"]._record(
            {"entitlement_id": self.mine.id, "quantity": 1}
        )
        self.authenticate("portal_cust", "portal_cust")
        page = self.url_open(f"/my/entitlements/{self.mine.id}").text
        self.assertIn("billed as an overage at", page)
        self.assertIn("172.50", page)

    def test_no_request_when_the_entitlement_does_not_allow_it(self):
        self.mine.write({"total_terms": 1, "limit_policy": "block"})
        self.env["service.entitlement.consumption"]._record(
            {"entitlement_id": self.mine.id, "quantity": 1}
        )
        self.authenticate("portal_cust", "portal_cust")
        detail = self.url_open(f"/my/entitlements/{self.mine.id}")
        self.assertIn("does not allow a new repair request", detail.text)
        response = self._post_request(self.mine, self.lot.id)
        self.assertIn("does not allow a new repair request", response.text)
        self.assertFalse(
            self.env["repair.order"].search([("lot_id", "=", self.lot.id)])
        )

    def test_repair_request_with_a_bad_serial_number(self):
        """A serial number that is no number gets the page's own message, not
        Python's error text."""
        self.authenticate("portal_cust", "portal_cust")
        for lot_id in ("abc", "1.5", "-3", "", self.lot.id + 100000):
            with self.subTest(lot_id=lot_id):
                response = self._post_request(self.mine, lot_id)
                self.assertEqual(response.status_code, 200)
                self.assertIn("Choose one of the covered serial numbers", response.text)
                self.assertNotIn("invalid literal", response.text)
        self.assertFalse(
            self.env["repair.order"].search([("entitlement_id", "=", self.mine.id)])
        )

    def test_notices_are_not_taken_from_the_url(self):
        """Only the notices the site itself writes show as its own."""
        self.authenticate("portal_cust", "portal_cust")
        page = self.url_open(
            f"/my/entitlements/{self.mine.id}?message=Your+account+is+suspended"
            "&error=Call+0800+now&repair_id=abc"
        )
        self.assertEqual(page.status_code, 200)
        self.assertNotIn("Your account is suspended", page.text)
        self.assertNotIn("Call 0800 now", page.text)
        theirs = self.env["repair.order"].create(
            {"partner_id": self.other.id, "product_id": self.lot.product_id.id}
        )
        page = self.url_open(
            f"/my/entitlements/{self.mine.id}?message=repair_ok&repair_id={theirs.id}"
        )
        self.assertIn("Your repair request was received.", page.text)
        self.assertNotIn(theirs.name, page.text)

    def test_request_repair_tour(self):
        self.start_tour(
            "/my/entitlements", "service_entitlement_portal_tour", login="portal_cust"
        )
        repair = self.env["repair.order"].search([("lot_id", "=", self.lot.id)])
        self.assertEqual(repair.entitlement_id, self.mine)
        self.assertIn("The screen flickers", repair.internal_notes)


@tagged("post_install", "-at_install")
class TestPortalAtVolume(PortalCase):
    """What a customer's pages cost does not grow with what he has: a page of
    entitlements, a page of an entitlement's usage (newest first) with the
    repairs and ratings of its rows, each in the same number of queries for
    a few rows as for a full page."""

    def _queries(self, url):
        self.url_open(url)  # warm: the first request fills the caches
        before = self.cr.sql_log_count
        response = self.url_open(url)
        self.assertEqual(response.status_code, 200)
        return self.cr.sql_log_count - before, response.text

    def _used(self, count):
        """``count`` repairs of the customer's serial, each a ledger row of
        the entitlement and rated by the customer."""
        Repair = self.env["repair.order"]
        repairs = Repair.create(
            [
                {
                    "partner_id": self.customer.id,
                    "product_id": self.lot.product_id.id,
                    "lot_id": self.lot.id,
                }
                for __ in range(count)
            ]
        )
        self.env["service.entitlement.consumption"]._record(
            [
                {
                    "entitlement_id": self.mine.id,
                    "quantity": 0.0,
                    "res_model": "repair.order",
                    "res_id": repair.id,
                }
                for repair in repairs
            ]
        )
        for repair in repairs:
            # The request the flow sends when the repair is done, answered.
            with ledger_writer():
                token = repair._rating_get_access_token()
            repair.rating_apply(5, token=token)
        return repairs

    def test_my_entitlements_page_costs_the_same_for_more_rows(self):
        def more(count):
            for index in range(count):
                entitlement = self.mine.copy({"name": f"More {index}"})
                entitlement.action_activate()

        self.authenticate("portal_cust", "portal_cust")
        more(2)
        few, __ = self._queries("/my/entitlements")
        more(17)
        full, page = self._queries("/my/entitlements")
        self.assertIn("More 16", page)
        self.assertEqual(full, few, "no query per entitlement listed")

    def test_usage_is_paged_newest_first_at_the_same_cost(self):
        self.authenticate("portal_cust", "portal_cust")
        first = self._used(5)
        url = f"/my/entitlements/{self.mine.id}"
        few, page = self._queries(url)
        self.assertIn(first[0].name, page)
        self._used(15)
        full, page = self._queries(url)
        self.assertEqual(full, few, "no query per row of usage")
        self.assertNotIn(f"{url}/page/2", page, "20 rows: one page")
        last = self._used(5)
        page = self.url_open(url).text
        self.assertIn(f"{url}/page/2", page)
        # The usage table, before the list of the customer's repairs.
        usage = page.split("Your repairs")[0]
        self.assertIn(f">{last[-1].name}<", usage, "the newest row first")
        self.assertNotIn(f">{first[0].name}<", usage, "the oldest on page 2")
        older = self.url_open(f"{url}/page/2").text.split("Your repairs")[0]
        self.assertIn(f">{first[0].name}<", older)
        self.assertIn("o_entitlement_repair_rating", older)
