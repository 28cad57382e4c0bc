"""A worker killed in the middle of a close range: the range runs again, and the close ends as a
clean one would (no double accrual, no lost loan)."""

from __future__ import annotations

from domain.models import CloseRange, CloseRun
from domain.services.calendar import business_date
from tests.workers.closing import clean_close, close_day, jump_to, portfolio, state
from tests.workers.conftest import WorkerProcess, arq_pool, unique_prefix, wait_for, worker_env
from workers.queues import redis_queue_name

# A dead worker's job runs again once its in-progress mark expires: the job timeout plus 10 s.
JOB_TIMEOUT_S = 2


async def test_a_range_killed_mid_transaction_runs_again_and_the_close_equals_a_clean_one(
        db, redis_url, worker_settings_for):
    prefix = unique_prefix()
    settings = worker_settings_for(close_range_size=3, redis_prefix=prefix)
    await portfolio(6)
    day = close_day()
    await jump_to(day)
    expected = await clean_close(settings, day)

    pool = await arq_pool(redis_url)
    await pool.enqueue_job("close_of_business", force=True, catch_up=False,
                           _queue_name=redis_queue_name(settings, "default"))
    await pool.aclose()

    # The first worker holds each range's transaction open long enough to be killed inside it.
    slow = WorkerProcess(worker_env(redis_url, prefix, close_range_size=3, close_range_pause_ms=60_000,
                                    worker_job_timeout_s=JOB_TIMEOUT_S))
    try:
        started = await wait_for(lambda: CloseRange.filter(attempts__gte=1).first(), timeout=60)
    finally:
        slow.kill()
    assert (await CloseRange.get(id=started.id)).status == "PENDING"
    assert await business_date() == day

    fresh = WorkerProcess(worker_env(redis_url, prefix, close_range_size=3, worker_job_timeout_s=JOB_TIMEOUT_S))
    try:
        await wait_for(lambda: CloseRun.exists(closed_date=day), timeout=90, interval=0.25)
    finally:
        fresh.stop()

    assert await state() == expected
    ranges = await CloseRange.filter(closed_date=day).order_by("lo")
    assert [r.status for r in ranges] == ["DONE", "DONE"]
    assert (await CloseRange.get(id=started.id)).attempts == 2
