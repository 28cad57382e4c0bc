"""Embedded mode: the same jobs, on the same schedule, inside the API process, without Redis."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from domain.models import Event
from tests.factories import make_borrower, make_line, make_loan
from tests.workers.conftest import ListPublisher
from workers.embedded import EmbeddedRunner, run_embedded
from workers.schedule import SCHEDULE

SH = ZoneInfo("Asia/Shanghai")


def test_the_schedule_closes_five_minutes_after_midnight_and_reminds_every_ten_minutes():
    late = datetime(2026, 1, 5, 23, 58, tzinfo=SH).astimezone(UTC)
    by_job = {s.job: s.next_after(late) for s in SCHEDULE}
    assert by_job["close_of_business"] == datetime(2026, 1, 6, 0, 5, tzinfo=SH)
    assert by_job["send_reminders"] == datetime(2026, 1, 6, 0, 0, tzinfo=SH)
    after = by_job["send_reminders"]
    assert next(s for s in SCHEDULE if s.job == "send_reminders").next_after(after) == datetime(
        2026, 1, 6, 0, 10, tzinfo=SH)


async def test_the_embedded_relay_hands_new_events_to_the_broadcaster_until_stopped(db, settings):
    publisher = ListPublisher()
    stop = asyncio.Event()
    task = asyncio.create_task(run_embedded(stop, publisher=publisher, settings=settings))
    borrower = await make_borrower()
    await make_line(borrower)
    await make_loan(borrower, "700.00", months=3)
    expected = [e.id for e in await Event.all().order_by("id")]

    async def delivered():
        while [e.id for e in publisher.events] != expected:
            await asyncio.sleep(0.05)
    await asyncio.wait_for(delivered(), 20)
    stop.set()
    await asyncio.wait_for(task, 20)
    assert await Event.filter(relayed_at=None).count() == 0


async def test_a_job_id_already_waiting_is_not_asked_for_twice(db, settings):
    runner = EmbeddedRunner(settings, ListPublisher())
    assert await runner.enqueue("refresh_limits", job_id="refresh_limits:1", defer_s=60)
    assert not await runner.enqueue("refresh_limits", job_id="refresh_limits:1")
    for task in list(runner._active.values()):
        task.cancel()
    await asyncio.gather(*runner._active.values(), return_exceptions=True)


async def test_the_embedded_runner_honours_arqs_retry(db, ctx, worker_settings_for):
    from domain.models import Notification
    from tests.workers.test_webhook import Gateway, one_message, webhook_ctx

    gw = Gateway([500, 200])
    try:
        await webhook_ctx(ctx, worker_settings_for, gw.url)
        nid, now = await one_message(ctx)
        runner = EmbeddedRunner(ctx["settings"], ListPublisher())
        runner.ctx["notifier"] = ctx["notifier"]
        assert await runner.enqueue("deliver_reminder", nid, now, job_id=f"deliver_reminder:{nid}")
        await asyncio.wait_for(asyncio.gather(*runner._active.values()), 20)
        assert (await Notification.get(id=nid)).status == "SENT"
        assert len(gw.requests) == 2
    finally:
        gw.close()
