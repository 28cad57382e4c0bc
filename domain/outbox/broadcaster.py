"""The in-process broadcaster: one queue per live subscription, fed in event-id order.

The broadcaster remembers the highest id it has handed out (its watermark). A subscription
records the watermark at the moment it registers: everything up to it is in the table, and
everything after it will arrive on the queue. A subscription that falls too far behind, or
that sees the feed reset, is marked lagged and goes back to the table.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Sequence

from domain.services.event_feed import FeedEvent

DEFAULT_MAX_QUEUE = 10_000


class Lagged(Exception):
    """The subscription missed events it can only get back from the table."""


class Subscription:
    def __init__(self, owner: Broadcaster, watermark: int, max_queue: int) -> None:
        self.watermark = watermark
        self.lagged = False
        self._owner = owner
        self._max = max_queue
        self._items: deque[FeedEvent] = deque()
        self._ready = asyncio.Event()

    def push(self, event: FeedEvent) -> None:
        if len(self._items) >= self._max:
            self.lag()
            return
        self._items.append(event)
        self._ready.set()

    def lag(self) -> None:
        self.lagged = True
        self._items.clear()
        self._ready.set()

    async def get(self) -> FeedEvent:
        while not self._items:
            if self.lagged:
                raise Lagged()
            self._ready.clear()
            await self._ready.wait()
        return self._items.popleft()

    def close(self) -> None:
        self._owner.unsubscribe(self)

    def __enter__(self) -> Subscription:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class Broadcaster:
    def __init__(self, max_queue: int = DEFAULT_MAX_QUEUE) -> None:
        self.watermark = 0
        self.delivered = 0
        self._max_queue = max_queue
        self._subs: set[Subscription] = set()

    @property
    def open_subscriptions(self) -> int:
        return len(self._subs)

    def subscribe(self) -> Subscription:
        sub = Subscription(self, self.watermark, self._max_queue)
        self._subs.add(sub)
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        self._subs.discard(sub)

    def dispatch(self, events: Sequence[FeedEvent]) -> None:
        """Hand out events newer than the watermark, in order; older ones were seen already."""
        for event in events:
            if event.id <= self.watermark:
                continue
            self.watermark = event.id
            self.delivered += 1
            for sub in self._subs:
                sub.push(event)

    def reset(self, watermark: int) -> None:
        """The feed restarts at `watermark` (a reconnect, or a restored table): every live
        subscription goes back to the table for what it may have missed."""
        self.watermark = watermark
        for sub in self._subs:
            sub.lag()


class LocalSink:
    """The relay's sink in embedded mode: straight into this process's broadcaster."""

    def __init__(self, broadcaster: Broadcaster) -> None:
        self.broadcaster = broadcaster

    async def position(self, table_top: int) -> int:
        # Nobody can have subscribed before this process started: begin at the table's end.
        self.broadcaster.reset(table_top)
        return table_top

    async def lead(self) -> bool:
        return True

    async def publish(self, events: Sequence[FeedEvent]) -> None:
        self.broadcaster.dispatch(events)

    async def reset(self, watermark: int) -> None:
        self.broadcaster.reset(watermark)
