"""DataLoaders for pools: each batch is one statement, however many pools a page holds."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from api.common.loaders import BatchLoader, many_per_key, one_per_key
from api.loans.rows import marks, select
from domain.models import Pool, PoolPeriod, Tranche, TranchePayment
from domain.pools.stats import PoolStats, pool_stats
from domain.services.calendar import business_date
from domain.services.pooling.loans import pool_loans

# Everything of a period but its report, which is large and read only when asked for.
PERIOD_COLUMNS = (
    "id", "pool_id", "number", "start_date", "end_date", "phase", "opening_balance_fen", "closing_balance_fen",
    "interest_fen", "principal_fen", "recoveries_fen", "insurance_fen", "defaults_fen", "cash_in_fen",
    "paid_out_fen", "kept_fen", "purchased_fen", "purchased_count", "trustee_fee_fen", "servicer_fee_fen",
)


@dataclass(frozen=True, slots=True)
class PeriodRow:
    id: int
    pool_id: int
    number: int
    start_date: date
    end_date: date
    phase: str
    opening_balance_fen: int
    closing_balance_fen: int
    interest_fen: int
    principal_fen: int
    recoveries_fen: int
    insurance_fen: int
    defaults_fen: int
    cash_in_fen: int
    paid_out_fen: int
    kept_fen: int
    purchased_fen: int
    purchased_count: int
    trustee_fee_fen: int
    servicer_fee_fen: int


@dataclass(frozen=True, slots=True)
class PaymentRow:
    period_id: int
    tranche_name: str
    seniority: int
    opening_balance_fen: int
    interest_due_fen: int
    interest_paid_fen: int
    principal_paid_fen: int
    residual_paid_fen: int
    closing_balance_fen: int


@dataclass(frozen=True, slots=True)
class Holdings:
    # The loans a pool holds that are still on the books (active or overdue).
    count: int
    balance_fen: int


NO_HOLDINGS = Holdings(0, 0)


class PoolByIdLoader(BatchLoader[int, Pool | None]):
    async def load_batch(self, keys: list[int]) -> list[Pool | None]:
        return one_per_key(keys, await Pool.filter(id__in=keys), "id")


class TranchesByPoolIdLoader(BatchLoader[int, list[Tranche]]):
    """Most senior first."""

    async def load_batch(self, keys: list[int]) -> list[list[Tranche]]:
        rows = await Tranche.filter(pool_id__in=keys).order_by("pool_id", "seniority")
        return many_per_key(keys, rows, "pool_id")


class PeriodsByPoolIdLoader(BatchLoader[int, list[PeriodRow]]):
    """Newest first."""

    async def load_batch(self, keys: list[int]) -> list[list[PeriodRow]]:
        rows = await PoolPeriod.filter(pool_id__in=keys).order_by("pool_id", "-number").values(*PERIOD_COLUMNS)
        return many_per_key(keys, [PeriodRow(**r) for r in rows], "pool_id")


class PeriodReportByIdLoader(BatchLoader[int, dict[str, Any]]):
    async def load_batch(self, keys: list[int]) -> list[dict[str, Any]]:
        reports = dict(await PoolPeriod.filter(id__in=keys).values_list("id", "report"))
        return [reports.get(k) or {} for k in keys]


class PaymentsByPeriodIdLoader(BatchLoader[int, list[PaymentRow]]):
    """Each period's payments in order of seniority, with the tranche's name (one join)."""

    async def load_batch(self, keys: list[int]) -> list[list[PaymentRow]]:
        rows = await (TranchePayment.filter(period_id__in=keys).order_by("period_id", "tranche__seniority")
                      .values("period_id", "opening_balance_fen", "interest_due_fen", "interest_paid_fen",
                              "principal_paid_fen", "residual_paid_fen", "closing_balance_fen",
                              tranche_name="tranche__name", seniority="tranche__seniority"))
        return many_per_key(keys, [PaymentRow(**r) for r in rows], "period_id")


class HoldingsByPoolIdLoader(BatchLoader[int, Holdings]):
    """Count and outstanding principal of each pool's live loans, in one grouped statement."""

    async def load_batch(self, keys: list[int]) -> list[Holdings]:
        rows = await select(
            "SELECT pool_id, COUNT(*), COALESCE(SUM(outstanding_principal_fen), 0) FROM loan "
            f"WHERE pool_id IN ({marks(keys)}) AND status IN ('ACTIVE', 'OVERDUE') GROUP BY pool_id", keys)
        found = {int(r[0]): Holdings(int(r[1]), int(r[2])) for r in rows}
        return [found.get(k, NO_HOLDINGS) for k in keys]


class CompositionByPoolIdLoader(BatchLoader[int, PoolStats]):
    """The pool's live loans grouped as the investor report groups them, as of the business date.
    One statement per pool (the loan snapshots are read pool by pool), so only asked for on purpose."""

    async def load_batch(self, keys: list[int]) -> list[PoolStats]:
        today = await business_date()
        return [pool_stats(await pool_loans(k, today)) for k in keys]
