"""The outbox relay and the broadcaster: events reach followers once each, in id order."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from domain.models import Event
from domain.outbox import Broadcaster, Lagged, LocalSink, OutboxRelay
from domain.outbox.follow import follow
from domain.services import events
from domain.services.event_feed import FeedEvent
from tests.conftest import START


def feed_event(n: int) -> FeedEvent:
    return FeedEvent(n, "LOAN_OVERDUE", datetime(2026, 1, 5, tzinfo=UTC), START, None, None, {"n": n})


async def add(n: int) -> list[int]:
    return [(await events.append("LOAN_OVERDUE", business_date=START, data={"i": i})).id for i in range(n)]


def test_the_broadcaster_hands_each_event_out_once_in_order():
    broadcaster = Broadcaster()
    sub = broadcaster.subscribe()
    broadcaster.dispatch([feed_event(1), feed_event(2)])
    broadcaster.dispatch([feed_event(2), feed_event(3)])  # 2 again, as a second publisher might
    later = broadcaster.subscribe()
    assert (sub.watermark, later.watermark) == (0, 3)
    assert [e.id for e in sub._items] == [1, 2, 3] and not later._items


async def test_a_subscription_that_falls_too_far_behind_is_told_to_go_back_to_the_table():
    broadcaster = Broadcaster(max_queue=2)
    sub = broadcaster.subscribe()
    broadcaster.dispatch([feed_event(1), feed_event(2), feed_event(3)])
    with pytest.raises(Lagged):
        await sub.get()


async def test_the_relay_publishes_new_events_in_order_starting_at_the_tables_end(db):
    await add(2)
    broadcaster = Broadcaster()
    relay = OutboxRelay(LocalSink(broadcaster))
    assert await relay.publish_pending() == 0  # what was there before is the table's, not news
    sub = broadcaster.subscribe()
    ids = await add(3)
    assert await relay.publish_pending() == 3
    assert [(await sub.get()).id for _ in ids] == ids


async def test_the_relay_waits_for_a_missing_id_then_skips_it(db):
    broadcaster = Broadcaster()
    relay = OutboxRelay(LocalSink(broadcaster), gap_grace=3600)
    await relay.publish_pending()
    first = await add(1)
    # An id taken by a transaction that has not committed yet: the next one is visible first.
    await Event.create(id=first[0] + 2, type="LOAN_OVERDUE", occurred_at=datetime.now(UTC), business_date=START)
    assert await relay.publish_pending() == 1
    assert broadcaster.watermark == first[0]
    await Event.create(id=first[0] + 1, type="LOAN_OVERDUE", occurred_at=datetime.now(UTC), business_date=START)
    assert await relay.publish_pending() == 2
    assert broadcaster.watermark == first[0] + 2

    impatient = OutboxRelay(LocalSink(Broadcaster()), gap_grace=0)
    await impatient.publish_pending()
    await Event.create(id=first[0] + 4, type="LOAN_OVERDUE", occurred_at=datetime.now(UTC), business_date=START)
    assert await impatient.publish_pending() == 1  # id + 3 never came: skipped
    assert impatient.last == first[0] + 4


async def test_the_relay_starts_again_when_the_table_is_emptied(db):
    broadcaster = Broadcaster()
    relay = OutboxRelay(LocalSink(broadcaster))
    await add(3)
    await relay.publish_pending()
    sub = broadcaster.subscribe()
    await Event.all().delete()
    await relay.publish_pending()
    assert relay.last == 0 and broadcaster.watermark == 0
    with pytest.raises(Lagged):
        await sub.get()


async def test_a_follower_gets_the_table_then_live_events_and_survives_a_lag(db):
    broadcaster = Broadcaster()
    relay = OutboxRelay(LocalSink(broadcaster))
    before = await add(3)
    await relay.publish_pending()
    stream = follow(broadcaster, 0)
    got = [(await anext(stream)).id for _ in before]
    live = await add(2)
    await relay.publish_pending()
    got += [(await asyncio.wait_for(anext(stream), 5)).id for _ in live]
    # A reset makes the follower read the table again from where it got to: nothing twice.
    pending = asyncio.ensure_future(anext(stream))
    await asyncio.sleep(0)
    broadcaster.reset(broadcaster.watermark)
    more = await add(2)
    await relay.publish_pending()
    got.append((await asyncio.wait_for(pending, 5)).id)
    got.append((await asyncio.wait_for(anext(stream), 5)).id)
    await stream.aclose()
    assert got == before + live + more
