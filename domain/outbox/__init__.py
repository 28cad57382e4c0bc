"""After commit: handing events from the outbox table to live subscribers.

The relay reads the event table in id order and publishes what is new to a sink: the
in-process broadcaster (embedded mode) or a Redis channel that every API process's fan-out
listens to and feeds into its own broadcaster. Subscribers register with the broadcaster and
read the table for anything older, so nothing is lost or repeated at the seam.

A process that commits events and wants them out at once calls `relay.wake()` (or awaits
`relay.publish_pending()`); the relay publishes everything committed so far, in id order.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from domain.outbox.broadcaster import Broadcaster, Lagged, LocalSink, Subscription
from domain.outbox.relay import EventSink, OutboxRelay

if TYPE_CHECKING:
    from domain.settings import Settings


def make_sink(settings: Settings, broadcaster: Broadcaster) -> EventSink:
    """Where this process's relay publishes: Redis when configured, else the broadcaster."""
    if settings.redis_url:
        from domain.outbox.redis_fanout import RedisFanout

        return RedisFanout(settings.redis_url, broadcaster, prefix=settings.redis_prefix)
    return LocalSink(broadcaster)


def make_relay(settings: Settings, sink: EventSink) -> OutboxRelay:
    return OutboxRelay(sink, interval=settings.relay_interval_ms / 1000, gap_grace=settings.relay_gap_grace_ms / 1000)


__all__ = ["Broadcaster", "EventSink", "Lagged", "LocalSink", "OutboxRelay", "Subscription", "make_relay",
           "make_sink"]
