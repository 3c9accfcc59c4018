"""Who pays for a repair, and how much of each line.

One pure function, with no ORM in it, takes what is known of a repair as
plain values and returns a :class:`Plan`: who pays, the verdict the desk
reads, the ledger's waiver when the entitlement's terms are not used, the
parts and labour shares the payer takes, and the outcome of the terms when
they are used.  The repair's verdict and explanation, its *Under Warranty*,
the customer's share before confirming, the quotation's discounts, the
overage to bill and the ledger row all read this plan; none decides again.

The order is the one a service desk would argue it in:

1. a **re-repair** is paid by the repair warranty of the repair it redoes;
2. a **campaign**'s repair (a recall) by the campaign;
3. a **warranty layer** without an entitlement that comes first in the
   company's *Which Warranty Pays First* (a supplier's, the legal
   guarantee) at its own shares;
4. then the **entitlement**, if any: not when it excludes the fault, not
   outside its dates (unless it already consumed, when it was valid);
   **goodwill** or **planned service** (a contract's visit that does not use
   terms) is covered at its shares with no terms used, whatever is left and
   even when planned service is overdue; otherwise not while suspended for
   overdue planned service, and its terms decide under its limit policy.

``facts`` is any mapping: the keys below, a missing key taking its default.
A value may be a callable without arguments, read only when the order gets
to it (what the ORM pays a query for is only asked when it matters).
"""

from typing import NamedTuple

from odoo.tools import float_compare, float_is_zero

from . import entitlement_policy as policy
from .entitlement_policy import combine_percents

PRECISION = 2

DEFAULTS = {
    # Payers before the entitlement.
    "rerepair": False,
    "campaign": False,
    # (parts %, labour %) of the warranty layer without an entitlement that
    # pays first, or None.
    "layer": None,
    # The entitlement and what decides its use.
    "entitlement": False,
    "excluded": False,
    "valid": True,
    "goodwill": False,
    "planned": False,
    "suspended": False,
    "parts_percent": 0.0,
    "labor_percent": 0.0,
    # The consumption the document holds in its cycle, as
    # (covered, overage, overage billed), or None.
    "live": None,
    # The terms when nothing is held yet.
    "limit_policy": "bill",
    "need": 0.0,
    "left": 0.0,
    "override": None,
}


class Plan(NamedTuple):
    """``payer``: rerepair, campaign, layer, goodwill, planned, entitlement
    or customer; ``verdict``: the repair's *Entitlement Coverage*;
    ``waiver``: the ledger's waiver code when the terms are not used;
    ``outcome``: the :class:`entitlement_policy.Outcome` of the terms, when
    used."""

    payer: str
    verdict: str
    parts_percent: float = 0.0
    labor_percent: float = 0.0
    waiver: str | None = None
    outcome: policy.Outcome | None = None

    @property
    def shares(self):
        """(parts %, labour %) the payer takes."""
        return self.parts_percent, self.labor_percent

    @property
    def under_warranty(self):
        """All the parts are paid for: Odoo's *Under Warranty*."""
        return float_compare(self.parts_percent, 100.0, precision_digits=PRECISION) >= 0

    @property
    def overage_billed(self):
        """The quantity beyond the terms that goes to billing (0.0 if none)."""
        outcome = self.outcome
        if not outcome or not outcome.billed:
            return 0.0
        return outcome.overage


def _read(facts, key):
    value = facts.get(key, DEFAULTS[key])
    return value() if callable(value) else value


def decide(facts, terms=True):
    """The :class:`Plan` for ``facts`` (see the module's docstring).
    Without ``terms``, who pays and the waiver only: a plan that would come
    to the entitlement's terms stops before them (verdict None), and the
    entitlement's shares are not read (the waiver's question, asked as a
    repair moves, which need read nothing of the entitlement's money)."""
    return _other_payer(facts) or _entitlement_payer(facts, terms)


def _other_payer(facts):
    """The plan of a payer before the entitlement, or None."""
    for who in ("rerepair", "campaign"):
        if _read(facts, who):
            return Plan(who, "covered", 100.0, 100.0, waiver=who)
    layer = _read(facts, "layer")
    if layer:
        return Plan("layer", "covered", layer[0], layer[1], waiver="layer")
    return None


def _refusal(facts, live):
    """Why the entitlement cannot cover the document: a verdict, or None."""
    if not _read(facts, "entitlement"):
        return "none"
    if _read(facts, "excluded"):
        return "excluded"
    if not live and not _read(facts, "valid"):
        return "not_valid"
    return None


def _entitlement_payer(facts, terms):
    live = _read(facts, "live")
    refusal = _refusal(facts, live)
    if refusal:
        return Plan("customer", refusal)
    # Without the terms, nothing of the money: the shares are not read.
    shares = (
        (_read(facts, "parts_percent"), _read(facts, "labor_percent"))
        if terms
        else (0.0, 0.0)
    )
    waiver = next((w for w in ("goodwill", "planned") if _read(facts, w)), None)
    if waiver:
        return Plan(waiver, "covered", *shares, waiver=waiver)
    if not live and _read(facts, "suspended"):
        return Plan("customer", "suspended")
    if not terms:
        return Plan("entitlement", None)
    return _terms_plan(_terms_outcome(facts, live), shares)


def _terms_plan(outcome, shares):
    """The plan of the terms' ``outcome``: covered, partly, or exhausted
    (the customer pays, and the overage when billed)."""
    if float_is_zero(outcome.overage, precision_digits=PRECISION):
        return Plan("entitlement", "covered", *shares, outcome=outcome)
    if float_compare(outcome.covered, 0.0, precision_digits=PRECISION) > 0:
        return Plan("entitlement", "partial", *shares, outcome=outcome)
    return Plan("customer", "exhausted", outcome=outcome)


def _terms_outcome(facts, live):
    """What the terms give: as the ledger holds it, or as the limit policy
    would decide it now."""
    if live:
        covered, overage, billed = live
        return policy.Outcome(
            covered,
            overage,
            billed=bool(billed and not float_is_zero(overage, PRECISION)),
        )
    return policy.decide(
        _read(facts, "limit_policy"),
        _read(facts, "need"),
        _read(facts, "left"),
        _read(facts, "override"),
    )


def line_covered(plan, kind, part_warranty=False, excluded=False, discount=0.0):
    """What is paid for of one line of the repair, in percent: a part under
    its part warranty in full; a part or service no coverage pays for
    (``excluded``) nothing but the contract's ``discount``; otherwise the
    plan's share of its ``kind`` ('parts' or 'labor'), then the contract's
    discount on what is left."""
    if part_warranty:
        return 100.0
    if excluded:
        return combine_percents(0.0, discount)
    share = plan.parts_percent if kind == "parts" else plan.labor_percent
    return combine_percents(share, discount)
