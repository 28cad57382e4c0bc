"""Reminders: every stage, quiet hours, one message per instalment, stage and channel."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from domain.commands import Repay
from domain.models import Borrower, Installment, Notification
from domain.money import from_fen
from domain.services.calendar import set_business_date
from domain.services.repay import repay
from tests.factories import make_borrower, make_line, make_loan
from tests.workers.conftest import CountingNotifier, arq_pool, run_burst
from workers.jobs.reminders import send_reminders
from workers.queues import redis_queue_name

SH = ZoneInfo("Asia/Shanghai")


def at(day, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=SH).astimezone(UTC)


async def first_installment(loan) -> Installment:
    return await Installment.get(loan_id=loan.id, number=1)


async def a_loan(channels: str = "SMS,PUSH"):
    borrower = await make_borrower()
    await Borrower.filter(id=borrower.id).update(reminder_channels=channels)
    await make_line(borrower)
    loan = await make_loan(borrower, "1200.00", months=3)
    return borrower, loan, await first_installment(loan)


def counting(ctx) -> CountingNotifier:
    ctx["notifier"] = CountingNotifier()
    return ctx["notifier"]


async def test_an_instalment_is_reminded_at_every_stage_on_each_of_the_borrowers_channels(db, ctx):
    notifier = counting(ctx)
    _, loan, inst = await a_loan()
    seen: list[tuple[str, str]] = []
    for offset, stage in [(-3, "BEFORE_3"), (-1, "BEFORE_1"), (0, "DUE"), (1, "OVERDUE_1"), (3, "OVERDUE_3"),
                          (7, "OVERDUE_7")]:
        day = inst.due_date + timedelta(days=offset)
        await set_business_date(day)
        result = await send_reminders(ctx, now=at(day, 10))
        rows = await Notification.filter(installment_id=inst.id, stage=stage).order_by("channel")
        assert [(r.channel, r.status) for r in rows] == [("PUSH", "SENT"), ("SMS", "SENT")]
        assert result["sent"] == 2
        seen += [(r.stage, r.channel) for r in rows]
    assert len(notifier.sent) == 12 == len(set(seen))
    # The other instalments are a month and more away: nothing for them.
    assert await Notification.exclude(installment_id=inst.id).count() == 0


async def test_days_between_stages_send_nothing_new(db, ctx):
    counting(ctx)
    _, _, inst = await a_loan()
    for offset in (-3, -2):
        day = inst.due_date + timedelta(days=offset)
        await set_business_date(day)
        await send_reminders(ctx, now=at(day, 10))
    assert await Notification.filter(installment_id=inst.id).count() == 2


async def test_the_message_shows_the_amount_due_the_due_date_and_how_to_repay(db, ctx):
    notifier = counting(ctx)
    _, _, inst = await a_loan(channels="SMS")
    await set_business_date(inst.due_date - timedelta(days=3))
    await send_reminders(ctx, now=at(inst.due_date, 9))
    [(_, body)] = notifier.sent
    amount = from_fen(inst.principal_fen + inst.interest_fen + inst.fee_fen)
    assert body.startswith("【随行】")
    assert f"{amount:.2f}元" in body
    assert f"{inst.due_date.year}年{inst.due_date.month}月{inst.due_date.day}日" in body
    assert "还有3天" in body and "还款" in body
    row = await Notification.get(installment_id=inst.id)
    assert row.body == body and row.provider == "log" and row.attempts == 1 and row.sent_at is not None


async def test_nothing_goes_out_in_quiet_hours_and_the_message_waits_for_eight(db, ctx):
    notifier = counting(ctx)
    _, _, inst = await a_loan()
    day = inst.due_date - timedelta(days=1)
    await set_business_date(day)
    planned = await send_reminders(ctx, now=at(day, 23, 30))
    assert planned == {"planned": 2, "sent": 0, "queued": 0}
    rows = await Notification.filter(installment_id=inst.id)
    assert {r.scheduled_for for r in rows} == {at(day + timedelta(days=1), 8)}
    assert (await send_reminders(ctx, now=at(day + timedelta(days=1), 7, 50)))["sent"] == 0
    assert (await send_reminders(ctx, now=at(day + timedelta(days=1), 8, 0)))["sent"] == 2
    assert len(notifier.sent) == 2


async def test_running_the_job_twice_sends_each_message_once(db, ctx):
    notifier = counting(ctx)
    _, _, inst = await a_loan()
    await set_business_date(inst.due_date)
    first = await send_reminders(ctx, now=at(inst.due_date, 10))
    second = await send_reminders(ctx, now=at(inst.due_date, 10, 10))
    assert (first["planned"], first["sent"], second["planned"], second["sent"]) == (2, 2, 0, 0)
    assert len(notifier.sent) == 2


async def test_running_the_job_twice_at_once_sends_each_message_once(db, ctx, settings):
    notifier = counting(ctx)
    loans = [await a_loan() for _ in range(5)]
    due = loans[0][2].due_date
    await set_business_date(due)
    other = dict(ctx, notifier=notifier)
    results = await asyncio.gather(*(send_reminders(c, now=at(due, 10)) for c in (ctx, other, ctx, other)))
    assert sum(r["planned"] for r in results) == 10
    assert sum(r["sent"] for r in results) == 10
    assert len(notifier.sent) == 10 == len({nid for nid, _ in notifier.sent})
    assert await Notification.filter(status="SENT").count() == 10


async def test_a_borrower_who_chose_push_only_gets_no_sms(db, ctx):
    counting(ctx)
    _, _, inst = await a_loan(channels="PUSH")
    await set_business_date(inst.due_date)
    await send_reminders(ctx, now=at(inst.due_date, 10))
    assert [r.channel for r in await Notification.all()] == ["PUSH"]


async def test_a_held_message_is_cancelled_when_the_instalment_is_paid_before_eight(db, ctx):
    notifier = counting(ctx)
    borrower, loan, inst = await a_loan(channels="SMS")
    await set_business_date(inst.due_date)
    await send_reminders(ctx, now=at(inst.due_date, 6))
    await repay(Repay(borrower.id, loan.id, from_fen(inst.principal_fen + inst.interest_fen), "pay-1"))
    assert (await send_reminders(ctx, now=at(inst.due_date, 8)))["sent"] == 0
    assert notifier.sent == []
    assert (await Notification.get(installment_id=inst.id)).status == "CANCELLED"


async def test_a_paid_instalment_is_not_reminded(db, ctx):
    counting(ctx)
    borrower, loan, inst = await a_loan()
    await repay(Repay(borrower.id, loan.id, from_fen(inst.principal_fen + inst.interest_fen), "pay-early"))
    await set_business_date(inst.due_date - timedelta(days=1))
    assert (await send_reminders(ctx, now=at(inst.due_date, 10)))["planned"] == 0


async def test_an_arq_worker_runs_the_reminder_job(db, settings, redis_url):
    _, _, inst = await a_loan()
    await set_business_date(inst.due_date)
    pool = await arq_pool(redis_url)
    await pool.enqueue_job("send_reminders", at(inst.due_date, 10), _queue_name=redis_queue_name(settings, "default"))
    await pool.enqueue_job("send_reminders", at(inst.due_date, 10), _queue_name=redis_queue_name(settings, "default"))
    await pool.aclose()
    notifier = CountingNotifier()
    worker = await run_burst(redis_url, settings, notifier=notifier)
    assert worker.jobs_complete == 2 and worker.jobs_failed == 0
    assert len(notifier.sent) == 2
    assert await Notification.filter(status="SENT").count() == 2
    assert Decimal(0) < from_fen(inst.principal_fen)
