"""Close of business in loan-id ranges: planned once, each range once, finished once."""

from __future__ import annotations

from datetime import timedelta

from domain.models import CloseRange, CloseRun, Loan
from domain.services import cob_partitions as parts
from domain.services.calendar import business_date, local_today, set_business_date
from tests.factories import make_borrower, make_line, make_loan
from tests.workers.closing import clean_close, close_day, jump_to, portfolio, state
from tests.workers.conftest import arq_pool, run_burst
from workers.jobs.close import close_of_business
from workers.queues import redis_queue_name


async def test_the_ranges_cover_every_loan_id_and_are_planned_once(db, worker_settings_for):
    settings = worker_settings_for(close_range_size=2)
    ids = await portfolio(5)
    ranges = await parts.plan_close(settings=settings)
    assert [(r.lo, r.hi) for r in ranges] == [(0, ids[2] - 1), (ids[2], ids[4] - 1), (ids[4], parts.TOP_ID)]
    again = await parts.plan_close(settings=settings)
    assert [r.id for r in again] == [r.id for r in ranges]


async def test_a_close_run_range_by_range_equals_one_close_in_a_single_transaction(db, worker_settings_for):
    settings = worker_settings_for(close_range_size=2)
    await portfolio(6)
    day = close_day()
    await jump_to(day)
    expected = await clean_close(settings, day)
    ranges = await parts.plan_close(settings=settings)
    assert len(ranges) == 3
    for r in reversed(ranges):  # the order ranges run in does not matter
        assert (await parts.run_range(r.id, settings=settings)).ran
    result = await parts.finalize_close(day, settings=settings)
    assert result is not None and result.new_date == day + timedelta(days=1)
    assert await state() == expected
    assert await business_date() == day + timedelta(days=1)
    run = await CloseRun.get(closed_date=day)
    # Three of the six loans are daily-interest loans five days past their due date: overdue now.
    assert run.stats["ranges"] == 3 and run.stats["loans_overdue"] == 3 and run.stats["lines_frozen"] == 3


async def test_a_range_run_twice_changes_nothing_the_second_time(db, worker_settings_for):
    settings = worker_settings_for(close_range_size=3)
    await portfolio(6)
    await jump_to(close_day())
    first = (await parts.plan_close(settings=settings))[0]
    assert (await parts.run_range(first.id, settings=settings)).ran
    before = await state()
    again = await parts.run_range(first.id, settings=settings)
    assert not again.ran
    assert await state() == before


async def test_the_close_does_not_finish_while_a_range_is_pending(db, worker_settings_for):
    settings = worker_settings_for(close_range_size=3)
    await portfolio(6)
    day = close_day()
    await jump_to(day)
    first, _ = await parts.plan_close(settings=settings)
    await parts.run_range(first.id, settings=settings)
    assert await parts.finalize_close(day, settings=settings) is None
    assert await business_date() == day
    assert not await CloseRun.exists(closed_date=day)


async def test_a_loan_drawn_after_the_ranges_were_planned_is_closed_too(db, worker_settings_for):
    settings = worker_settings_for(close_range_size=2)
    await portfolio(4)
    day = close_day()
    await jump_to(day)
    ranges = await parts.plan_close(settings=settings)
    borrower = await make_borrower()
    await make_line(borrower)
    late = await make_loan(borrower, "800.00", months=3)
    for r in ranges:
        await parts.run_range(r.id, settings=settings)
    assert await parts.finalize_close(day, settings=settings) is not None
    assert (await Loan.get(id=late.id)).closed_through == day + timedelta(days=1)


async def test_a_finished_close_is_not_finished_twice(db, worker_settings_for):
    settings = worker_settings_for(close_range_size=10)
    await portfolio(2)
    day = close_day()
    await jump_to(day)
    for r in await parts.plan_close(settings=settings):
        await parts.run_range(r.id, settings=settings)
    assert await parts.finalize_close(day, settings=settings) is not None
    assert await parts.finalize_close(day, settings=settings) is None
    assert await business_date() == day + timedelta(days=1)
    assert await CloseRun.filter(closed_date=day).count() == 1


async def test_the_scheduled_close_waits_for_the_calendar_day_to_end(db, ctx):
    await set_business_date(local_today())
    result = await close_of_business(ctx)
    assert result["closed"] is None and ctx["recorder"].calls == []


async def test_the_scheduled_close_asks_for_one_job_per_range(db, ctx, worker_settings_for):
    ctx["settings"] = worker_settings_for(close_range_size=2)
    await portfolio(4)
    await jump_to(close_day())
    result = await close_of_business(ctx, catch_up=False)
    assert result["ranges"] == 2 and result["enqueued"] == 2
    assert ctx["recorder"].jobs() == ["close_range", "close_range"]
    await close_of_business(ctx, force=True, catch_up=False)
    assert len(ctx["recorder"].calls) == 2  # the same ranges, already asked for


async def test_arq_workers_share_a_close_and_the_last_range_finishes_it(db, redis_url, worker_settings_for):
    settings = worker_settings_for(close_range_size=2)
    await portfolio(6)
    day = close_day()
    await jump_to(day)
    expected = await clean_close(settings, day)
    pool = await arq_pool(redis_url)
    await pool.enqueue_job("close_of_business", force=True, catch_up=False,
                           _queue_name=redis_queue_name(settings, "default"))
    await pool.aclose()
    worker = await run_burst(redis_url, settings)
    # The close, its three ranges, and the pool periods the finished close asks for.
    assert worker.jobs_failed == 0 and worker.jobs_complete == 5
    assert await state() == expected
    assert await CloseRange.filter(closed_date=day, status="DONE").count() == 3
