"""Following the event feed: everything after a position from the table, then live events,
with nothing lost or repeated where the two meet."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence

from domain.outbox.broadcaster import Broadcaster, Lagged
from domain.services import event_feed
from domain.services.event_feed import FeedEvent


async def follow(broadcaster: Broadcaster, after: int, types: Sequence[str] | None = None,
                 page: int = event_feed.MAX_PAGE) -> AsyncIterator[FeedEvent]:
    """Partner-visible events with id > `after`, oldest first, forever.

    Registering with the broadcaster comes first: its watermark W then splits the feed into
    what the table holds (ids up to W, read in pages) and what the queue will bring (ids above
    W). A subscription that lags (it fell behind, or the feed was reset) registers again and
    reads the table from where it got to.
    """
    wanted = set(event_feed.partner_types(types))
    last = after
    while True:
        sub = broadcaster.subscribe()
        try:
            watermark = sub.watermark
            while last < watermark:
                rows = await event_feed.read_after(last, types=types, limit=page, upto=watermark)
                for event in rows:
                    last = event.id
                    yield event
                if len(rows) < page:
                    break
            last = max(last, watermark)
            while True:
                event = await sub.get()
                if event.id <= last:
                    continue
                last = event.id
                if event.type in wanted:
                    yield event
        except Lagged:
            continue
        finally:
            sub.close()
