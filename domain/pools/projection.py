"""Projected cash flows of a pool and what its tranches would be paid, period by period.

Each loan amortises on its own schedule under constant annual default (CDR) and prepayment
(CPR) rates, turned into monthly rates by MDR = 1 − (1 − CDR)^(1/12) and SMM likewise. In each
period, in this order: defaults take MDR of the balance at the start; the surviving balance pays
a month's interest (daily rate × 30, or × 365/12 on ACT/365) and its scheduled principal (the
level instalment re-sized on the surviving balance and remaining term, or an equal part of it,
or all of it at maturity for a daily-interest loan, whose interest is taken monthly);
prepayments take SMM of what is left. A recovery rate of each default comes back a fixed
number of periods later.

Why floats: a projection is a statistical forecast under assumed rates, not a booking, so the
loan-level arithmetic runs on numpy float arrays to project a large pool in well under a second.
No float leaves this module: each period's pool flows are rounded to the fen as Decimal (from
running totals, so rounding never drifts) and go through the exact Decimal waterfall, so the
tranche payments are whole fen and every period conserves cash exactly.

``project`` is the vectorised implementation; ``project_loop`` runs the same arithmetic loan by
loan in plain Python, as the reference it is checked and benchmarked against.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import Decimal, localcontext
from typing import Protocol

import numpy as np

from domain.money import FEN, ZERO, format_money, round_fen
from domain.pools.eligibility import LoanSnapshot
from domain.pools.triggers import TriggerLimits, TriggerReport, apply_triggers, evaluate_triggers
from domain.pools.waterfall import Collections, Phase, PoolState, WaterfallResult, record_purchases, run_waterfall
from domain.rules.daycount import DayCount
from domain.rules.schedule import Method

_LEVEL, _EQUAL_PRINCIPAL, _BULLET = 0, 1, 2
_METHOD_CODES = {
    Method.EQUAL_INSTALLMENT: _LEVEL,
    Method.EQUAL_PRINCIPAL: _EQUAL_PRINCIPAL,
    Method.DAILY_INTEREST: _BULLET,
}


def monthly_from_annual(annual: Decimal) -> Decimal:
    """1 − (1 − annual)^(1/12): the monthly rate that compounds to an annual one."""
    if not 0 <= annual <= 1:
        raise ValueError(f"an annual rate must lie between 0 and 1, not {annual}")
    with localcontext() as ctx:
        ctx.prec = 28
        return 1 - (1 - annual) ** (Decimal(1) / 12)


def smm_from_cpr(cpr: Decimal) -> Decimal:
    """Single monthly mortality from a conditional prepayment rate."""
    return monthly_from_annual(cpr)


def mdr_from_cdr(cdr: Decimal) -> Decimal:
    """Monthly default rate from a constant (annual) default rate."""
    return monthly_from_annual(cdr)


@dataclass(frozen=True)
class Replenishment:
    """The loans a revolving pool is assumed to buy."""

    daily_rate: Decimal
    term_months: int
    method: Method = Method.EQUAL_INSTALLMENT


@dataclass(frozen=True)
class Assumptions:
    cdr: Decimal = ZERO
    cpr: Decimal = ZERO
    recovery_rate: Decimal = ZERO
    # Periods between a default and its recovery; 0 recovers in the period of the default.
    recovery_lag: int = 0
    # None: until the last loan matures and its recoveries are in.
    periods: int | None = None
    # Periods left in the scheduled revolving period of a revolving pool.
    revolving_periods: int = 0
    triggers: TriggerLimits | None = None
    # None: loans like the pool, at its weighted average rate and remaining term, level instalments.
    replenishment: Replenishment | None = None
    day_count: DayCount = DayCount.THIRTY_360

    def __post_init__(self) -> None:
        if not 0 <= self.recovery_rate <= 1:
            raise ValueError("the recovery rate must lie between 0 and 1")
        if self.recovery_lag < 0 or self.revolving_periods < 0 or (self.periods is not None and self.periods < 1):
            raise ValueError("periods and lags must not be negative")


@dataclass(frozen=True)
class ProjectedPeriod:
    number: int
    phase: Phase
    opening_balance: Decimal
    interest: Decimal
    scheduled_principal: Decimal
    prepayments: Decimal
    defaults: Decimal
    recoveries: Decimal
    purchases: Decimal
    closing_balance: Decimal
    triggers: TriggerReport | None
    waterfall: WaterfallResult

    def row(self) -> dict[str, str]:
        """The period as strings, money to the fen, tranche payments by name."""
        out = {"period": str(self.number), "phase": str(self.phase)}
        for name in ("opening_balance", "interest", "scheduled_principal", "prepayments", "defaults",
                     "recoveries", "purchases", "closing_balance"):
            out[name] = format_money(getattr(self, name))
        for label, amount in self.waterfall.lines():
            out[label] = format_money(amount)
        return out


@dataclass(frozen=True)
class Projection:
    periods: tuple[ProjectedPeriod, ...]

    def rows(self) -> list[dict[str, str]]:
        return [p.row() for p in self.periods]


@dataclass(frozen=True)
class _Columns:
    balance: np.ndarray
    monthly_rate: np.ndarray
    remaining: np.ndarray
    method: np.ndarray


class _Engine(Protocol):
    def step(self, mdr: float, smm: float) -> tuple[float, float, float, float]: ...

    def buy(self, amount: float, monthly_rate: float, term: int, method: int) -> None: ...


class _VectorEngine:
    def __init__(self, cols: _Columns, spare: int) -> None:
        size = len(cols.balance)
        self.balance = np.concatenate([cols.balance, np.zeros(spare)])
        self.rate = np.concatenate([cols.monthly_rate, np.zeros(spare)])
        self.remaining = np.concatenate([cols.remaining, np.zeros(spare, dtype=np.int64)])
        self.method = np.concatenate([cols.method, np.zeros(spare, dtype=np.int8)])
        self.used = size

    def step(self, mdr: float, smm: float) -> tuple[float, float, float, float]:
        defaulted = self.balance * mdr
        balance = self.balance - defaulted
        rate, remaining = self.rate, self.remaining
        interest = balance * rate
        terms = np.maximum(remaining, 1)
        growth = (1.0 + rate) ** terms
        with np.errstate(divide="ignore", invalid="ignore"):
            level = np.where(rate > 0, balance * rate * growth / (growth - 1.0), balance / terms) - interest
        equal_parts = np.where(self.method == _EQUAL_PRINCIPAL, balance / terms, 0.0)
        scheduled = np.where(self.method == _LEVEL, level, equal_parts)
        scheduled = np.where(remaining <= 1, balance, scheduled)
        prepaid = (balance - scheduled) * smm
        self.balance = balance - scheduled - prepaid
        self.remaining = np.maximum(remaining - 1, 0)
        return float(interest.sum()), float(scheduled.sum()), float(prepaid.sum()), float(defaulted.sum())

    def buy(self, amount: float, monthly_rate: float, term: int, method: int) -> None:
        slot = self.used
        self.balance[slot], self.rate[slot] = amount, monthly_rate
        self.remaining[slot], self.method[slot] = term, method
        self.used += 1


class _LoopEngine:
    def __init__(self, cols: _Columns) -> None:
        columns = (cols.balance.tolist(), cols.monthly_rate.tolist(), cols.remaining.tolist(), cols.method.tolist())
        self.loans = [list(loan) for loan in zip(*columns, strict=True)]

    def step(self, mdr: float, smm: float) -> tuple[float, float, float, float]:
        interest_sum = scheduled_sum = prepaid_sum = defaulted_sum = 0.0
        for loan in self.loans:
            balance, rate, remaining, method = loan
            defaulted = balance * mdr
            balance -= defaulted
            interest = balance * rate
            terms = max(remaining, 1)
            if remaining <= 1:
                scheduled = balance
            elif method == _LEVEL:
                if rate > 0:
                    growth = (1.0 + rate) ** terms
                    scheduled = balance * rate * growth / (growth - 1.0) - interest
                else:
                    scheduled = balance / terms
            elif method == _EQUAL_PRINCIPAL:
                scheduled = balance / terms
            else:
                scheduled = 0.0
            prepaid = (balance - scheduled) * smm
            loan[0] = balance - scheduled - prepaid
            loan[2] = max(remaining - 1, 0)
            interest_sum += interest
            scheduled_sum += scheduled
            prepaid_sum += prepaid
            defaulted_sum += defaulted
        return interest_sum, scheduled_sum, prepaid_sum, defaulted_sum

    def buy(self, amount: float, monthly_rate: float, term: int, method: int) -> None:
        self.loans.append([amount, monthly_rate, term, method])


def project(
    loans: Sequence[LoanSnapshot],
    state: PoolState,
    assumptions: Assumptions,
    *,
    cumulative_defaults: Decimal = ZERO,
    cumulative_base: Decimal | None = None,
) -> Projection:
    """Project ``loans`` held by a pool in ``state`` with numpy.

    A pool that has already run some periods gives its defaulted principal since the cut-off and
    the base of its default rate (cut-off balance plus purchases; by default the loans' balance).
    """
    cols = _columns(loans, assumptions.day_count)
    engine = _VectorEngine(cols, assumptions.revolving_periods)
    return _run(engine, cols, loans, state, assumptions, cumulative_defaults, cumulative_base)


def project_loop(
    loans: Sequence[LoanSnapshot],
    state: PoolState,
    assumptions: Assumptions,
    *,
    cumulative_defaults: Decimal = ZERO,
    cumulative_base: Decimal | None = None,
) -> Projection:
    """The same projection, loan by loan in plain Python."""
    cols = _columns(loans, assumptions.day_count)
    return _run(_LoopEngine(cols), cols, loans, state, assumptions, cumulative_defaults, cumulative_base)


def _columns(loans: Sequence[LoanSnapshot], day_count: DayCount) -> _Columns:
    days_a_month = 365 / 12 if day_count is DayCount.ACT_365 else 30.0
    return _Columns(
        balance=np.array([float(loan.outstanding_principal) for loan in loans], dtype=np.float64),
        monthly_rate=np.array([float(loan.daily_rate) for loan in loans], dtype=np.float64) * days_a_month,
        # A loan with a balance is due within the coming period at the latest.
        remaining=np.array([max(loan.remaining_term_months, 1) for loan in loans], dtype=np.int64),
        method=np.array([_method_code(loan.method) for loan in loans], dtype=np.int8),
    )


def _method_code(method: str) -> int:
    # Looked up by the plain string (a Method member hashes as its value): building the enum
    # for every loan would cost more than the whole projection of a large pool.
    try:
        return _METHOD_CODES[method]
    except KeyError:
        raise ValueError(f"unknown repayment method {method!r}") from None


class _FenTotal:
    """Hands out a flow's period amounts as differences of its rounded running total, so that the
    fen of rounding never pile up over the periods."""

    def __init__(self) -> None:
        self.total = 0.0
        self.rounded = ZERO

    def add(self, amount: float) -> Decimal:
        self.total += amount
        rounded = round_fen(Decimal(self.total))
        step, self.rounded = rounded - self.rounded, rounded
        return step


def _run(
    engine: _Engine,
    cols: _Columns,
    loans: Sequence[LoanSnapshot],
    state: PoolState,
    a: Assumptions,
    cumulative_defaults: Decimal,
    cumulative_base: Decimal | None,
) -> Projection:
    opening = sum((loan.outstanding_principal for loan in loans), ZERO)
    base = opening if cumulative_base is None else cumulative_base
    mdr, smm = float(mdr_from_cdr(a.cdr)), float(smm_from_cpr(a.cpr))
    recovery_rate = float(a.recovery_rate)
    buy_rate, buy_term, buy_method = _replenishment(cols, a)
    revolving = a.revolving_periods if state.phase is Phase.REVOLVING else 0
    last_payment = max(int(cols.remaining.max(initial=0)), revolving + buy_term if revolving else 0)
    horizon = a.periods or max(last_payment + a.recovery_lag, 1)
    recoveries_due = [0.0] * (horizon + a.recovery_lag + 1)
    interest_total, outflow_total, recovered_total = _FenTotal(), _FenTotal(), _FenTotal()
    periods: list[ProjectedPeriod] = []
    for number in range(1, horizon + 1):
        if state.phase is Phase.REVOLVING and number > revolving:
            state = replace(state, phase=Phase.AMORTISING)
        interest_f, scheduled_f, prepaid_f, defaulted_f = engine.step(mdr, smm)
        recoveries_due[number - 1 + a.recovery_lag] += defaulted_f * recovery_rate
        interest = interest_total.add(interest_f)
        recovered = recovered_total.add(recoveries_due[number - 1])
        # What leaves the balance is rounded as one total, then shared out, so the balance
        # in fen follows the loans' own and a pool that runs off ends at exactly zero.
        outflow = outflow_total.add(scheduled_f + prepaid_f + defaulted_f)
        scheduled, prepaid, defaulted = _apportion(outflow, (scheduled_f, prepaid_f, defaulted_f))
        cumulative_defaults += defaulted
        run_off = opening - scheduled - prepaid - defaulted
        report = None
        if a.triggers is not None:
            # Tested before the distribution, on the pool as it would stand once this period's
            # principal funds were reinvested, against the rated tranches before they are paid.
            report = evaluate_triggers(
                a.triggers,
                cumulative_defaults=cumulative_defaults,
                cumulative_base=base,
                pool_balance=run_off + scheduled + prepaid + recovered + state.cash,
                rated_balance=state.rated_balance,
            )
            state = apply_triggers(state, report)
        phase = state.phase
        collections = Collections(interest=interest, principal=scheduled + prepaid, recoveries=recovered)
        result = run_waterfall(collections, state, pool_balance=opening)
        state, purchases = result.state, result.reinvestment
        if purchases > 0:
            # The projection assumes eligible loans can always be found for the whole amount.
            engine.buy(float(purchases), buy_rate, buy_term, buy_method)
            state = record_purchases(state, purchases)
            base += purchases
        closing = run_off + purchases
        periods.append(ProjectedPeriod(number, phase, opening, interest, scheduled, prepaid, defaulted, recovered,
                                       purchases, closing, report, result))
        opening = closing
    return Projection(tuple(periods))


def _apportion(amount: Decimal, weights: tuple[float, ...]) -> list[Decimal]:
    """Share whole fen out in proportion to the weights: floors first, then one fen each to the
    largest remainders. No part is negative and the parts add up to ``amount``."""
    fen = int(amount * 100)
    total = sum(weights)
    if fen <= 0 or total <= 0:
        return [ZERO for _ in weights]
    quotas = [fen * w / total for w in weights]
    parts = [int(q) for q in quotas]
    order = sorted(range(len(weights)), key=lambda i: parts[i] - quotas[i])
    for i in order[: fen - sum(parts)]:
        parts[i] += 1
    return [(Decimal(p) / 100).quantize(FEN) for p in parts]


def _replenishment(cols: _Columns, a: Assumptions) -> tuple[float, int, int]:
    if a.replenishment is not None:
        r = a.replenishment
        days_a_month = 365 / 12 if a.day_count is DayCount.ACT_365 else 30.0
        return float(r.daily_rate) * days_a_month, r.term_months, _method_code(r.method)
    total = float(cols.balance.sum())
    if total <= 0:
        return 0.0, 1, _LEVEL
    rate = float((cols.balance * cols.monthly_rate).sum()) / total
    term = max(1, round(float((cols.balance * cols.remaining).sum()) / total))
    return rate, term, _LEVEL
