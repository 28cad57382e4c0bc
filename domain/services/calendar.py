"""The business date: "today" for every rule. Close of business moves it."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from domain.models import BusinessDay

SHANGHAI = ZoneInfo("Asia/Shanghai")


def utcnow() -> datetime:
    return datetime.now(UTC)


def local_today() -> date:
    return datetime.now(SHANGHAI).date()


async def business_date() -> date:
    """The current business date, starting from the calendar date in Shanghai on first use."""
    row = await BusinessDay.get_or_none(id=1)
    if row is None:
        row, _ = await BusinessDay.get_or_create(id=1, defaults={"today": local_today()})
    return row.today


async def set_business_date(day: date) -> None:
    updated = await BusinessDay.filter(id=1).update(today=day)
    if not updated:
        await BusinessDay.create(id=1, today=day)
