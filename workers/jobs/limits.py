"""Limits that move: the decision engine's set-based refresh, for lines whose behaviour or score changed."""

from __future__ import annotations

from typing import Any

from domain.services.calendar import business_date


async def refresh_limits(ctx: dict[str, Any]) -> dict[str, int]:
    # Imported here: the decision engine brings the credit model's libraries, slow to load at start-up.
    from domain.services import limits

    changes = await limits.refresh_limits(await business_date(), settings=ctx["settings"])
    return {"changed": len(changes)}
