"""Pool composition: count, balance and balance-weighted averages, overall and by group."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from domain.money import ZERO
from domain.pools.eligibility import LoanSnapshot

# A daily rate is held to the part per million; two more places keep a weighted average honest.
RATE_PLACES = Decimal("0.00000001")
TERM_PLACES = Decimal("0.01")
SHARE_PLACES = Decimal("0.000001")


@dataclass(frozen=True)
class GroupStats:
    count: int
    balance: Decimal
    # This group's part of the whole pool's balance.
    share: Decimal
    wa_daily_rate: Decimal
    wa_remaining_term_months: Decimal


@dataclass(frozen=True)
class PoolStats:
    total: GroupStats
    by_method: dict[str, GroupStats]
    by_score_band: dict[str, GroupStats]
    by_segment: dict[str, GroupStats]


class _Sums:
    __slots__ = ("count", "balance", "rate_weighted", "term_weighted")

    def __init__(self) -> None:
        self.count = 0
        self.balance = ZERO
        self.rate_weighted = ZERO
        self.term_weighted = ZERO

    def add(self, loan: LoanSnapshot) -> None:
        balance = loan.outstanding_principal
        self.count += 1
        self.balance += balance
        self.rate_weighted += balance * loan.daily_rate
        self.term_weighted += balance * loan.remaining_term_months

    def stats(self, pool_balance: Decimal) -> GroupStats:
        if self.balance == 0:
            return GroupStats(self.count, self.balance, ZERO, ZERO, ZERO)
        return GroupStats(
            count=self.count,
            balance=self.balance,
            share=_place(self.balance / pool_balance, SHARE_PLACES),
            wa_daily_rate=_place(self.rate_weighted / self.balance, RATE_PLACES),
            wa_remaining_term_months=_place(self.term_weighted / self.balance, TERM_PLACES),
        )


def pool_stats(loans: Iterable[LoanSnapshot]) -> PoolStats:
    """Weighted averages are weighted by outstanding principal; groups come sorted by name."""
    total = _Sums()
    groupings: dict[str, Callable[[LoanSnapshot], str]] = {
        "method": lambda loan: str(loan.method),
        "score_band": lambda loan: loan.score_band,
        "segment": lambda loan: loan.segment,
    }
    groups: dict[str, dict[str, _Sums]] = {name: {} for name in groupings}
    for loan in loans:
        total.add(loan)
        for name, key_of in groupings.items():
            key = key_of(loan)
            sums = groups[name].get(key)
            if sums is None:
                sums = groups[name][key] = _Sums()
            sums.add(loan)

    def finish(name: str) -> dict[str, GroupStats]:
        return {key: groups[name][key].stats(total.balance) for key in sorted(groups[name])}

    return PoolStats(
        total=total.stats(total.balance),
        by_method=finish("method"),
        by_score_band=finish("score_band"),
        by_segment=finish("segment"),
    )


def _place(value: Decimal, places: Decimal) -> Decimal:
    return value.quantize(places, rounding=ROUND_HALF_UP)
