"""Close of business in loan-id ranges, so that several workers share one close.

A close of business date D is planned as ranges of open loan ids covering every id (the last range
is open-ended, so a loan drawn while the close runs is not lost). Each range brings its loans to
D + 1 in one transaction that also marks the range done: a range that crashes rolls back whole
and runs again, and `closed_through` keeps a loan from being closed twice for a date. When every
range is done, one finishing step freezes lines with overdue loans, records the CloseRun and
advances the business date, also in one transaction."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F
from tortoise.transactions import in_transaction

from domain.db import conn, dialect, sql
from domain.models import BusinessDay, CloseRange, CloseRun
from domain.services import cob
from domain.services.calendar import business_date, local_today, utcnow
from domain.settings import Settings, get_settings

# The upper end of the last range: every id a loan can have.
TOP_ID = 2**63 - 1


@dataclass
class RangeOutcome:
    range_id: int
    closed_date: date
    ran: bool
    stats: dict[str, Any] = field(default_factory=dict)


class _Rollback(Exception):
    """The business date moved while the close finished: undo the finishing step."""


def _day(client, value: date) -> Any:
    return value if dialect(client) == "postgres" else value.isoformat()


def _as_date(client) -> str:
    return "CAST(? AS DATE)" if dialect(client) == "postgres" else "?"


async def day_has_ended(today: date | None = None) -> bool:
    """A business date may close once the calendar in Shanghai has moved past it."""
    return (today or await business_date()) < local_today()


async def plan_close(*, settings: Settings | None = None, today: date | None = None) -> list[CloseRange]:
    """The ranges of the close of the current business date, planned once: a second call (a retried
    job, another worker) gets the same ranges. Nothing when the date has already been closed."""
    settings = settings or get_settings()
    today = today or await business_date()
    if await CloseRun.exists(closed_date=today):
        return []
    existing = await CloseRange.filter(closed_date=today).order_by("lo")
    if existing:
        return list(existing)
    size = max(int(settings.close_range_size), 1)
    client = conn()
    starts = await client.execute_query_dict(
        sql(client, "SELECT id FROM (SELECT id, ROW_NUMBER() OVER (ORDER BY id) AS rn FROM loan "
                    f"WHERE {cob.OPEN} AND closed_through < {_as_date(client)}) t WHERE (rn - 1) % ? = 0 ORDER BY id"),
        [_day(client, today + timedelta(days=1)), size],
    )
    bounds = [int(r["id"]) for r in starts][1:]
    los = [0, *bounds]
    his = [b - 1 for b in bounds] + [TOP_ID]
    await client.execute_many(
        sql(client, f"INSERT INTO close_range (closed_date, lo, hi, status, attempts, stats) "
                    f"VALUES ({_as_date(client)}, ?, ?, 'PENDING', 0, '{{}}') "
                    "ON CONFLICT (closed_date, lo, hi) DO NOTHING"),
        [[_day(client, today), lo, hi] for lo, hi in zip(los, his, strict=True)],
    )
    return list(await CloseRange.filter(closed_date=today).order_by("lo"))


async def run_range(range_id: int, *, settings: Settings | None = None) -> RangeOutcome:
    """Close one range's loans and mark it done, in one transaction."""
    settings = settings or get_settings()
    rng = await CloseRange.get(id=range_id)
    if rng.status == "DONE" or await business_date() != rng.closed_date:
        return RangeOutcome(rng.id, rng.closed_date, ran=False, stats=rng.stats)
    # Committed on its own: a try that dies inside the transaction below still leaves its count.
    await CloseRange.filter(id=rng.id).update(attempts=F("attempts") + 1, started_at=utcnow())
    target = rng.closed_date + timedelta(days=1)
    async with in_transaction() as tx:
        # On PostgreSQL the row lock makes a second runner of the same range wait, then see DONE.
        locked = await CloseRange.filter(id=rng.id).select_for_update().using_db(tx).first()
        if locked is None or locked.status == "DONE":
            return RangeOutcome(rng.id, rng.closed_date, ran=False, stats=locked.stats if locked else {})
        stats = await cob.close_loans(tx, target, settings, rng.lo, rng.hi)
        if settings.close_range_pause_ms:
            await asyncio.sleep(settings.close_range_pause_ms / 1000)
        await CloseRange.filter(id=rng.id).using_db(tx).update(status="DONE", finished_at=utcnow(), stats=stats)
    return RangeOutcome(rng.id, rng.closed_date, ran=True, stats=stats)


async def pending_ranges(closed_date: date) -> list[CloseRange]:
    return list(await CloseRange.filter(closed_date=closed_date).exclude(status="DONE").order_by("lo"))


async def finalize_close(closed_date: date, *, settings: Settings | None = None) -> cob.CloseResult | None:
    """Finish the close of `closed_date` once all its ranges are done; None while some are not, or
    when it was finished already."""
    settings = settings or get_settings()
    ranges = await CloseRange.filter(closed_date=closed_date)
    if not ranges or any(r.status != "DONE" for r in ranges):
        return None
    target = closed_date + timedelta(days=1)
    started = min((r.started_at for r in ranges if r.started_at), default=None) or utcnow()
    try:
        async with in_transaction() as tx:
            run = await CloseRun.create(closed_date=closed_date, started_at=started, using_db=tx)
            stats = _sum_stats(r.stats for r in ranges)
            # Loans none of the ranges reached (none, unless one was drawn after its range ran).
            stragglers = await cob.close_loans(tx, target, settings)
            stats = _sum_stats([stats, stragglers])
            stats["ranges"] = len(ranges)
            stats["lines_frozen"] = await cob.freeze_overdue_lines(tx, target)
            moved = await BusinessDay.filter(id=1, today=closed_date).using_db(tx).update(
                today=target, last_closed_at=utcnow())
            if not moved:
                raise _Rollback()
            run.finished_at = utcnow()
            run.stats = stats
            await run.save(using_db=tx)
    except (IntegrityError, _Rollback):
        return None
    return cob.CloseResult(closed_date, target, stats=stats)


def _sum_stats(parts) -> dict[str, Any]:
    total: dict[str, Any] = {}
    for part in parts:
        for key, value in (part or {}).items():
            if isinstance(value, int | float):
                total[key] = total.get(key, 0) + value
    return total
