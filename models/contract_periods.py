"""Periods and month parts of service contracts, as Business Central counts
them: plain functions of dates, used by invoicing, credits and previews.

A span of days is charged ``annual amount / 12 x months``, where each whole
calendar month counts 1 and a part of a month counts its days over that
month's days: 1 February to 30 November is 10 months, 10 to 31 January is
22/31 of a month.
"""

import calendar
from datetime import timedelta
from typing import NamedTuple

from dateutil.relativedelta import relativedelta

PRORATION_METHODS = [
    ("month_parts", "Month parts (Business Central)"),
    ("days", "Days of the period"),
]
PERIOD_ALIGNMENTS = [
    ("first_month", "From the first whole month"),
    ("calendar", "Calendar"),
]
ONE_DAY = timedelta(days=1)


class MonthSlice(NamedTuple):
    """The days of one calendar month within a span, and the part of the
    month they are (1.0 for the whole month)."""

    start: object
    end: object
    part: float


def month_end(day):
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def month_slices(start, end):
    """The span ``start``..``end`` (both included) cut at month ends."""
    slices = []
    first = start
    while first <= end:
        last = min(month_end(first), end)
        days_in_month = calendar.monthrange(first.year, first.month)[1]
        days = (last - first).days + 1
        slices.append(
            MonthSlice(
                first, last, 1.0 if days == days_in_month else days / days_in_month
            )
        )
        first = last + ONE_DAY
    return slices


def month_parts(start, end):
    """Months from ``start`` to ``end`` (both included), whole months
    counting 1 and parts of a month their share of its days."""
    return sum(piece.part for piece in month_slices(start, end))


def first_whole_month(day):
    """First day of the first whole month from ``day`` on."""
    if day.day == 1:
        return day
    return day.replace(day=1) + relativedelta(months=1)


def grid_period(anchor, months, day):
    """The period of ``months`` months, on the grid that starts on
    ``anchor``, that holds ``day`` (before or after the anchor)."""
    delta = relativedelta(day.replace(day=1), anchor.replace(day=1))
    offset = delta.years * 12 + delta.months
    start = anchor + relativedelta(months=offset // months * months)
    if start > day:  # the anchor is not the first of its month
        start -= relativedelta(months=months)
    end = start + relativedelta(months=months) - ONE_DAY
    return start, end
