"""The outbox relay: every committed event out once, in order; nothing lost while Redis is away."""

from __future__ import annotations

import asyncio
import json
from datetime import date
from decimal import Decimal

import pytest
import redis.asyncio as aioredis

from domain.commands import Repay
from domain.db import conn, sql
from domain.models import Event, Installment
from domain.money import from_fen
from domain.outbox.broadcaster import Broadcaster
from domain.outbox.redis_fanout import RedisFanout
from domain.services.repay import repay
from tests.factories import make_borrower, make_line, make_loan
from tests.workers.conftest import (
    ListPublisher,
    Recorder,
    RedisServer,
    arq_pool,
    run_burst,
    unique_prefix,
)
from workers.queues import redis_queue_name
from workers.relay import Relay


async def borrowers_draw_and_repay(n: int) -> None:
    for _ in range(n):
        borrower = await make_borrower()
        await make_line(borrower)
        loan = await make_loan(borrower, "1500.00", months=3)
        first = await Installment.get(loan_id=loan.id, number=1)
        await repay(Repay(borrower.id, loan.id, from_fen(first.interest_fen) + Decimal("10.00"),
                          f"pay-{loan.id}"))


async def all_event_ids() -> list[int]:
    return [e.id for e in await Event.all().order_by("id")]


async def test_committed_events_go_out_in_order_and_are_marked_relayed(db):
    await borrowers_draw_and_repay(3)
    publisher, recorder = ListPublisher(), Recorder()
    relay = Relay(publisher, recorder, batch=4)
    assert await relay.relay_once() == len(await all_event_ids())
    assert [e.id for e in publisher.events] == await all_event_ids()
    assert await Event.filter(relayed_at=None).count() == 0
    assert await relay.relay_once() == 0  # nothing new: nothing twice
    assert len(publisher.events) == len(await all_event_ids())


async def test_repayments_ask_for_the_model_to_learn_and_limits_to_refresh(db):
    await borrowers_draw_and_repay(1)
    recorder = Recorder()
    await Relay(ListPublisher(), recorder).relay_once()
    assert sorted(recorder.jobs()) == ["learn_outcomes", "refresh_limits"]


async def test_when_subscribers_are_unreachable_events_wait_and_then_go_out_once_in_order(db):
    await borrowers_draw_and_repay(1)
    publisher = ListPublisher()
    relay = Relay(publisher, Recorder())
    await relay.relay_once()
    publisher.down = True
    await borrowers_draw_and_repay(2)
    with pytest.raises(ConnectionError):
        await relay.relay_once()
    waiting = await Event.filter(relayed_at=None).count()
    assert waiting > 0
    publisher.down = False
    assert await relay.relay_once() == waiting
    assert [e.id for e in publisher.events] == await all_event_ids()


async def insert_event(event_id: int) -> None:
    client = conn()
    pg = client.capabilities.dialect == "postgres"
    await client.execute_query(
        sql(client, "INSERT INTO event (id, type, occurred_at, business_date, data) VALUES (?, 'TEST', "
                    + ("CAST(? AS TIMESTAMPTZ), CAST(? AS DATE), '{}')" if pg else "?, ?, '{}')")),
        [event_id, *((__import__("datetime").datetime.now(__import__("datetime").UTC), date(2026, 1, 5)) if pg
                     else ("2026-01-05 00:00:00.000000+00:00", "2026-01-05"))],
    )


async def test_an_event_after_a_missing_id_waits_for_it(db):
    await insert_event(1)
    await insert_event(3)  # 2 is being written by a transaction that has not committed
    publisher = ListPublisher()
    relay = Relay(publisher, batch=10, gap_grace_s=3600)
    await relay.relay_once()
    assert [e.id for e in publisher.events] == [1]
    await insert_event(2)
    await relay.relay_once()
    assert [e.id for e in publisher.events] == [1, 2, 3]


