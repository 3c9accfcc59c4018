"""Planned service from service contracts (Business Central's Create
Contract Service Orders): a contract line's service period makes one repair
per serial number and planned date, within the contract's days ahead, never
twice; the next planned date moves when the repair is made or, if the
contract says so, when it is done; planned repairs use no terms unless the
contract says so."""

import threading
from datetime import date, timedelta

from freezegun import freeze_time

from odoo import SUPERUSER_ID, Command, api, fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.service import model as service_model
from odoo.tests import TransactionCase

from ..models.ledger_guard import ledger_writer
from .common import CommittedTransactions, FrozenClock, run_workers
from .test_service_contract import ServiceContractCase


class TestPlannedService(ServiceContractCase):
    def _contract(self, **vals):
        return self._create_contract(
            date_start=date(2027, 1, 1),
            date_end=date(2027, 12, 31),
            total_terms=3,
            planned_service_period=1,
            **vals,
        )

    def _run(self, day, user=None):
        with freeze_time(day):
            wizard = (
                self.env["service.entitlement.planned.wizard"]
                .with_user(user or self.manager_user)
                .create({"date_to": fields.Date.to_date(day) + timedelta(days=30)})
            )
            wizard.action_create()
        return self._planned()

    def _confirm_planned(self, repair):
        """The serial number is brought in, the repair confirmed."""
        self.env["stock.quant"]._update_available_quantity(
            repair.product_id, repair.product_location_src_id, 1.0, lot_id=repair.lot_id
        )
        self.assertIs(repair.action_validate(), True)

    def _unplanned_repair(self, lot):
        return self.env["repair.order"].create(
            {
                "partner_id": self.customer.id,
                "product_id": lot.product_id.id,
                "lot_id": lot.id,
            }
        )

    def _planned(self):
        return self.env["repair.order"].search(
            [("planned_service", "=", True), ("partner_id", "=", self.customer.id)]
        )

    def test_a_year_of_monthly_service(self):
        with freeze_time("2027-01-01"):
            contract = self._contract()
            contract.action_activate()
        line_a, line_b = contract.contract_line_ids
        # Serial lines take the contract's period; the first service is one
        # period after the line starts.
        self.assertEqual(
            (line_a.service_period, line_a.service_period_unit), (1, "months")
        )
        self.assertEqual(line_a.next_planned_date, date(2027, 2, 1))
        # 30 days ahead from 5 January: nothing due yet; from 2 January of
        # each month on: the month's service of both serials.
        self.assertFalse(self._run("2027-01-01"))
        made = self._run("2027-01-05")
        self.assertEqual(len(made), 2)
        self.assertEqual(set(made.mapped("planned_date")), {date(2027, 2, 1)})
        self.assertEqual(made.lot_id, self.lot_a | self.lot_b)
        self.assertEqual(set(made.contract_line_id.ids), {line_a.id, line_b.id})
        self.assertEqual(made.entitlement_id, contract)
        self.assertEqual(made.user_id, contract.user_id, "the contract's responsible")
        self.assertEqual(line_a.next_planned_date, date(2027, 3, 1))
        self.assertEqual(self._run("2027-01-05"), made, "never twice")
        for month in range(2, 13):
            self._run(f"2027-{month:02d}-05")
        planned = self._planned()
        # February to December: eleven months, two serials.
        self.assertEqual(len(planned), 22)
        self.assertEqual(
            sorted(set(planned.mapped("planned_date"))),
            [date(2027, month, 1) for month in range(2, 13)],
        )
        # The daily job does the same, and nothing beyond the contract.
        with freeze_time("2027-12-20"):
            self.env["service.entitlement.contract.line"]._cron_create_planned_repairs()
        self.assertEqual(len(self._planned()), 22)

    def test_none_made_where_planned_service_is_off(self):
        with freeze_time("2027-01-01"):
            contract = self._contract()
            contract.action_activate()
        self.env.company.entitlement_use_planned = False
        self.assertFalse(self._run("2027-01-05"))
        self.env.company.entitlement_use_planned = True
        self.assertEqual(len(self._run("2027-01-05")), 2)

    def test_next_date_moves_when_done(self):
        with freeze_time("2027-01-01"):
            contract = self._contract(planned_next_on="done")
            contract.action_activate()
        line_a = contract.contract_line_ids[0]
        first = self._run("2027-01-05").filtered(lambda r: r.lot_id == self.lot_a)
        self.assertEqual(line_a.next_planned_date, date(2027, 2, 1))
        # A month later the first one is not done: no second one.
        self._run("2027-02-05")
        self.assertEqual(
            len(self._planned().filtered(lambda r: r.lot_id == self.lot_a)), 1
        )
        with freeze_time("2027-02-06"):
            self._confirm_planned(first)
            first.action_repair_start()
            first.action_repair_end()
        self.assertEqual(line_a.next_planned_date, date(2027, 3, 1))
        self._run("2027-02-06")
        self.assertEqual(
            len(self._planned().filtered(lambda r: r.lot_id == self.lot_a)), 2
        )

    def test_planned_repairs_use_no_terms_by_default(self):
        with freeze_time("2027-01-01"):
            contract = self._contract()
            contract.action_activate()
        repair = self._run("2027-01-05")[0]
        with freeze_time("2027-02-01"):
            self._confirm_planned(repair)
        self.assertEqual(contract.used_terms, 0)
        row = repair.entitlement_consumption_ids
        self.assertEqual(row.waiver, "planned")
        self.assertIn("Planned service", row.note)
        self.assertFalse(repair.sudo().rating_ids, "no rating asked of planned service")

    def test_planned_service_is_covered_before_and_after_confirm(self):
        """Planned service uses no terms: a contract whose terms are used up
        still pays for it, and says so before Confirm as after; its
        quotation and the overage follow."""
        with freeze_time("2027-01-01"):
            contract = self._create_contract(
                date_start=date(2027, 1, 1),
                date_end=date(2027, 12, 31),
                total_terms=1,
                planned_service_period=1,
            )
            contract.action_activate()
        with freeze_time("2027-01-04"):
            self._confirm_planned(self._unplanned_repair(self.lot_b))
        self.assertEqual(contract.remaining_terms, 0)
        planned = self._run("2027-01-05").filtered(lambda r: r.lot_id == self.lot_a)
        with freeze_time("2027-02-01"):
            unplanned = self._unplanned_repair(self.lot_a)
            self.assertEqual(unplanned.entitlement_id, contract)
            self.assertEqual(unplanned.entitlement_coverage, "exhausted")
            for stage in ("draft", "confirmed"):
                with self.subTest(stage=stage):
                    if stage == "confirmed":
                        self._confirm_planned(planned)
                    self.assertEqual(planned.state, stage)
                    self.assertEqual(planned.entitlement_coverage, "covered")
                    self.assertIn("Planned service of", planned.entitlement_explanation)
                    self.assertEqual(planned.cost_overage_amount, 0.0)
                    self.assertEqual(planned.cost_customer_amount, 0.0)
                    self.assertTrue(planned.under_warranty)
        self.assertEqual(contract.used_terms, 1)
        self.assertEqual(planned.entitlement_consumption_ids.waiver, "planned")
        self.assertFalse(planned.service_billing_line_count)

    def test_planned_repairs_use_terms_if_the_contract_says_so(self):
        with freeze_time("2027-01-01"):
            contract = self._contract(planned_use_terms=True)
            contract.action_activate()
        repair = self._run("2027-01-05")[0]
        with freeze_time("2027-02-01"):
            self._confirm_planned(repair)
        self.assertEqual(contract.used_terms, 1)

    def test_overdue_planned_service_suspends_coverage(self):
        """Coverage of a serial number is suspended while its planned service
        is overdue by more than the contract's days, with the reason on the
        repair; the planned repair itself stays covered, and once it is done
        the serial number is covered again."""
        with freeze_time("2027-01-01"):
            contract = self._contract(planned_suspend_days=14)
            contract.action_activate()
        planned = self._run("2027-01-05").filtered(lambda r: r.lot_id == self.lot_a)
        self.assertEqual(planned.planned_date, date(2027, 2, 1))
        with freeze_time("2027-02-15"):
            # 14 days overdue: not more than the contract allows.
            repair = self._create_walk_in_repair()
            self.assertEqual(repair.entitlement_coverage, "covered")
        with freeze_time("2027-02-16"):
            repair = self._create_walk_in_repair()
            self.assertEqual(repair.entitlement_id, contract)
            self.assertEqual(repair.entitlement_coverage, "suspended")
            self.assertIn(
                "planned service of SRV-A due 02/01/2027 is overdue by more than "
                "14 days",
                repair.entitlement_explanation,
            )
            # Another serial of the contract is not held by SRV-A's service.
            other = self._create_walk_in_repair(self.lot_b)
            self.assertEqual(other.entitlement_coverage, "suspended")
            self.assertEqual(planned.entitlement_coverage, "covered")
            self._confirm_planned(planned)
            with self.assertRaisesRegex(UserError, "Do the planned service first"):
                repair.action_validate()
            self.assertEqual(repair.state, "draft")
            self.assertEqual(contract.used_terms, 0, "nothing used")
            planned.action_repair_start()
            planned.action_repair_end()
            self.assertEqual(planned.state, "done")
            b_planned = self._planned().filtered(
                lambda r: r.lot_id == self.lot_b and r.planned_date == date(2027, 2, 1)
            )
            b_planned.action_repair_cancel()
            repair.invalidate_recordset()
            self.assertEqual(repair.entitlement_coverage, "covered")
            self.assertIs(repair.action_validate(), True)
            self.assertEqual(contract.used_terms, 1)
        # A contract without the rule never suspends.
        contract.sudo().planned_suspend_days = 0
        with freeze_time("2027-06-30"):
            self.assertEqual(
                self._create_walk_in_repair(self.lot_b).entitlement_coverage,
                "covered",
            )

    def _create_walk_in_repair(self, lot=None):
        lot = lot or self.lot_a
        return self.env["repair.order"].create(
            {
                "partner_id": self.customer.id,
                "product_id": lot.product_id.id,
                "lot_id": lot.id,
            }
        )

    def test_bad_input_and_roles(self):
        contract = self._contract()
        line_a = contract.contract_line_ids[0]
        with (
            self.assertRaisesRegex(ValidationError, "cannot be negative"),
            self.env.cr.savepoint(),
        ):
            line_a.service_period = -1
            line_a.flush_recordset()
        with (
            self.assertRaisesRegex(ValidationError, "negative number of days"),
            self.env.cr.savepoint(),
        ):
            contract.planned_horizon_days = -1
            contract.flush_recordset()
        with (
            self.assertRaisesRegex(ValidationError, "suspend coverage after a"),
            self.env.cr.savepoint(),
        ):
            contract.planned_suspend_days = -1
            contract.flush_recordset()
        for user in (self.desk_user, self.technician_user, self.billing_user):
            with (
                self.subTest(user=user.login),
                self.assertRaises(UserError),
            ):
                contract.with_user(user).planned_suspend_days = 5
        with (
            self.assertRaisesRegex(ValidationError, "planned service is for"),
            self.env.cr.savepoint(),
        ):
            contract.contract_line_ids = [
                Command.create(
                    {
                        "product_id": self.printer.id,
                        "line_value": 1.0,
                        "service_period": 1,
                    }
                )
            ]
            contract.flush_recordset()
        self.env.invalidate_all()
        self.assertEqual(line_a.service_period, 1, "nothing saved")
        Wizard = self.env["service.entitlement.planned.wizard"]
        for user in (self.desk_user, self.technician_user, self.billing_user):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                Wizard.with_user(user).create({}).action_create()
        with self.assertRaisesRegex(AccessError, "follows the service flow"):
            self._create_repair_for_flow_field()

    def _create_repair_for_flow_field(self):
        return (
            self.env["repair.order"]
            .with_user(self.desk_user)
            .create(
                {
                    "partner_id": self.customer.id,
                    "product_id": self.lot_a.product_id.id,
                    "lot_id": self.lot_a.id,
                    "planned_service": True,
                }
            )
        )


