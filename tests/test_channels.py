from odoo import Command
from odoo.exceptions import UserError

from .common import RepairEntitlementCase


class TestChannelLimits(RepairEntitlementCase):
    def test_channel_limit_is_checked_alongside_the_total(self):
        contract = self._active_entitlement(
            lot_ids=[],
            total_terms=3,
            limit_policy="block",
            channel_limit_ids=[Command.create({"channel": "portal", "max_terms": 1})],
        )
        portal_repair = self._create_repair(intake_channel="portal")
        self.assertEqual(portal_repair.entitlement_coverage, "covered")
        self._confirm(portal_repair)
        self.assertEqual(portal_repair.entitlement_consumption_ids.channel, "portal")
        limit = contract.channel_limit_ids
        self.assertEqual(limit.used_terms, 1)

        second = self._create_repair(intake_channel="portal")
        self.assertEqual(second.entitlement_coverage, "exhausted")
        with self.assertRaisesRegex(UserError, "has 0 incidents left"):
            with self.env.cr.savepoint():
                self._confirm(second)

        # Other channels still draw on the total.
        phone = self._confirm(self._create_repair(intake_channel="phone"))
        self.assertEqual(phone.entitlement_coverage, "covered")
        self.assertEqual(contract.remaining_terms, 1)
        self.assertLedgerAgrees(contract)

        # Giving back a portal repair frees the portal's share too.
        portal_repair.action_repair_cancel()
        limit.invalidate_recordset()
        self.assertEqual(limit.used_terms, 0)
        self._confirm(second.with_context())
        self.assertEqual(contract.remaining_terms, 1)

    def test_channel_limit_bills_the_excess(self):
        contract = self._active_entitlement(
            lot_ids=[],
            total_terms=3,
            limit_policy="bill",
            channel_limit_ids=[Command.create({"channel": "email", "max_terms": 0})],
        )
        repair = self._confirm(self._create_repair(intake_channel="email"))
        row = repair.entitlement_consumption_ids
        self.assertEqual((row.quantity, row.overage_quantity), (0, 1))
        self.assertEqual(len(contract.billing_line_ids), 1)
        self.assertEqual(contract.remaining_terms, 3)
