"""Calendar arithmetic used by schedules and overdue rules. Pure: no clock."""

from __future__ import annotations

import calendar
from datetime import date


def add_months(start: date, months: int) -> date:
    """The same day of the month ``months`` later, clamped to the month's last day.

    Always counted from the original date, so a loan drawn on 31 January falls due on
    28/29 February, 31 March, 30 April, ...
    """
    month_index = start.month - 1 + months
    year = start.year + month_index // 12
    month = month_index % 12 + 1
    day = min(start.day, calendar.monthrange(year, month)[1])
    return date(year, month, day)


def days_between(start: date, end: date) -> int:
    return (end - start).days
