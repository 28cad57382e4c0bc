from __future__ import annotations

from collections.abc import AsyncGenerator

import strawberry

from api.common.ids import from_cursor
from api.context import Info
from api.events.types import EVENT_CURSOR, Event, EventType, type_names
from api.permissions import CanReadEvents
from domain.outbox.follow import follow


@strawberry.type
class EventSubscriptions:
    @strawberry.subscription(
        description="Partners: every event after `after` (from the start when omitted), then live ones, in order.",
        permission_classes=[CanReadEvents],
    )
    async def events(self, info: Info, after: str | None = None,
                     types: list[EventType] | None = None) -> AsyncGenerator[Event, None]:
        state = info.context.state
        assert state is not None, "subscriptions need the running application"
        start = from_cursor(after, EVENT_CURSOR)
        state.metrics.subscriptions_open.inc()
        try:
            async for event in follow(state.broadcaster, start, type_names(types)):
                yield Event.from_feed(event)
        finally:
            state.metrics.subscriptions_open.dec()
