"""Service contract quotes on the portal: the customer sees the quotes sent
to them, reviews the lines and prices, accepts with Odoo's portal signature
(which activates the contract and its recurring invoicing) and downloads the
signed contract as a PDF."""

import base64
import io
from datetime import date

from dateutil.relativedelta import relativedelta
from PIL import Image, ImageDraw

from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import HttpCase, new_test_user, tagged

from .common import RepairEntitlementCase
from .test_statement_pdf import PdfTextMixin

CONTRACT_REPORT = "service_entitlement.service_entitlement_contract_report_action"


def signature_png():
    """A small drawn signature, base64-encoded as the signature form sends it."""
    image = Image.new("RGB", (120, 40), "white")
    ImageDraw.Draw(image).line([(5, 30), (40, 8), (70, 32), (115, 10)], "black", 3)
    data = io.BytesIO()
    image.save(data, "PNG")
    return base64.b64encode(data.getvalue()).decode()


@tagged("post_install", "-at_install")
class TestContractPortal(PdfTextMixin, RepairEntitlementCase, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer.email = "it@adatum.example.com"
        cls.portal_user = new_test_user(
            cls.env,
            login="quote_cust",
            password="quote_cust",
            name="Dana Adatum",
            groups="base.group_portal",
        )
        cls.portal_user.partner_id.parent_id = cls.customer
        cls.other_portal_user = new_test_user(
            cls.env,
            login="fabrikam_cust",
            password="fabrikam_cust",
            groups="base.group_portal",
        )
        cls.other_portal_user.partner_id.parent_id = cls.other_customer
        cls.quote_lot = cls._create_lot("QUOTE-0001", customer=cls.customer)
        cls.quote = cls._create_quote("Quoted support", cls.quote_lot)
        cls.unsent = cls._create_quote("Unsent support", cls.lot2)
        cls._send(cls.quote)
        cls.signature = signature_png()
        cls.accept_url = f"/my/entitlements/{cls.quote.id}/accept"

    @classmethod
    def _create_quote(cls, name, lot):
        return cls._create_entitlement(
            name=name,
            entitlement_type="service_contract",
            date_start=cls.today,
            date_end=cls.today + relativedelta(years=1, days=-1),
            lot_ids=[],
            invoice_period="quarter",
            invoice_prepaid=True,
            is_quote=True,
            contract_line_ids=[
                Command.create(
                    {"lot_id": lot.id, "line_value": 1200.0, "discount": 12.5}
                )
            ],
        )

    @classmethod
    def _send(cls, quote):
        """The manager emails the quote from its form (Send Quote)."""
        env = cls.env(user=cls.manager_user)
        action = quote.with_env(env).action_quote_send()
        composer = env[action["res_model"]].with_context(**action["context"]).create({})
        composer.action_send_mail()

    def _accept(self, name="Dana Adatum", signature=None, url=None):
        return self.make_jsonrpc_request(
            url or self.accept_url,
            {"name": name, "signature": signature or self.signature},
        )

    def assertNotSigned(self, quote):
        self.env.invalidate_all()
        self.assertFalse(quote.signed_on)
        self.assertFalse(quote.signed_by)
        self.assertFalse(quote.signature)
        self.assertEqual(quote.state, "draft")
        self.assertFalse(quote.contract_id)

    def test_portal_lists_the_sent_quote_not_the_draft(self):
        self.assertTrue(self.quote.quote_sent)
        self.assertFalse(self.unsent.quote_sent)
        self.assertLogged(self.quote, self.quote.get_portal_url())
        self.authenticate("quote_cust", "quote_cust")
        page = self.url_open("/my/entitlements")
        self.assertEqual(page.status_code, 200)
        self.assertIn(self.quote.code, page.text)
        self.assertIn("waiting for your signature", page.text)
        self.assertNotIn(self.unsent.code, page.text)
        detail = self.url_open(f"/my/entitlements/{self.quote.id}")
        self.assertEqual(detail.status_code, 200)
        for expected in (
            "QUOTE-0001",
            "1,200.00",
            "12.50 %",
            "1,050.00",
            "Quarter",
            "In advance (prepaid)",
            "o_entitlement_accept_sign",
            'name="portal.signature_form"',
            f"/my/entitlements/{self.quote.id}/contract",
        ):
            self.assertIn(expected, detail.text)
        self.assertNotIn("Request a repair", detail.text)
        self.assertEqual(
            self.url_open(f"/my/entitlements/{self.unsent.id}").status_code, 404
        )

    def test_another_customer_sees_and_signs_nothing(self):
        self.authenticate("fabrikam_cust", "fabrikam_cust")
        self.assertNotIn(self.quote.code, self.url_open("/my/entitlements").text)
        for url in (
            f"/my/entitlements/{self.quote.id}",
            f"/my/entitlements/{self.quote.id}/contract?report_type=pdf",
        ):
            self.assertEqual(self.url_open(url).status_code, 404, url)
        result = self._accept(name="Mallory")
        self.assertEqual(result, {"error": "Invalid service contract."})
        self.assertNotSigned(self.quote)

    def test_accept_signs_and_activates_once(self):
        self.authenticate("quote_cust", "quote_cust")
        result = self._accept()
        self.assertTrue(result.get("force_refresh"), result)
        self.assertIn(f"/my/entitlements/{self.quote.id}?", result["redirect_url"])
        self.env.invalidate_all()
        quote = self.quote
        self.assertEqual(quote.signed_by, "Dana Adatum")
        self.assertTrue(quote.signed_on)
        self.assertTrue(quote.signature)
        self.assertEqual(quote.state, "active")
        self.assertTrue(quote.contract_id)
        oca_line = quote.contract_id.contract_line_ids
        self.assertEqual(len(oca_line), 1)
        # A quarter of 1,200.00 after the 12.5 % line discount.
        self.assertEqual(oca_line.price_unit, 262.5)
        self.assertEqual(oca_line.recurring_invoicing_type, "pre-paid")
        self.assertLogged(quote, "Quote signed on the portal by Dana Adatum")
        signed = (quote.signed_on, quote.contract_id)

        again = self._accept(name="Someone Else")
        self.assertIn("already signed by Dana Adatum", again.get("error", ""))
        self.env.invalidate_all()
        self.assertEqual(quote.signed_by, "Dana Adatum")
        self.assertEqual((quote.signed_on, quote.contract_id), signed)
        self.assertEqual(
            self.env["contract.contract"].search_count(
                [("service_entitlement_id", "=", quote.id)]
            ),
            1,
        )

        detail = self.url_open(result["redirect_url"])
        self.assertIn("your service contract is signed", detail.text)
        self.assertIn("Signed by <strong>Dana Adatum</strong>", detail.text)
        self.assertNotIn("o_entitlement_accept_sign", detail.text)
        self.assertIn("Next invoice", detail.text)
        # Signed on Monday 16 November: the starting period, 15 of
        # November's 30 days of 1,050.00 a year (87.50 a month), is invoiced
        # at once; the next invoice is the quarter from 1 December.
        starting = quote.contract_id._get_related_invoices()
        self.assertEqual(starting.amount_untaxed, 43.75)
        self.assertEqual(quote.next_invoice_date, date(2026, 12, 1))
        self.assertIn("262.50", detail.text)

    def test_accept_with_the_access_token(self):
        url = self.quote.get_portal_url(suffix="/accept")
        wrong = f"{self.accept_url}?access_token=not-the-token"
        self.assertEqual(
            self._accept(url=wrong), {"error": "Invalid service contract."}
        )
        for name, signature, error in (
            ("", self.signature, "Your name is missing."),
            ("Dana Adatum", "", "Signature is missing."),
            ("Dana Adatum", "bm90IGFuIGltYWdl", "could not be decoded as an image"),
        ):
            with self.subTest(name=name, signature=signature[:10]):
                result = self.make_jsonrpc_request(
                    url, {"name": name, "signature": signature}
                )
                self.assertIn(error, result.get("error", ""))
                self.assertNotSigned(self.quote)
        self.assertTrue(self._accept(url=url).get("force_refresh"))
        self.env.invalidate_all()
        self.assertEqual(self.quote.signed_by, "Dana Adatum")
        self.assertEqual(self.quote.state, "active")

    def test_quote_naming_a_blocked_item_is_not_signed(self):
        self.quote_lot.with_user(self.manager_user).service_blocked = "contracts"
        self.authenticate("quote_cust", "quote_cust")
        detail = self.url_open(f"/my/entitlements/{self.quote.id}")
        self.assertIn(">Blocked</span>", detail.text)
        self.assertNotIn("o_entitlement_accept_sign", detail.text)
        result = self._accept()
        self.assertIn("blocked service item (QUOTE-0001)", result.get("error", ""))
        self.assertNotSigned(self.quote)

    def test_unsent_quote_cannot_be_signed(self):
        url = self.unsent.get_portal_url(suffix="/accept")
        result = self._accept(url=url)
        self.assertEqual(result, {"error": "This quote cannot be signed any more."})
        self.assertNotSigned(self.unsent)

    def test_contract_download_from_the_portal(self):
        self.quote._quote_accept("Dana Adatum", self.signature)
        self.authenticate("quote_cust", "quote_cust")
        response = self.url_open(
            f"/my/entitlements/{self.quote.id}/contract?report_type=pdf&download=true"
        )
        self.assertEqual(response.status_code, 200)
        self.assertIn(
            "Contract_{}.pdf".format(self.quote.code.replace("/", "_")),
            response.headers.get("Content-Disposition", ""),
        )
        # Under test, Odoo sends the report's HTML instead of the PDF.
        self.assertIn("Signed by", response.text)
        self.assertIn("Dana Adatum", response.text)
        warranty = self._active_entitlement()
        self.assertEqual(
            self.url_open(f"/my/entitlements/{warranty.id}/contract").status_code,
            404,
            "a warranty is no service contract",
        )

    def test_contract_pdf_shows_lines_and_signature(self):
        self.quote._quote_accept("Dana Adatum", self.signature)
        text, words = self._render_pdf_words(CONTRACT_REPORT, self.quote)
        for expected in (
            self.customer.name,
            self.quote.code,
            "QUOTE-0001",
            "1,200.00",
            "12.50 %",
            "Quarter",
            "In advance (prepaid)",
            "Signed by Dana Adatum",
        ):
            self.assertIn(expected, words, f"not in the PDF:\n{text}")

    def test_sign_quote_tour(self):
        self.start_tour(
            "/my/entitlements",
            "service_entitlement_contract_quote_tour",
            login="quote_cust",
        )
        self.env.invalidate_all()
        self.assertEqual(self.quote.signed_by, "Alex Adatum")
        self.assertTrue(self.quote.signature)
        self.assertEqual(self.quote.state, "active")
        self.assertTrue(self.quote.contract_id)

    # ------------------------------------------------------------------
    # Only the customer signs; routes check their input
    # ------------------------------------------------------------------

    def test_staff_cannot_sign_for_the_customer(self):
        """Any internal user, whatever the role and even with the quote's
        token, is refused on the portal's accept route."""
        url = self.quote.get_portal_url(suffix="/accept")
        for user in (
            self.desk_user,
            self.technician_user,
            self.billing_user,
            self.manager_user,
        ):
            user.password = user.login
            self.authenticate(user.login, user.login)
            for target in (self.accept_url, url):
                result = self._accept(name="Dana Adatum", url=target)
                self.assertIn("Only the customer signs", result.get("error", ""))
            self.assertNotSigned(self.quote)

    def test_accept_route_checks_its_input(self):
        """Parameters of the wrong type get a readable answer, not a
        traceback with the server's paths."""
        for params in (
            {"access_token": ["a", "b"], "name": "Dana", "signature": self.signature},
            {"access_token": {"x": 1}, "name": "Dana", "signature": self.signature},
            {"name": "Dana", "signature": ["not", "a", "string"]},
            {"name": ["Dana"], "signature": self.signature},
        ):
            with self.subTest(params=params):
                result = self.make_jsonrpc_request(self.accept_url, params)
                self.assertIn("error", result)
                self.assertNotIn("Traceback", str(result))
                self.assertNotSigned(self.quote)

    def test_quote_marked_sent_only_by_its_send_action(self):
        """The context key of the Send action's composer does nothing when
        someone who may not send quotes posts a message with it."""
        self.unsent.with_user(self.desk_user).with_context(
            mark_quote_as_sent=True
        ).message_post(body="Have a look")
        self.assertFalse(self.unsent.quote_sent)
        url = self.unsent.get_portal_url(suffix="/accept")
        self.assertIn("cannot be signed", self._accept(url=url).get("error", ""))
        self.assertNotSigned(self.unsent)

    def test_activating_needs_a_signature_or_a_reason(self):
        quote = self.quote.with_user(self.manager_user)
        with self.assertRaisesRegex(UserError, "Accept Without Signature"):
            quote.action_activate()
        self.assertNotSigned(self.quote)
        action = quote.action_quote_accept_without_signature()
        wizard = (
            self.env[action["res_model"]]
            .with_user(self.manager_user)
            .with_context(**action["context"])
            .create({"reason": "Signed on paper at the counter"})
        )
        wizard.action_confirm()
        self.assertEqual(self.quote.state, "active")
        self.assertTrue(self.quote.contract_id)
        self.assertEqual(
            self.quote.accepted_without_signature_reason,
            "Signed on paper at the counter",
        )
        self.assertEqual(
            self.quote.accepted_without_signature_user_id, self.manager_user
        )
        self.assertLogged(self.quote, "accepted without signature by")
        self.assertFalse(self.quote.signed_on)
        # Nobody else records such a decision.
        with self.assertRaises(UserError):
            self.unsent.with_user(self.desk_user)._quote_accept_without_signature(
                "Trust me"
            )
