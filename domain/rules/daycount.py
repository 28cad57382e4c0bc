"""Day counts: how a daily rate turns into the rate for a month or a period."""

from __future__ import annotations

import calendar
from datetime import date
from decimal import Decimal
from enum import StrEnum


class DayCount(StrEnum):
    THIRTY_360 = "THIRTY_360"
    ACT_365 = "ACT_365"
    ACT_360 = "ACT_360"


def nominal_monthly_rate(daily_rate: Decimal, day_count: DayCount) -> Decimal:
    """The monthly rate used to size a level instalment. Not rounded."""
    if day_count is DayCount.ACT_365:
        return daily_rate * 365 / 12
    return daily_rate * 30


def period_rate(daily_rate: Decimal, day_count: DayCount, start: date, end: date) -> Decimal:
    """The rate for the period from ``start`` to ``end``.

    THIRTY_360 counts every monthly period as 30 days, including periods that end on a
    clamped month end (31 January to 29 February). A period that is not a whole number of
    months counts 30/360 days. The ACT day counts use the actual number of days.
    """
    if end < start:
        raise ValueError(f"period ends ({end}) before it starts ({start})")
    if day_count is DayCount.THIRTY_360:
        return daily_rate * thirty_360_days(start, end)
    return daily_rate * (end - start).days


def thirty_360_days(start: date, end: date) -> int:
    months = (end.year - start.year) * 12 + end.month - start.month
    if _same_day_of_month(start, end):
        return 30 * months
    return 30 * months + min(end.day, 30) - min(start.day, 30)


def _same_day_of_month(start: date, end: date) -> bool:
    # Due dates are counted from the loan's start and clamped to the month end, so a date on
    # a month's last day may stand for a later day of the month (28 February for the 31st).
    if start.day == end.day:
        return True
    if _is_month_end(start) and end.day > start.day:
        return True
    return _is_month_end(end) and end.day < start.day


def _is_month_end(day: date) -> bool:
    return day.day == calendar.monthrange(day.year, day.month)[1]