async def test_a_missing_id_given_up_on_is_still_relayed_if_it_commits_late(db):
    await insert_event(1)
    await insert_event(3)
    publisher = ListPublisher()
    relay = Relay(publisher, batch=10, gap_grace_s=0)
    await relay.relay_once()
    assert [e.id for e in publisher.events] == [1, 3]
    await insert_event(2)
    await relay.relay_once()
    assert [e.id for e in publisher.events] == [1, 3, 2]
    assert await Event.filter(relayed_at=None).count() == 0


class ChannelListener:
    """A subscriber on the events channel, as an API process listens to it."""

    def __init__(self, url: str, channel: str) -> None:
        self.url, self.channel = url, channel
        self.ids: list[int] = []
        self._task: asyncio.Task | None = None

    async def start(self) -> None:
        ready = asyncio.Event()
        self._task = asyncio.create_task(self._listen(ready))
        await asyncio.wait_for(ready.wait(), 10)

    async def _listen(self, ready: asyncio.Event) -> None:
        client = aioredis.from_url(self.url, decode_responses=True)
        pubsub = client.pubsub(ignore_subscribe_messages=True)
        await pubsub.subscribe(self.channel)
        ready.set()
        try:
            async for message in pubsub.listen():
                if message["type"] == "message":
                    self.ids += [e["id"] for e in json.loads(message["data"]).get("events", [])]
        finally:
            await pubsub.aclose()
            await client.aclose()

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)


async def wait_until(predicate, timeout: float = 10.0) -> None:
    async def loop():
        while not predicate():
            await asyncio.sleep(0.02)
    await asyncio.wait_for(loop(), timeout)


async def relay_until_it_succeeds(relay: Relay, tries: int = 50) -> int:
    for _ in range(tries):
        try:
            return await relay.relay_once()
        except Exception:  # noqa: BLE001 - the client reconnects to the restarted server
            await asyncio.sleep(0.1)
    raise AssertionError("the relay never got through")


async def test_redis_stopped_while_borrowers_draw_and_repay_loses_no_event_and_repeats_none(db):
    server = RedisServer()
    server.start()
    prefix = unique_prefix()
    publisher = RedisFanout(server.url, Broadcaster(), prefix=prefix)
    relay = Relay(publisher, batch=50)
    listener = ChannelListener(server.url, f"{prefix}:events")
    try:
        await listener.start()
        await borrowers_draw_and_repay(2)
        await relay.relay_once()
        before = len(await all_event_ids())
        await wait_until(lambda: len(listener.ids) == before)
        await listener.stop()

        server.stop()
        await borrowers_draw_and_repay(3)  # the business goes on without Redis
        for _ in range(3):
            with pytest.raises(Exception):  # noqa: B017 - whatever the client raises, nothing is marked
                await relay.relay_once()
        assert await Event.filter(relayed_at=None).count() == len(await all_event_ids()) - before

        server.start()
        listener.channel = f"{prefix}:events"
        await listener.start()
        await relay_until_it_succeeds(relay)
        everything = await all_event_ids()
        await wait_until(lambda: len(listener.ids) >= len(everything))
        assert listener.ids == everything
        assert await Event.filter(relayed_at=None).count() == 0
    finally:
        await listener.stop()
        await publisher.stop()
        server.stop()


async def test_the_relay_job_in_an_arq_worker_hands_follow_up_jobs_to_their_queues(db, redis_url, settings):
    await borrowers_draw_and_repay(1)
    pool = await arq_pool(redis_url)
    await pool.enqueue_job("relay", _queue_name=redis_queue_name(settings, "default"))
    publisher = ListPublisher()
    worker = await run_burst(redis_url, settings, publisher=publisher)
    # The relay, then the limit refresh it asked for; the model's update waits on its own queue.
    assert worker.jobs_failed == 0 and worker.jobs_complete == 2
    assert [e.id for e in publisher.events] == await all_event_ids()
    assert await pool.zcard(redis_queue_name(settings, "learning")) == 1
    learning = await run_burst(redis_url, settings, "learning")
    assert learning.jobs_complete == 1 and learning.jobs_failed == 0
    await pool.aclose()
