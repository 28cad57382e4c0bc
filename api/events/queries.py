from __future__ import annotations

import strawberry

from api.common.ids import from_cursor
from api.common.pagination import page_info, page_size
from api.context import Info
from api.events.types import EVENT_CURSOR, Event, EventConnection, EventEdge, EventType, type_names
from api.permissions import CanReadEvents
from domain.services import event_feed


@strawberry.type
class EventQueries:
    @strawberry.field(description="Partners: the event log, oldest first.", permission_classes=[CanReadEvents])
    async def events(self, info: Info, after: str | None = None, types: list[EventType] | None = None,
                     first: int | None = 100) -> EventConnection:
        start = from_cursor(after, EVENT_CURSOR)
        limit = page_size(first, default=event_feed.MAX_PAGE)
        rows = await event_feed.read_after(start, types=type_names(types), limit=limit + 1)
        edges = [EventEdge(cursor=e.cursor, node=e) for e in map(Event.from_feed, rows[:limit])]
        return EventConnection(edges=edges, page_info=page_info([e.cursor for e in edges], has_next=len(rows) > limit,
                                                                has_previous=start > 0))
