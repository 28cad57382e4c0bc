"""Which loans a pool may hold: loan-level criteria and the share one borrower may take."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from domain.money import FEN, ZERO

# A loan is performing while it is ACTIVE: OVERDUE, WRITTEN_OFF, CLAIMED and PAID_OFF loans are not.
PERFORMING_STATUSES = frozenset({"ACTIVE"})


class Reason(StrEnum):
    NOT_PERFORMING = "NOT_PERFORMING"
    PAST_DUE = "PAST_DUE"
    NO_BALANCE = "NO_BALANCE"
    TERM_TOO_SHORT = "TERM_TOO_SHORT"
    TERM_TOO_LONG = "TERM_TOO_LONG"
    RATE_BELOW_BAND = "RATE_BELOW_BAND"
    RATE_ABOVE_BAND = "RATE_ABOVE_BAND"
    METHOD_EXCLUDED = "METHOD_EXCLUDED"
    SCORE_BAND_EXCLUDED = "SCORE_BAND_EXCLUDED"
    SEGMENT_EXCLUDED = "SEGMENT_EXCLUDED"
    BORROWER_SHARE = "BORROWER_SHARE"
    OVER_BUDGET = "OVER_BUDGET"


@dataclass(frozen=True)
class LoanSnapshot:
    id: int
    borrower_id: int
    method: str
    outstanding_principal: Decimal
    daily_rate: Decimal
    remaining_term_months: int
    dpd: int
    status: str
    score_band: str
    segment: str

    def __post_init__(self) -> None:
        if self.outstanding_principal < 0 or self.outstanding_principal != self.outstanding_principal.quantize(FEN):
            raise ValueError(f"loan {self.id}: outstanding principal must be non-negative whole fen")
        if self.daily_rate < 0:
            raise ValueError(f"loan {self.id}: daily rate must not be negative")
        if self.remaining_term_months < 0 or self.dpd < 0:
            raise ValueError(f"loan {self.id}: remaining term and DPD must not be negative")


@dataclass(frozen=True)
class Criteria:
    """What a loan must meet to enter a pool. ``None`` leaves a limit open.

    ``max_borrower_share`` caps one borrower's outstanding principal as a share of the pool's.
    """

    performing: bool = True
    max_dpd: int = 0
    min_remaining_term_months: int = 1
    max_remaining_term_months: int | None = None
    min_daily_rate: Decimal | None = None
    max_daily_rate: Decimal | None = None
    max_borrower_share: Decimal | None = None
    methods: frozenset[str] | None = None
    score_bands: frozenset[str] | None = None
    segments: frozenset[str] | None = None

    def __post_init__(self) -> None:
        if self.max_dpd < 0 or self.min_remaining_term_months < 0:
            raise ValueError("DPD and remaining term limits must not be negative")
        high_term = self.max_remaining_term_months
        if high_term is not None and high_term < self.min_remaining_term_months:
            raise ValueError("the longest remaining term is shorter than the shortest")
        low, high = self.min_daily_rate, self.max_daily_rate
        if (low is not None and low < 0) or (low is not None and high is not None and high < low):
            raise ValueError("the rate band must run from a non-negative rate up")
        share = self.max_borrower_share
        if share is not None and not ZERO < share <= 1:
            raise ValueError("the borrower share must be above 0 and at most 1")


@dataclass(frozen=True)
class Selection:
    chosen: tuple[LoanSnapshot, ...]
    rejected: dict[int, tuple[str, ...]] = field(default_factory=dict)

    @property
    def balance(self) -> Decimal:
        return sum((loan.outstanding_principal for loan in self.chosen), ZERO)


def check(
    loan: LoanSnapshot,
    criteria: Criteria,
    pool_balance_by_borrower: Mapping[int, Decimal],
    pool_total: Decimal,
) -> list[str]:
    """Why ``loan`` may not join a pool that holds ``pool_total`` (this loan not included).

    An empty list means it may. ``pool_balance_by_borrower`` is what each borrower already has in
    the pool; the borrower's share is measured on the pool as it would be with this loan in it.
    """
    failed = loan_level_reasons(loan, criteria)
    if criteria.max_borrower_share is not None and loan.outstanding_principal > 0:
        held = pool_balance_by_borrower.get(loan.borrower_id, ZERO) + loan.outstanding_principal
        # Compared by multiplication, so no division ever rounds a borderline loan in or out.
        if held > criteria.max_borrower_share * (pool_total + loan.outstanding_principal):
            failed.append(Reason.BORROWER_SHARE)
    return failed


def loan_level_reasons(loan: LoanSnapshot, criteria: Criteria) -> list[str]:
    """The criteria that depend on the loan alone (everything except the borrower share)."""
    failed: list[str] = []
    if criteria.performing and loan.status not in PERFORMING_STATUSES:
        failed.append(Reason.NOT_PERFORMING)
    if loan.dpd > criteria.max_dpd:
        failed.append(Reason.PAST_DUE)
    if loan.outstanding_principal <= 0:
        failed.append(Reason.NO_BALANCE)
    if loan.remaining_term_months < criteria.min_remaining_term_months:
        failed.append(Reason.TERM_TOO_SHORT)
    longest = criteria.max_remaining_term_months
    if longest is not None and loan.remaining_term_months > longest:
        failed.append(Reason.TERM_TOO_LONG)
    if criteria.min_daily_rate is not None and loan.daily_rate < criteria.min_daily_rate:
        failed.append(Reason.RATE_BELOW_BAND)
    if criteria.max_daily_rate is not None and loan.daily_rate > criteria.max_daily_rate:
        failed.append(Reason.RATE_ABOVE_BAND)
    if criteria.methods is not None and loan.method not in criteria.methods:
        failed.append(Reason.METHOD_EXCLUDED)
    if criteria.score_bands is not None and loan.score_band not in criteria.score_bands:
        failed.append(Reason.SCORE_BAND_EXCLUDED)
    if criteria.segments is not None and loan.segment not in criteria.segments:
        failed.append(Reason.SEGMENT_EXCLUDED)
    return failed


def select_eligible(
    loans: Iterable[LoanSnapshot],
    criteria: Criteria,
    *,
    pool_balance_by_borrower: Mapping[int, Decimal] | None = None,
    pool_total: Decimal = ZERO,
    budget: Decimal | None = None,
) -> Selection:
    """The loans, in the order given, that may join the pool together.

    Without a ``budget`` (building a pool at its cut-off date) the borrower share is measured on
    the pool the selection makes: loans are dropped until every borrower fits under the cap of the
    final pool. With a ``budget`` (a revolving purchase into a standing pool) loans are bought in
    order while the money lasts, each one checked against the pool as it stands after the loans
    bought before it; later purchases only grow the pool, so an earlier borrower stays within
    the cap.
    """
    held = dict(pool_balance_by_borrower or {})
    rejected: dict[int, tuple[str, ...]] = {}
    candidates: list[LoanSnapshot] = []
    for loan in loans:
        reasons = loan_level_reasons(loan, criteria)
        if reasons:
            rejected[loan.id] = tuple(reasons)
        else:
            candidates.append(loan)
    if budget is None:
        chosen = _within_share_of_final_pool(candidates, criteria, held, pool_total, rejected)
    else:
        chosen = _buy_in_order(candidates, criteria, held, pool_total, budget, rejected)
    return Selection(tuple(chosen), rejected)


def _within_share_of_final_pool(
    candidates: list[LoanSnapshot],
    criteria: Criteria,
    held: dict[int, Decimal],
    pool_total: Decimal,
    rejected: dict[int, tuple[str, ...]],
) -> list[LoanSnapshot]:
    chosen = candidates
    if criteria.max_borrower_share is None:
        return chosen
    # Dropping a loan shrinks the pool and so every borrower's cap: repeat until nothing moves.
    # Each round keeps a subset of the last, so this ends.
    while True:
        final_total = pool_total + sum((loan.outstanding_principal for loan in chosen), ZERO)
        running = dict(held)
        kept: list[LoanSnapshot] = []
        for loan in chosen:
            rest_of_pool = final_total - loan.outstanding_principal
            if check(loan, criteria, running, rest_of_pool):
                rejected[loan.id] = (Reason.BORROWER_SHARE,)
                continue
            running[loan.borrower_id] = running.get(loan.borrower_id, ZERO) + loan.outstanding_principal
            kept.append(loan)
        if len(kept) == len(chosen):
            return kept
        chosen = kept


def _buy_in_order(
    candidates: list[LoanSnapshot],
    criteria: Criteria,
    held: dict[int, Decimal],
    pool_total: Decimal,
    budget: Decimal,
    rejected: dict[int, tuple[str, ...]],
) -> list[LoanSnapshot]:
    if budget < 0:
        raise ValueError("the purchase budget must not be negative")
    chosen: list[LoanSnapshot] = []
    left = budget
    for loan in candidates:
        if loan.outstanding_principal > left:
            rejected[loan.id] = (Reason.OVER_BUDGET,)
            continue
        reasons = check(loan, criteria, held, pool_total)
        if reasons:
            rejected[loan.id] = tuple(reasons)
            continue
        chosen.append(loan)
        left -= loan.outstanding_principal
        pool_total += loan.outstanding_principal
        held[loan.borrower_id] = held.get(loan.borrower_id, ZERO) + loan.outstanding_principal
    return chosen
