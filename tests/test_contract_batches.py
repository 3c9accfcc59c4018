"""The clerks' run and the daily job invoice service contracts in batches
that each commit: a run that stops midway keeps what it invoiced, and the
next run invoices the rest, each period once.

A test cannot commit: here a batch's commit is a savepoint, and a failed run
goes back to the last one, as PostgreSQL would to the last commit."""

from contextlib import contextmanager
from datetime import date
from unittest.mock import patch

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import UserError

from ..models import contract_contract
from .test_service_contract import ServiceContractCase

LOCKED = "The journal Customer Invoices is locked for this test."


class TestContractRunBatches(ServiceContractCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Contract = type(cls.env["contract.contract"])

    def setUp(self):
        super().setUp()
        self.patch(contract_contract, "INVOICE_BATCH", 2)
        self.commits = 0

        def commit(records):
            records.env.flush_all()
            records.env.cr.execute("SAVEPOINT service_batch_committed")
            records.env.invalidate_all()
            self.commits += 1

        self.patch(self.Contract, "_service_invoice_commit", commit)

    def _monthly_contracts(self, count):
        """``count`` monthly prepaid contracts from 1 February 2027 of one
        serial-numbered line of 1,200.00 a year, active."""
        contracts = self.env["service.entitlement"]
        for n in range(count):
            lot = self._create_lot(f"BATCH-{n}", customer=self.customer)
            contracts |= self._create_contract(
                name=f"Batch Support {n}",
                date_start=date(2027, 2, 1),
                invoice_period="month",
                contract_line_ids=[
                    Command.create({"lot_id": lot.id, "line_value": 1200.0})
                ],
            )
        contracts.action_activate()
        return contracts

    @contextmanager
    def _failing_at_call(self, number):
        """OCA's engine fails at its ``number``th call, as a locked journal
        or a missing account would make it fail."""
        original = self.Contract._recurring_create_invoice
        calls = []

        def invoice(records, date_ref=False):
            calls.append(records.ids)
            if len(calls) == number:
                raise UserError(LOCKED)
            return original(records, date_ref=date_ref)

        with patch.object(self.Contract, "_recurring_create_invoice", invoice):
            yield calls

    def _rollback_to_last_commit(self):
        self.env.cr.execute("ROLLBACK TO SAVEPOINT service_batch_committed")
        self.env.invalidate_all()

    def _invoice_counts(self, contracts):
        return [contract.contract_invoice_count for contract in contracts]

    @freeze_time("2027-02-01")
    def test_a_failed_run_keeps_its_batches_and_the_next_finishes(self):
        contracts = self._monthly_contracts(5)
        # The clerk's run, on these contracts (the database may have others
        # due), in batches of two: the third fails after two were committed.
        with self._failing_at_call(3) as calls:
            try:
                self.env["service.entitlement"]._contract_invoice_due(
                    contracts.contract_id, date(2027, 2, 1), commit=True
                )
            except UserError as error:
                message = str(error)
            else:
                self.fail("the run did not stop on the failing batch")
        self.assertEqual([len(ids) for ids in calls], [2, 2, 1])
        self.assertIn("4 of 5 service contracts were invoiced and saved", message)
        self.assertIn(LOCKED, message)
        self._rollback_to_last_commit()
        self.assertEqual(self._invoice_counts(contracts), [1, 1, 1, 1, 0])
        self.assertEqual(self.commits, 2)

        # Mended, the clerk runs it again: the fifth contract, and only it.
        invoices = self._invoice_due(date(2027, 2, 1))
        self.assertEqual(len(invoices), 1)
        self.assertEqual(invoices.invoice_origin, contracts[4].display_name)
        # February whole: 1,200.00 a year is 100.00 a month.
        self.assertEqual(invoices.amount_untaxed, 100.0)
        self.assertEqual(self._invoice_counts(contracts), [1, 1, 1, 1, 1])
        self.assertFalse(self._invoice_due(date(2027, 2, 1)))

    @freeze_time("2027-02-01")
    def test_a_failing_first_batch_says_what_failed(self):
        self._monthly_contracts(3)
        with self._failing_at_call(1):
            try:
                self._invoice_due(date(2027, 2, 1))
            except UserError as error:
                message = str(error)
            else:
                self.fail("the run did not stop on the failing batch")
        # Nothing saved yet: the error is the engine's own.
        self.assertEqual(message, LOCKED)

    @freeze_time("2027-02-01")
    def test_daily_job_batches_service_contracts_and_runs_plain_ones(self):
        contracts = self._monthly_contracts(3)
        product = self.env["product.product"].create(
            {"name": "Plain Support", "type": "service", "list_price": 40.0}
        )
        plain = self.env["contract.contract"].create(
            {
                "name": "Plain Contract",
                "partner_id": self.customer.id,
                "contract_type": "sale",
                "line_recurrence": True,
                "contract_line_ids": [
                    Command.create(
                        {
                            "product_id": product.id,
                            "name": "Plain Support",
                            "quantity": 1,
                            "price_unit": 40.0,
                            "recurring_rule_type": "monthly",
                            "recurring_interval": 1,
                            "recurring_invoicing_type": "pre-paid",
                            "date_start": date(2027, 2, 1),
                        }
                    )
                ],
            }
        )
        self.env["contract.contract"]._cron_recurring_create(date(2027, 2, 1))
        self.assertEqual(self._invoice_counts(contracts), [1, 1, 1])
        self.assertGreaterEqual(self.commits, 2, "three due, batches of two")
        plain_invoices = plain._get_related_invoices()
        self.assertEqual(len(plain_invoices), 1)
        self.assertEqual(plain_invoices.amount_untaxed, 40.0)
        # Again the same day: nothing more, neither kind.
        self.env["contract.contract"]._cron_recurring_create(date(2027, 2, 1))
        self.assertEqual(self._invoice_counts(contracts), [1, 1, 1])
        self.assertEqual(len(plain._get_related_invoices()), 1)
