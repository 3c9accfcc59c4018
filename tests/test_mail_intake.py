from odoo.addons.mail.tests.common import MailCommon

from .common import RepairEntitlementCase

EMAIL = """Return-Path: <{email_from}>
To: repairs@{domain}
Received: by mail1.example.com (Postfix, from userid 10002)
From: {email_from}
Subject: {subject}
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8
Date: Fri, 20 Nov 2026 10:00:00 +0000
Message-ID: <{msg_id}@example.com>

{body}
"""


class TestMailIntake(RepairEntitlementCase, MailCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer_contact.email = "alex.intake@adatum-service.example.com"
        cls.alias = cls.env.ref("service_entitlement.mail_alias_repair")
        cls.alias.alias_domain_id = cls.mail_alias_domain

    def _receive(self, email_from, subject, body, msg_id):
        """Deliver an email to repairs@ as the mail gateway would."""
        with self.mock_mail_gateway():
            return self.env["mail.thread"].message_process(
                False,
                EMAIL.format(
                    email_from=email_from,
                    domain=self.alias_domain,
                    subject=subject,
                    msg_id=msg_id,
                    body=body,
                ),
            )

    def test_known_customer_email_becomes_a_matched_repair(self):
        warranty = self._active_entitlement()
        self._receive(
            "alex.intake@adatum-service.example.com",
            "Laptop LAP-0041 does not start",
            "It stopped after an update.",
            "intake-1",
        )
        repair = self.env["repair.order"].search([("lot_id", "=", self.lot.id)])
        self.assertEqual(len(repair), 1)
        self.assertEqual(repair.partner_id, self.customer_contact)
        self.assertEqual(repair.intake_channel, "email")
        self.assertEqual(repair.entitlement_id, warranty)
        self.assertEqual(repair.entitlement_coverage, "covered")
        self.assertIn("stopped after an update", repair.internal_notes)

    def test_unknown_sender_is_refused(self):
        self._active_entitlement()
        self._receive("stranger@example.net", "Fix LAP-0041", "Please.", "intake-2")
        self.assertFalse(
            self.env["repair.order"].search([("lot_id", "=", self.lot.id)])
        )
