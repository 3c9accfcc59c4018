"""Contract gain/loss entries (Business Central): every change of a signed
service contract's annual amount writes one, with its reason, date, user and
what was gained or lost; nobody changes or deletes them.  The contract:
SRV-A 1,200.00 a year and SRV-B 800.00 less 10 % = 720.00."""

from datetime import date

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import AccessError, UserError

from ..models.ledger_guard import ledger_writer
from .test_service_contract import ServiceContractCase


class TestGainLoss(ServiceContractCase):
    def _entries(self, contract):
        return [
            (entry.reason, entry.name, entry.amount)
            for entry in contract.gain_loss_ids.sorted("id")
        ]

    def test_each_change_of_the_annual_amount(self):
        with freeze_time("2027-02-01"):
            contract = self._create_contract(date_start=date(2027, 2, 1))
            contract.contract_line_ids[0].line_value = 1250.0
            self.assertFalse(contract.gain_loss_ids, "a draft gains nothing")
            contract.contract_line_ids[0].line_value = 1200.0
            contract.with_user(self.manager_user).action_activate()
            self.assertEqual(
                self._entries(contract), [("signed", "Gold Support", 1920.0)]
            )
            manager = contract.with_user(self.manager_user)
            manager.contract_line_ids = [
                Command.create({"product_id": self.printer.id, "line_value": 400.0})
            ]
            printer = contract.contract_line_ids.filtered(
                lambda line: line.product_id == self.printer and not line.lot_id
            )
            line_a, line_b = contract.contract_line_ids - printer
            # A price update of 10 %: 120.00, 72.00 (80.00 less 10 %), 40.00.
            contract.next_price_update_date = date(2027, 2, 1)
            self.env["service.entitlement.price.update.wizard"].with_user(
                self.manager_user
            ).with_context(
                active_model="service.entitlement", active_ids=contract.ids
            ).create({"percent": 10.0}).action_apply()
            line_a.with_user(self.manager_user).line_value = 1500.0
        with freeze_time("2027-03-10"):
            self._invoice_due(date(2027, 2, 1))
            contract.contract_id._get_related_invoices().action_post()
            self._end_line(line_b, date(2027, 3, 9))
        with freeze_time("2027-04-15"):
            contract.with_user(self.manager_user).action_cancel()
        a, b, p = line_a.name, line_b.name, printer.name
        self.assertEqual(
            self._entries(contract),
            [
                ("signed", "Gold Support", 1920.0),
                ("line_added", p, 400.0),
                ("price_update", a, 120.0),
                ("price_update", b, 72.0),
                ("price_update", p, 40.0),
                ("line_changed", a, 180.0),
                ("line_removed", b, -792.0),
                # What was left: 1,500.00 and 440.00.
                ("cancelled", "Gold Support", -1940.0),
            ],
        )
        self.assertEqual(contract.gain_loss_total, 0.0)
        entries = contract.gain_loss_ids
        self.assertEqual(entries.partner_id, self.customer)
        self.assertEqual(
            set(entries.mapped("date")),
            {date(2027, 2, 1), date(2027, 3, 10), date(2027, 4, 15)},
        )
        self.assertEqual(entries.user_id, self.manager_user)

    def test_renewal_carries_the_lines_and_is_its_own_reason(self):
        with freeze_time("2027-02-15"):
            contract = self._create_contract()
            contract.action_activate()
            contract.contract_line_ids[1].date_end = date(2027, 6, 30)
        with freeze_time("2027-12-15"):
            action = contract.with_user(self.manager_user).action_renew()
            renewal = self.env["service.entitlement"].browse(action["res_id"])
            self.assertEqual(renewal.contract_line_ids.lot_id, self.lot_a)
            self.assertEqual(renewal.contract_line_ids.date_start, date(2028, 1, 1))
            renewal.action_activate()
            self.assertEqual(
                self._entries(renewal), [("renewal", renewal.name, 1200.0)]
            )
            self.assertEqual(renewal.lot_ids, self.lot_a)

    def test_append_only_and_for_billing(self):
        with freeze_time("2027-02-15"):
            contract = self._create_contract()
            contract.action_activate()
        entry = contract.gain_loss_ids
        self.assertEqual(len(entry), 1)
        for user in (self.manager_user, self.billing_user):
            with self.assertRaises(AccessError):
                entry.with_user(user).amount = 0.0
            with self.assertRaises(AccessError):
                entry.with_user(user).unlink()
            with self.assertRaises(AccessError):
                self.env["service.entitlement.gain.loss"].with_user(user).create(
                    {
                        "entitlement_id": contract.id,
                        "partner_id": self.customer.id,
                        "company_id": contract.company_id.id,
                        "currency_id": contract.currency_id.id,
                        "date": date(2027, 1, 1),
                        "reason": "signed",
                        "amount": 1.0,
                    }
                )
        # Not even the flow's own code changes or deletes one.
        with ledger_writer():
            with self.assertRaisesRegex(UserError, "never changed"):
                entry.sudo().write({"amount": 0.0})
            with self.assertRaisesRegex(UserError, "never deleted"):
                entry.sudo().unlink()
        # The desk reads no money.
        with self.assertRaises(AccessError):
            self.env["service.entitlement.gain.loss"].with_user(self.desk_user).search(
                []
            )
        # Billing analyses them by reason, customer and month.
        groups = (
            self.env["service.entitlement.gain.loss"]
            .with_user(self.billing_user)
            .read_group(
                [("entitlement_id", "=", contract.id)],
                ["amount:sum"],
                ["reason", "partner_id", "date:month"],
                lazy=False,
            )
        )
        self.assertEqual(len(groups), 1)
        self.assertEqual(groups[0]["amount"], 1920.0)
        self.assertEqual(groups[0]["reason"], "signed")
