"""Who pays for a repair, decided once from plain values: the verdict, the
waiver, the shares, the overage and each line's coverage all read the plan,
so its table is checked here with plain numbers, each payer alone and each
pair in conflict, before Confirm (terms as the policy would decide them)
and after (as the ledger holds them)."""

from odoo.tests import BaseCase

from odoo.addons.service_entitlement.models.entitlement_policy import Outcome
from odoo.addons.service_entitlement.models.payer import Plan, decide, line_covered

# An entitlement covering 80 % of parts and 50 % of labour, one incident
# needed, two left, overage billed.
TERMS = {
    "entitlement": True,
    "parts_percent": 80.0,
    "labor_percent": 50.0,
    "limit_policy": "bill",
    "need": 1.0,
    "left": 2.0,
}
EXHAUSTED = {**TERMS, "left": 0.0}
COVERED = Plan("entitlement", "covered", 80.0, 50.0, outcome=Outcome(1.0, 0.0))


class TestPayerTable(BaseCase):
    def assertPlan(self, facts, payer, verdict, shares, waiver=None):
        plan = decide(facts)
        self.assertEqual(
            (plan.payer, plan.verdict, plan.shares, plan.waiver),
            (payer, verdict, shares, waiver),
        )
        return plan

    def test_each_payer_alone(self):
        table = [
            ({}, "customer", "none", (0.0, 0.0), None),
            ({"rerepair": True}, "rerepair", "covered", (100.0, 100.0), "rerepair"),
            ({"campaign": True}, "campaign", "covered", (100.0, 100.0), "campaign"),
            ({"layer": (60.0, 40.0)}, "layer", "covered", (60.0, 40.0), "layer"),
            (TERMS, "entitlement", "covered", (80.0, 50.0), None),
            (
                {**EXHAUSTED, "goodwill": True},
                "goodwill",
                "covered",
                (80.0, 50.0),
                "goodwill",
            ),
            (
                {**EXHAUSTED, "planned": True},
                "planned",
                "covered",
                (80.0, 50.0),
                "planned",
            ),
            (EXHAUSTED, "customer", "exhausted", (0.0, 0.0), None),
            ({**TERMS, "excluded": True}, "customer", "excluded", (0.0, 0.0), None),
            ({**TERMS, "valid": False}, "customer", "not_valid", (0.0, 0.0), None),
            ({**TERMS, "suspended": True}, "customer", "suspended", (0.0, 0.0), None),
        ]
        for facts, *expected in table:
            with self.subTest(facts=facts):
                self.assertPlan(facts, *expected)

    def test_each_pair_in_conflict(self):
        """The first in the order pays: re-repair, campaign, warranty layer,
        then the entitlement (refused if it excludes the fault or is out of
        its dates; goodwill and planned service before a suspension and
        whatever is left)."""
        everything = {
            **EXHAUSTED,
            "rerepair": True,
            "campaign": True,
            "layer": (60.0, 40.0),
            "goodwill": True,
            "planned": True,
            "suspended": True,
        }
        order = [
            ("rerepair", (100.0, 100.0)),
            ("campaign", (100.0, 100.0)),
            ("layer", (60.0, 40.0)),
            ("goodwill", (80.0, 50.0)),
            ("planned", (80.0, 50.0)),
        ]
        for index, (first, shares) in enumerate(order):
            for second, __ in order[index + 1 :]:
                with self.subTest(first=first, second=second):
                    facts = {**EXHAUSTED, first: everything[first]}
                    facts[second] = everything[second]
                    self.assertPlan(facts, first, "covered", shares, first)
        # A warranty layer pays even when the entitlement excludes the fault
        # or is out of its dates; goodwill does not lift either.
        for refusal in ({"excluded": True}, {"valid": False}):
            with self.subTest(refusal=refusal):
                self.assertPlan(
                    {**TERMS, **refusal, "layer": (60.0, 40.0)},
                    "layer",
                    "covered",
                    (60.0, 40.0),
                    "layer",
                )
                plan = decide({**TERMS, **refusal, "goodwill": True})
                self.assertEqual(plan.payer, "customer")
                self.assertIsNone(plan.waiver)
        # Goodwill and planned service lift an overdue planned service's
        # suspension; the terms do not.
        self.assertEqual(
            decide({**TERMS, "suspended": True, "planned": True}).payer, "planned"
        )

    def test_before_and_after_confirm(self):
        """Before Confirm the limit policy decides on what is left; after,
        the plan is what the ledger holds, whatever is left since, and a
        consumption made when the entitlement was valid stays valid."""
        self.assertEqual(decide(TERMS), COVERED)
        held = {**EXHAUSTED, "live": (1.0, 0.0, False)}
        self.assertEqual(decide(held), COVERED)
        self.assertEqual(decide({**held, "valid": False}).verdict, "covered")
        # Partly covered: one hour of three left, the rest billed.
        hours = {**TERMS, "need": 3.0, "left": 1.0}
        before = self.assertPlan(hours, "entitlement", "partial", (80.0, 50.0))
        self.assertEqual(before.overage_billed, 2.0)
        after = decide({**hours, "left": -2.0, "live": (1.0, 2.0, True)})
        self.assertEqual(after, before)
        # Exhausted: under *bill* the overage is billed, under *warn* not,
        # under *block* only with a manager's override to bill.
        for policy, override, billed in (
            ("bill", None, 1.0),
            ("warn", None, 0.0),
            ("block", None, 0.0),
            ("block", {"bill": True}, 1.0),
            ("block", {"bill": False}, 0.0),
        ):
            with self.subTest(policy=policy, override=override):
                plan = decide(
                    {**EXHAUSTED, "limit_policy": policy, "override": override}
                )
                self.assertEqual(plan.verdict, "exhausted")
                self.assertEqual(plan.overage_billed, billed)
                self.assertFalse(plan.under_warranty)
        # A held consumption whose overage was not billed bills nothing.
        held = decide({**EXHAUSTED, "live": (0.0, 1.0, False)})
        self.assertEqual((held.verdict, held.overage_billed), ("exhausted", 0.0))

    def test_facts_are_read_only_when_the_order_gets_to_them(self):
        def never():
            raise AssertionError("read too early")

        plan = decide({"rerepair": True, "layer": never, "left": never})
        self.assertEqual(plan.payer, "rerepair")
        plan = decide({**TERMS, "goodwill": True, "left": never, "suspended": never})
        self.assertEqual(plan.payer, "goodwill")

    def test_each_line(self):
        """Part warranty first; a line no coverage pays for gets the
        contract's discount alone; the others the payer's share, then the
        contract's discount on what is left."""
        plan = decide(TERMS)
        self.assertTrue(plan.under_warranty is False)
        self.assertEqual(line_covered(plan, "parts"), 80.0)
        self.assertEqual(line_covered(plan, "labor"), 50.0)
        self.assertAlmostEqual(line_covered(plan, "labor", discount=10.0), 55.0)
        self.assertAlmostEqual(
            line_covered(plan, "parts", excluded=True, discount=10.0), 10.0
        )
        self.assertEqual(line_covered(plan, "parts", excluded=True), 0.0)
        self.assertEqual(
            line_covered(decide(EXHAUSTED), "parts", part_warranty=True), 100.0
        )
        nobody = decide({})
        self.assertEqual(line_covered(nobody, "labor", discount=20.0), 20.0)
        self.assertTrue(decide({"campaign": True}).under_warranty)
