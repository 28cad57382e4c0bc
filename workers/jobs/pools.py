"""Monthly collection periods of the pools, closed once close of business has passed their end."""

from __future__ import annotations

from typing import Any

from domain.services.pooling.periods import close_due_periods


async def close_pool_periods(ctx: dict[str, Any]) -> dict[str, Any]:
    periods = await close_due_periods(settings=ctx["settings"])
    return {"closed": [(p.pool_id, p.number) for p in periods]}
