"""The relay as a job: arq starts it every second; each run relays for most of that second."""

from __future__ import annotations

import asyncio
import time
from typing import Any

# A run stops short of a second so that the next one (another worker's, perhaps) takes over.
RUN_FOR_S = 0.8


async def relay(ctx: dict[str, Any]) -> int:
    settings = ctx["settings"]
    relayer = ctx["relay"]
    deadline = time.monotonic() + RUN_FOR_S
    total = 0
    while True:
        total += await relayer.relay_once()
        if time.monotonic() >= deadline:
            return total
        await asyncio.sleep(min(settings.relay_interval_ms / 1000, max(deadline - time.monotonic(), 0)))
