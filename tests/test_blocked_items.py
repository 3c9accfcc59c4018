"""Blocked service items (Business Central 2024): a serial number blocked for
contracts joins no service contract and lets no quote naming it be signed or
activated; blocked for everything, it gets no repair either, unless an
entitlement manager opens one, which is logged."""

from dateutil.relativedelta import relativedelta

from odoo import Command
from odoo.exceptions import AccessError, UserError

from .common import RepairEntitlementCase


class TestBlockedServiceItems(RepairEntitlementCase):
    def _block(self, lot, level):
        lot.with_env(self.env).with_user(self.manager_user).service_blocked = level

    def _contract(self, lot, **vals):
        return self._create_entitlement(
            name="Blocked items contract",
            entitlement_type="service_contract",
            date_start=self.today,
            date_end=self.today + relativedelta(years=1, days=-1),
            lot_ids=[],
            invoice_period="quarter",
            invoice_prepaid=True,
            contract_line_ids=[Command.create({"lot_id": lot.id, "line_value": 600.0})],
            **vals,
        )

    def test_only_managers_block_and_it_is_tracked(self):
        for user in (self.desk_user, self.technician_user, self.billing_user):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                self.lot.with_user(user).service_blocked = "all"
        self.assertEqual(self.lot.service_blocked, "none")
        self.assertFalse(self.lot.with_user(self.desk_user).service_block_editable)
        self._block(self.lot, "contracts")
        self.assertEqual(self.lot.service_blocked, "contracts")
        self.assertTrue(self.lot.with_user(self.manager_user).service_block_editable)
        # Tracking is written when the transaction commits.
        self.env.flush_all()
        self.env.cr.precommit.run()
        self.assertIn(
            "service_blocked",
            self.lot.message_ids.tracking_value_ids.field_id.mapped("name"),
        )
        # Writing back what it holds, as a form does, is harmless.
        self.lot.with_user(self.desk_user).write({"service_blocked": "contracts"})

    def test_blocked_for_contracts_joins_no_contract(self):
        self._block(self.lot, "contracts")
        with self.assertRaisesRegex(UserError, "LAP-0041 is blocked"):
            self._contract(self.lot)
        contract = self._contract(self.lot2)
        with (
            self.assertRaisesRegex(UserError, "LAP-0041 is blocked"),
            self.env.cr.savepoint(),
        ):
            contract.contract_line_ids = [
                Command.create({"lot_id": self.lot.id, "line_value": 100.0})
            ]
        self.assertEqual(contract.contract_line_ids.lot_id, self.lot2)

    def test_a_contract_naming_a_blocked_item_is_not_activated_or_signed(self):
        quote = self._contract(self.lot2, is_quote=True)
        self._block(self.lot2, "contracts")
        self.assertFalse(quote._quote_can_be_signed())
        with self.assertRaisesRegex(UserError, "LAP-0042 is blocked"):
            quote.with_user(self.manager_user)._quote_accept_without_signature(
                "Signed on paper"
            )
        with self.assertRaisesRegex(UserError, "LAP-0042 is blocked"):
            quote._quote_accept("Alex Adatum", "c2lnbmF0dXJl")
        self.assertEqual(quote.state, "draft")
        self.assertFalse(quote.signed_on)
        # Unblocked, or the line ended: the contract goes ahead.
        self._block(self.lot2, "none")
        quote.with_user(self.manager_user)._quote_accept_without_signature(
            "Signed on paper"
        )
        self.assertEqual(quote.state, "active")

    def test_blocked_for_contracts_still_gets_repairs(self):
        self._active_entitlement()
        self._block(self.lot, "contracts")
        repair = self._confirm(self._create_repair(lot=self.lot))
        self.assertEqual(repair.state, "confirmed")

    def test_blocked_for_everything_gets_no_repair_but_a_managers(self):
        entitlement = self._active_entitlement(
            lot_ids=[Command.set((self.lot | self.lot2).ids)]
        )
        self._block(self.lot, "all")
        with self.assertRaisesRegex(UserError, "LAP-0041 is blocked"):
            self._create_repair(lot=self.lot, env=self.env(user=self.desk_user))
        repair = self._create_repair(lot=self.lot2, env=self.env(user=self.desk_user))
        with self.assertRaisesRegex(UserError, "LAP-0041 is blocked"):
            repair.write({"lot_id": self.lot.id})
        self.assertEqual(repair.lot_id, self.lot2)
        # An entitlement manager opens one anyway: it is logged.
        opened = self._create_repair(lot=self.lot, env=self.env(user=self.manager_user))
        self.assertIn(
            "LAP-0041 is blocked for everything",
            opened.message_ids.mapped("body")[0],
        )
        # Nor is it offered on the portal.
        self.assertNotIn(self.lot, entitlement._portal_requestable_lots())
        self.assertIn(self.lot2, entitlement._portal_requestable_lots())
