"""The limit policy as a pure function of a need and a balance: the verdict,
the customer's share and the ledger all ask it, so its answers are checked
here with plain numbers."""

from odoo.tests import BaseCase

from odoo.addons.service_entitlement.models.entitlement_policy import (
    Outcome,
    decide,
    split,
)


class TestLimitPolicy(BaseCase):
    def test_split_covers_what_is_left(self):
        self.assertEqual(split(1.0, 3.0), (1.0, 0.0))
        self.assertEqual(split(2.5, 1.0), (1.0, 1.5))
        self.assertEqual(split(1.0, 0.0), (0.0, 1.0))
        # A balance below zero (terms reduced after use) covers nothing.
        self.assertEqual(split(1.0, -2.0), (0.0, 1.0))

    def test_within_the_terms_every_policy_covers(self):
        for policy in ("block", "warn", "bill"):
            with self.subTest(policy=policy):
                self.assertEqual(decide(policy, 2.0, 2.0), Outcome(2.0, 0.0))
                # Rounding noise is no overage.
                self.assertEqual(decide(policy, 1.001, 1.0).overage, 0.0)

    def test_beyond_the_terms(self):
        self.assertEqual(decide("block", 3.0, 1.0), Outcome(1.0, 2.0, blocked=True))
        self.assertEqual(decide("warn", 3.0, 1.0), Outcome(1.0, 2.0, warned=True))
        self.assertEqual(decide("bill", 3.0, 1.0), Outcome(1.0, 2.0, billed=True))

    def test_a_managers_override_lifts_a_block(self):
        self.assertEqual(decide("block", 1.0, 0.0, {"bill": False}), Outcome(0.0, 1.0))
        self.assertEqual(
            decide("block", 1.0, 0.0, {"bill": True}),
            Outcome(0.0, 1.0, billed=True),
        )
        # An override means nothing to the other policies.
        self.assertEqual(
            decide("warn", 1.0, 0.0, {"bill": True}), Outcome(0.0, 1.0, warned=True)
        )
