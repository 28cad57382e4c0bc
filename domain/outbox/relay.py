"""The outbox relay: publishes committed events, in id order, to a sink.

Ids are handed out when a row is inserted, not when its transaction commits, so on PostgreSQL
a later id can become visible before an earlier one. The relay publishes only an unbroken run
of ids; a missing id is waited for (`gap_grace` seconds) before it is taken for a rolled-back
transaction and skipped. After commit, a caller can `wake()` the relay instead of waiting for
its next poll; `publish_pending()` publishes everything committed so far, in order.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from typing import Protocol

from domain.services import event_feed
from domain.services.event_feed import FeedEvent

log = logging.getLogger("suixing.outbox")


class EventSink(Protocol):
    async def position(self, table_top: int) -> int:
        """Where publishing resumes: the id of the last event already published."""

    async def lead(self) -> bool:
        """Whether this relay may publish now (one leader among processes sharing a sink)."""

    async def publish(self, events: Sequence[FeedEvent]) -> None: ...

    async def reset(self, watermark: int) -> None: ...


class OutboxRelay:
    def __init__(self, sink: EventSink, *, interval: float = 0.2, gap_grace: float = 2.0,
                 batch: int = 500) -> None:
        self.sink = sink
        self.interval = interval
        self.gap_grace = gap_grace
        self.batch = batch
        self.published = 0
        self.last: int | None = None
        self._gaps: dict[int, float] = {}
        self._wake = asyncio.Event()

    def wake(self) -> None:
        self._wake.set()

    async def publish_pending(self) -> int:
        """Publish every committed event not yet published; returns how many."""
        if not await self.sink.lead():
            self.last = None  # whoever leads now moves the position on
            return 0
        top = await event_feed.last_id()
        if self.last is None:
            self.last = await self.sink.position(top)
        if top < self.last:
            # The table was restored or emptied: start again from where it now ends.
            log.warning("event table went back from %s to %s; resetting the feed", self.last, top)
            self.last = top
            self._gaps.clear()
            await self.sink.reset(top)
            return 0
        total = 0
        while top > self.last:
            rows = await event_feed.read_after(self.last, limit=self.batch, partner_only=False)
            ready = self._unbroken(rows, time.monotonic())
            if not ready:
                break
            await self.sink.publish(ready)
            self.last = ready[-1].id
            self.published += len(ready)
            total += len(ready)
            if len(ready) < len(rows) or len(rows) < self.batch:
                break
        self._gaps = {k: v for k, v in self._gaps.items() if k > (self.last or 0)}
        return total

    def _unbroken(self, rows: list[FeedEvent], now: float) -> list[FeedEvent]:
        expected = (self.last or 0) + 1
        ready: list[FeedEvent] = []
        for event in rows:
            if event.id != expected:
                first_seen = self._gaps.setdefault(expected, now)
                if now - first_seen < self.gap_grace:
                    break
                log.info("events %s..%s never committed; skipping them", expected, event.id - 1)
            ready.append(event)
            expected = event.id + 1
        return ready

    async def run(self) -> None:
        """Poll until cancelled, publishing at once when woken; after a failure (the database
        or Redis away) wait longer between tries, up to five seconds."""
        failures = 0
        while True:
            try:
                await self.publish_pending()
                failures = 0
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - keep relaying through a passing database or Redis error
                failures += 1
                if failures == 1 or failures % 50 == 0:
                    log.exception("outbox relay pass failed (%d in a row)", failures)
            wait = self.interval if not failures else min(self.interval * 2 ** failures, 5.0)
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=wait)
            except TimeoutError:
                pass
            self._wake.clear()
