"""Property-based tests: random input and random repair flows keep the
ledger's invariants, and bad input is refused cleanly."""

import os
from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from odoo import Command
from odoo.exceptions import UserError, ValidationError

from .common import RepairEntitlementCase

EXAMPLES = int(os.environ.get("SERVICE_ENTITLEMENT_FUZZ_EXAMPLES", "40"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    database=None,
    derandomize=True,
)


class TestFuzzEntitlementInput(RepairEntitlementCase):
    @FUZZ
    @given(
        total=st.one_of(
            st.floats(min_value=-10, max_value=50, allow_nan=False),
            st.integers(min_value=-3, max_value=20),
        ),
        allocation=st.sampled_from(["incidents", "hours"]),
        days=st.integers(min_value=-30, max_value=400),
        parts=st.floats(min_value=-50, max_value=150, allow_nan=False),
        labor=st.floats(min_value=-50, max_value=150, allow_nan=False),
        price=st.floats(min_value=-100, max_value=1000, allow_nan=False),
        policy=st.sampled_from(["block", "warn", "bill"]),
    )
    def test_create_and_write_refuse_bad_input_cleanly(  # noqa: PLR0917
        self, total, allocation, days, parts, labor, price, policy
    ):
        vals = self._entitlement_vals(
            total_terms=total,
            allocation_type=allocation,
            date_end=self.start + timedelta(days=days),
            parts_coverage_percent=parts,
            labor_coverage_percent=labor,
            overage_price=price,
            limit_policy=policy,
        )
        # Terms are kept to the unit of measure's precision and prices to the
        # currency's: what counts is the value once rounded.
        rounded_total, rounded_price = round(total, 2), round(price, 2)
        valid = (
            rounded_total > 0
            and (allocation == "hours" or float(rounded_total).is_integer())
            and days >= 0
            and 0 <= parts <= 100
            and 0 <= labor <= 100
            and rounded_price >= 0
        )
        Entitlement = self.env["service.entitlement"].with_user(self.manager_user)
        try:
            with self.env.cr.savepoint():
                entitlement = Entitlement.create(vals)
                self.env.flush_all()
                self.assertTrue(valid, f"accepted bad input {vals}")
                self.assertAlmostEqual(
                    entitlement.remaining_terms,
                    entitlement.total_terms - entitlement.used_terms,
                )
                # Writing the same values back is accepted as well.
                entitlement.write({"total_terms": total, "overage_price": price})
                self.env.flush_all()
        except (ValidationError, UserError):
            self.assertFalse(valid, f"refused good input {vals}")


OPERATIONS = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=2),
        st.sampled_from(["confirm", "cancel", "reset", "done", "exclude", "hours"]),
    ),
    min_size=1,
    max_size=12,
)


class TestFuzzRepairFlows(RepairEntitlementCase):
    def _check_invariants(self, entitlement, repairs):
        self.env.flush_all()
        rows = entitlement.consumption_ids
        self.assertAlmostEqual(entitlement.used_terms, sum(rows.mapped("quantity")))
        self.assertAlmostEqual(
            entitlement.remaining_terms,
            entitlement.total_terms - entitlement.used_terms,
        )
        self.assertLessEqual(entitlement.used_terms, entitlement.total_terms + 1e-6)
        self.assertGreaterEqual(entitlement.used_terms, -1e-6)
        for repair in repairs:
            live = rows.filtered(
                lambda r, repair=repair: (
                    r.res_id == repair.id
                    and r.kind == "consumption"
                    and not r.reversal_ids
                )
            )
            self.assertLessEqual(len(live), 1, "one live consumption per repair")
            if repair.state in ("draft", "cancel"):
                self.assertFalse(live, "drafts and cancelled repairs hold nothing")
        for row in rows.filtered(lambda r: r.kind == "consumption"):
            expected = 1 if row.bill_overage and row.overage_quantity > 0 else 0
            self.assertEqual(len(row.billing_line_ids), expected)
        billed = rows.filtered(lambda r: r.kind == "consumption").billing_line_ids
        for line in billed:
            reversed_ = bool(line.consumption_id.reversal_ids)
            self.assertEqual(line.state == "cancelled", reversed_)

    def _apply(self, repair, operation):
        if operation == "confirm" and repair.state == "draft":
            repair.action_validate()
        elif operation == "cancel" and repair.state in ("draft", "confirmed"):
            repair.action_repair_cancel()
        elif operation == "reset" and repair.state == "cancel":
            repair.action_repair_cancel_draft()
        elif operation == "done" and repair.state == "confirmed":
            repair.action_repair_start()
            repair.action_repair_end()
        elif operation == "exclude" and repair.state != "done":
            repair.fault_reason_id = self.accident
        elif operation == "hours" and repair.state != "done":
            repair.labor_hours += 1.5

    @FUZZ
    @given(
        total=st.integers(min_value=1, max_value=3),
        allocation=st.sampled_from(["incidents", "hours"]),
        policy=st.sampled_from(["block", "warn", "bill"]),
        consume_on=st.sampled_from(["confirm", "done"]),
        operations=OPERATIONS,
    )
    def test_random_flows_keep_the_ledger_right(
        self, total, allocation, policy, consume_on, operations
    ):
        with self.env.cr.savepoint(flush=False) as savepoint:
            entitlement = self._active_entitlement(
                total_terms=total,
                allocation_type=allocation,
                limit_policy=policy,
                consume_on=consume_on,
                lot_ids=[],
                excluded_fault_reason_ids=[Command.set(self.accident.ids)],
            )
            product = self.env["product.product"].create(
                {"name": "Fuzzed device", "type": "consu"}
            )
            repairs = self.env["repair.order"].create(
                [
                    {
                        "partner_id": self.customer.id,
                        "product_id": product.id,
                        "labor_hours": 1.0,
                    }
                    for __ in range(3)
                ]
            )
            for index, operation in operations:
                try:
                    with self.env.cr.savepoint():
                        self._apply(repairs[index], operation)
                        self.env.flush_all()
                except UserError as error:
                    # Only the block policy (or an excluded entitlement chosen
                    # by hand) may refuse a confirmation.
                    self.assertIn(
                        "blocks it" if policy == "block" else "cannot use",
                        str(error),
                    )
                repairs.invalidate_recordset()
                entitlement.invalidate_recordset()
                self._check_invariants(entitlement, repairs)
            savepoint.rollback()
