"""Pools' monthly periods, closed by the workers once close of business has passed their end."""

from __future__ import annotations

from datetime import date

from domain.models import PoolPeriod
from domain.services.calendar import set_business_date
from domain.services.pooling.build import create_pool
from tests.pool_factories import four_loans, spec
from workers.jobs.close import close_of_business, close_range
from workers.jobs.pools import close_pool_periods


async def test_a_finished_close_asks_for_the_pool_periods_and_the_job_closes_each_once(db, ctx):
    await four_loans()
    pool = await create_pool(spec())
    # Period 1 ends on 2026-02-05: closing that business date makes it closable.
    await set_business_date(date(2026, 2, 5))
    summary = await close_of_business(ctx, catch_up=False)
    assert ctx["recorder"].jobs() == ["close_range"]
    range_id = ctx["recorder"].calls[0][1][0]
    assert (await close_range(ctx, range_id))["finished"]
    assert ctx["recorder"].jobs() == ["close_range", "close_pool_periods"]
    assert summary["enqueued"] == 1

    assert await close_pool_periods(ctx) == {"closed": [(pool.id, 1)]}
    assert await close_pool_periods(ctx) == {"closed": []}
    assert await PoolPeriod.filter(pool_id=pool.id).count() == 1
