"""Close of business, shared by several workers: plan ranges, run each as a job, finish once."""

from __future__ import annotations

import logging
from typing import Any

from domain.models import CloseRange, CloseRun
from domain.services import cob_partitions as parts
from domain.services.calendar import business_date

log = logging.getLogger("suixing.close")


async def close_of_business(ctx: dict[str, Any], *, force: bool = False, catch_up: bool = True) -> dict[str, Any]:
    """Close the current business date once the calendar day it stands for has ended (or at once with
    `force`). With `catch_up`, a close that leaves the date still behind the calendar starts the next."""
    today = await business_date()
    if not force and not await parts.day_has_ended(today):
        return {"closed": None, "reason": f"business date {today} has not ended yet"}
    ranges = await parts.plan_close(settings=ctx["settings"], today=today)
    if not ranges:
        return {"closed": None, "reason": f"business date {today} is closed already"}
    return await _drive(ctx, ranges, catch_up=catch_up)


async def resume_close(ctx: dict[str, Any]) -> dict[str, Any]:
    """Pick up a close that was planned but not finished; nothing otherwise."""
    today = await business_date()
    if await CloseRun.exists(closed_date=today):
        return {"resumed": None}
    ranges = list(await CloseRange.filter(closed_date=today).order_by("lo"))
    if not ranges:
        return {"resumed": None}
    return await _drive(ctx, ranges, catch_up=True)


async def close_range(ctx: dict[str, Any], range_id: int, catch_up: bool = False) -> dict[str, Any]:
    outcome = await parts.run_range(range_id, settings=ctx["settings"])
    summary: dict[str, Any] = {"range": range_id, "ran": outcome.ran, "date": outcome.closed_date.isoformat()}
    if not await parts.pending_ranges(outcome.closed_date):
        summary.update(await _finish(ctx, outcome.closed_date, catch_up=catch_up))
    return summary


async def _drive(ctx: dict[str, Any], ranges: list[CloseRange], *, catch_up: bool) -> dict[str, Any]:
    closed_date = ranges[0].closed_date
    pending = [r for r in ranges if r.status != "DONE"]
    for r in pending:
        # The id makes a second ask for the same range a no-op while the first is waiting or running.
        await ctx["enqueue"]("close_range", r.id, catch_up, job_id=f"close_range:{r.id}")
    summary: dict[str, Any] = {"date": closed_date.isoformat(), "ranges": len(ranges), "enqueued": len(pending)}
    if not pending:
        summary.update(await _finish(ctx, closed_date, catch_up=catch_up))
    return summary


async def _finish(ctx: dict[str, Any], closed_date, *, catch_up: bool) -> dict[str, Any]:
    result = await parts.finalize_close(closed_date, settings=ctx["settings"])
    if result is None:
        return {"finished": False}
    log.info("closed business date %s -> %s: %s", result.closed_date, result.new_date, result.stats)
    await ctx["enqueue"]("close_pool_periods", job_id=f"close_pool_periods:{result.new_date.isoformat()}")
    if catch_up and await parts.day_has_ended(result.new_date):
        await ctx["enqueue"]("close_of_business", job_id=f"close_of_business:{result.new_date.isoformat()}")
    return {"finished": True, "new_date": result.new_date.isoformat()}