class TestPlannedServiceRace(CommittedTransactions, FrozenClock, TransactionCase):
    """Two managers (or a manager and the daily job) create the planned
    repairs at the same moment, on separate connections: one repair."""

    def test_two_runs_at_once_make_one_repair(self):
        def build(env):
            today = fields.Date.context_today(env["service.entitlement"])
            partner = env["res.partner"].create({"name": "Planned race customer"})
            product = env["product.product"].create(
                {"name": "Planned race device", "type": "consu", "tracking": "serial"}
            )
            lot = env["stock.lot"].create({"name": "PLAN-1", "product_id": product.id})
            contract = env["service.entitlement"].create(
                {
                    "name": "Planned race contract",
                    "partner_id": partner.id,
                    "entitlement_type": "service_contract",
                    "date_start": today,
                    "date_end": today + timedelta(days=300),
                    "contract_line_ids": [
                        Command.create(
                            {
                                "lot_id": lot.id,
                                "service_period": 1,
                                "next_planned_date": today + timedelta(days=5),
                            }
                        )
                    ],
                }
            )
            contract.action_activate()
            return partner.id, product.id, lot.id, contract.id, today

        partner_id, product_id, lot_id, contract_id, today = self._committed(build)
        self.addCleanup(self._drop, partner_id, product_id, lot_id, contract_id)
        barrier = threading.Barrier(2)
        made = {}

        def manager(name):
            with self.registry.cursor() as cr:
                env = api.Environment(cr, SUPERUSER_ID, {})
                Line = env["service.entitlement.contract.line"]
                barrier.wait(timeout=30)
                repairs = service_model.retrying(
                    lambda: Line._create_planned_repairs(today + timedelta(days=20)),
                    env,
                )
                made[name] = len(repairs)

        threads = [threading.Thread(target=manager, args=(n,)) for n in ("a", "b")]
        run_workers(threads, timeout=120)
        self.assertEqual(sorted(made.values()), [0, 1], made)

        def count(env):
            return env["repair.order"].search_count(
                [("lot_id", "=", lot_id), ("planned_service", "=", True)]
            )

        self.assertEqual(self._committed(count), 1)

    def _drop(self, partner_id, product_id, lot_id, contract_id):
        def drop(env):
            env.cr.execute(
                "DELETE FROM service_entitlement_consumption WHERE entitlement_id = %s",
                [contract_id],
            )
            repairs = env["repair.order"].search([("lot_id", "=", lot_id)])
            contract = env["service.entitlement"].browse(contract_id)
            # Clearing up what the test committed, as a script would.
            with ledger_writer():
                repairs.write({"state": "cancel"})
                repairs.unlink()
                contract.write({"state": "cancelled"})
                contract.unlink()
            env["stock.lot"].browse(lot_id).unlink()
            env["product.product"].browse(product_id).unlink()
            env["res.partner"].browse(partner_id).unlink()

        self._committed(drop)
