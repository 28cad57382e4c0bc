"""A stored pool's projection: its loans as they stand today under assumed default,
prepayment and recovery rates, through the same waterfall and triggers as its real periods."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from domain.dates import add_months
from domain.db import conn
from domain.errors import NotFound, ValidationFailed
from domain.models import Pool, Tranche
from domain.money import ZERO, from_fen
from domain.pools.projection import Assumptions, Projection, project
from domain.pools.triggers import TriggerLimits
from domain.services.calendar import business_date
from domain.services.pooling.cash import DEFAULT, INSURANCE, PRINCIPAL, RECOVERY
from domain.services.pooling.loans import pool_loans
from domain.services.pooling.periods import collected, period_end, pool_state
from domain.services.pooling.spec import from_ppm
from domain.settings import Settings


def assumptions(*, cdr: Decimal, cpr: Decimal, recovery_rate: Decimal, recovery_lag: int,
                periods: int | None = None) -> Assumptions:
    """Assumptions from outside input: rates between 0 and 1, a lag of 0 to 36 periods."""
    for value, what in ((cdr, "cdr"), (cpr, "cpr"), (recovery_rate, "recoveryRate")):
        if not ZERO <= value <= 1:
            raise ValidationFailed("a rate between 0 and 1 is expected", field=what)
    if not 0 <= recovery_lag <= 36:
        raise ValidationFailed("the recovery lag is 0 to 36 periods", field="recoveryLag")
    if periods is not None and not 1 <= periods <= 120:
        raise ValidationFailed("project 1 to 120 periods", field="periods")
    return Assumptions(cdr=cdr, cpr=cpr, recovery_rate=recovery_rate, recovery_lag=recovery_lag, periods=periods)


def revolving_periods_left(pool: Pool) -> int:
    if pool.status != "REVOLVING":
        return 0
    n = pool.periods_closed
    while add_months(pool.cut_off_date, n + 1) <= pool.revolving_until:
        n += 1
    return n - pool.periods_closed


async def project_pool(pool_id: int, wanted: Assumptions, *, settings: Settings | None = None) -> Projection:
    pool = await Pool.get_or_none(id=pool_id)
    if pool is None:
        raise NotFound(f"no pool {pool_id}")
    today = await business_date()
    tranches = list(await Tranche.filter(pool_id=pool.id).order_by("seniority"))
    loans = await pool_loans(pool.id, today, settings=settings)
    terms = Assumptions(
        cdr=wanted.cdr, cpr=wanted.cpr, recovery_rate=wanted.recovery_rate, recovery_lag=wanted.recovery_lag,
        periods=wanted.periods, revolving_periods=revolving_periods_left(pool),
        triggers=TriggerLimits(from_ppm(pool.max_default_rate_ppm), from_ppm(pool.min_oc_ppm)),
    )
    # Principal cash collected since the last period closed is the pool's too: the projection's
    # first period is the one running, and that cash is part of its principal funds.
    since = await collected(conn(), pool.id, period_end(pool, pool.periods_closed), today)
    held = sum(since[k] for k in (PRINCIPAL, RECOVERY, INSURANCE))
    state = replace(pool_state(pool, tranches), cash=from_fen(pool.cash_fen + held))
    return project(loans, state, terms, cumulative_defaults=from_fen(pool.cumulative_defaults_fen + since[DEFAULT]),
                   cumulative_base=from_fen(pool.cumulative_bought_fen))
