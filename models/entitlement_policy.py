"""What an entitlement's limit policy does with a need on a balance.

One pure function, with no ORM in it, serves the repair's verdict, the
customer's share before confirming and the ledger when it consumes: the same
numbers give the same answer everywhere.
"""

from typing import NamedTuple

from odoo.tools import float_is_zero

PRECISION = 2


class Outcome(NamedTuple):
    """``covered`` is taken from the terms, ``overage`` goes beyond them;
    ``blocked``: the policy refuses the document; ``billed``: the overage
    goes to billing; ``warned``: it goes beyond the terms under a warning."""

    covered: float
    overage: float
    blocked: bool = False
    billed: bool = False
    warned: bool = False


def split(need, left):
    """(covered, overage) of ``need`` when ``left`` is left (a balance below
    zero covers nothing)."""
    covered = min(need, max(left, 0.0))
    return covered, need - covered


def decide(policy, need, left, override=None):
    """The :class:`Outcome` of ``need`` on ``left`` under ``policy`` (block,
    warn or bill). ``override`` is the decision an entitlement manager stored
    on the document to go beyond a blocking entitlement ({"bill": bool}), or
    None."""
    covered, overage = split(need, left)
    if float_is_zero(overage, precision_digits=PRECISION):
        return Outcome(covered, 0.0)
    if policy == "block":
        if override is None:
            return Outcome(covered, overage, blocked=True)
        return Outcome(covered, overage, billed=bool(override.get("bill")))
    if policy == "warn":
        return Outcome(covered, overage, warned=True)
    return Outcome(covered, overage, billed=True)


def remaining_percent(total, remaining):
    """The share of the terms left, in percent (0 for no terms)."""
    return 100.0 * remaining / total if total > 0 else 0.0


def terms_low(percent, threshold):
    """Whether terms at ``percent`` left have fallen to the alert
    ``threshold`` (percent)."""
    return percent <= threshold


def channel_left(left, allowed, used):
    """What a channel may still use: the entitlement's ``left``, within the
    channel's ``allowed`` terms of which it ``used`` some."""
    return min(left, allowed - used)


def combine_percents(*percents):
    """One percentage off that does what the percentages off do one after
    the other: 50 % covered, then 10 % off what is left, is 55 % off."""
    left = 1.0
    for percent in percents:
        left *= 1.0 - (percent or 0.0) / 100.0
    return 100.0 - left * 100.0
