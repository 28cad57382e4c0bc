"""Repayment schedules: due dates, principal and interest of each instalment."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, localcontext
from enum import StrEnum

from domain.dates import add_months
from domain.money import FEN, ZERO, round_fen
from domain.rules.daycount import DayCount, nominal_monthly_rate, period_rate

INSTALLMENT_TERMS = (3, 6, 9, 12, 18, 24, 36)

# Enough digits that (1 + r) ** 36 loses nothing that could move the instalment by a fen.
_PRECISION = 40


class Method(StrEnum):
    DAILY_INTEREST = "DAILY_INTEREST"
    EQUAL_INSTALLMENT = "EQUAL_INSTALLMENT"
    EQUAL_PRINCIPAL = "EQUAL_PRINCIPAL"


@dataclass(frozen=True)
class ScheduledInstallment:
    number: int
    due_date: date
    principal: Decimal
    interest: Decimal
    fee: Decimal = ZERO

    @property
    def total(self) -> Decimal:
        return self.principal + self.interest + self.fee


class TermError(ValueError):
    """A loan term that the repayment method does not allow; ``field`` names the input."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


def maturity_date(
    method: Method,
    start: date,
    term_months: int | None,
    term_days: int | None,
    *,
    max_daily_months: int = 12,
    installment_terms: Sequence[int] = INSTALLMENT_TERMS,
) -> date:
    """The last due date, after checking that the term suits the method."""
    if method is Method.DAILY_INTEREST:
        return _daily_maturity(start, term_months, term_days, max_daily_months)
    if term_days is not None:
        raise TermError("instalment loans take a term in months, not days", "termDays")
    if term_months is None or term_months not in installment_terms:
        allowed = ", ".join(str(t) for t in installment_terms)
        raise TermError(f"term must be one of {allowed} months, not {term_months}", "termMonths")
    return add_months(start, term_months)


def _daily_maturity(start: date, term_months: int | None, term_days: int | None, max_months: int) -> date:
    latest = add_months(start, max_months)
    if term_months is not None and term_days is not None:
        raise TermError("give the term in days or in months, not both", "termDays")
    if term_days is not None:
        if term_days < 1:
            raise TermError("term must be at least 1 day", "termDays")
        due = start + timedelta(days=term_days)
        if due > latest:
            raise TermError(f"term must end within {max_months} months, by {latest}", "termDays")
        return due
    if term_months is None:
        raise TermError("a term in days or months is required", "termDays")
    if term_months < 1 or add_months(start, term_months) > latest:
        raise TermError(f"term must be 1 to {max_months} months, not {term_months}", "termMonths")
    return add_months(start, term_months)


def schedule_due_dates(method: Method, start: date, maturity: date, term_months: int | None) -> list[date]:
    if method is Method.DAILY_INTEREST:
        return [maturity]
    assert term_months is not None
    return [add_months(start, k) for k in range(1, term_months + 1)]


def build_schedule(
    principal: Decimal,
    daily_rate: Decimal,
    method: Method,
    start: date,
    *,
    term_months: int | None = None,
    term_days: int | None = None,
    day_count: DayCount = DayCount.THIRTY_360,
    fee_per_period: Decimal = ZERO,
    max_daily_months: int = 12,
    installment_terms: Sequence[int] = INSTALLMENT_TERMS,
) -> list[ScheduledInstallment]:
    if principal <= 0:
        raise ValueError("principal must be positive")
    if daily_rate < 0:
        raise ValueError("daily rate must not be negative")
    maturity = maturity_date(
        method,
        start,
        term_months,
        term_days,
        max_daily_months=max_daily_months,
        installment_terms=installment_terms,
    )
    dates = schedule_due_dates(method, start, maturity, term_months)
    return amortize(
        principal, daily_rate, method, start, dates, day_count=day_count, fee_per_period=fee_per_period
    )


def amortize(
    balance: Decimal,
    daily_rate: Decimal,
    method: Method,
    period_start: date,
    due_dates: list[date],
    *,
    day_count: DayCount = DayCount.THIRTY_360,
    fee_per_period: Decimal = ZERO,
    first_number: int = 1,
    payment: Decimal | None = None,
) -> list[ScheduledInstallment]:
    """Spread ``balance`` over ``due_dates``; period i runs from the previous due date.

    ``payment`` fixes the level amount instead of deriving it from the number of due dates:
    the instalment (principal and interest, without fee) for EQUAL_INSTALLMENT, the
    principal of each period for EQUAL_PRINCIPAL. The schedule stops as soon as the balance
    is repaid, so it may have fewer instalments than due dates; the last due date always
    takes whatever balance remains.
    """
    _check_inputs(balance, daily_rate, fee_per_period)
    balance = balance.quantize(FEN)
    fee_per_period = fee_per_period.quantize(FEN)
    if balance == 0:
        return []
    _check_due_dates(period_start, due_dates)
    if method is Method.DAILY_INTEREST:
        return [_single_payment(balance, daily_rate, period_start, due_dates, fee_per_period, first_number)]

    if payment is None:
        level = _level_amount(balance, daily_rate, method, day_count, len(due_dates))
    elif payment < 0:
        raise ValueError("payment must not be negative")
    else:
        level = payment

    schedule: list[ScheduledInstallment] = []
    start = period_start
    last_index = len(due_dates) - 1
    for index, due in enumerate(due_dates):
        if balance == 0:
            break
        interest = round_fen(balance * period_rate(daily_rate, day_count, start, due))
        if index == last_index:
            principal = balance
        else:
            planned = level - interest if method is Method.EQUAL_INSTALLMENT else level
            # Never below zero (a payment that only covers interest) nor above what is owed.
            principal = min(max(planned, ZERO), balance)
        schedule.append(ScheduledInstallment(first_number + index, due, principal, interest, fee_per_period))
        balance -= principal
        start = due
    return schedule


def _single_payment(
    balance: Decimal,
    daily_rate: Decimal,
    period_start: date,
    due_dates: list[date],
    fee: Decimal,
    number: int,
) -> ScheduledInstallment:
    if len(due_dates) != 1:
        raise ValueError("a daily-interest loan has exactly one due date")
    due = due_dates[0]
    interest = round_fen(balance * daily_rate * (due - period_start).days)
    return ScheduledInstallment(number, due, balance, interest, fee)


def _level_amount(
    balance: Decimal, daily_rate: Decimal, method: Method, day_count: DayCount, periods: int
) -> Decimal:
    if method is Method.EQUAL_PRINCIPAL:
        return round_fen(balance / periods)
    return equal_installment(balance, nominal_monthly_rate(daily_rate, day_count), periods)


def equal_installment(principal: Decimal, monthly_rate: Decimal, periods: int) -> Decimal:
    """The level instalment P·r·(1+r)^n / ((1+r)^n − 1), rounded to the fen."""
    if periods < 1:
        raise ValueError("at least one period is needed")
    with localcontext() as ctx:
        ctx.prec = _PRECISION
        if monthly_rate == 0:
            return round_fen(principal / periods)
        growth = (1 + monthly_rate) ** periods
        return round_fen(principal * monthly_rate * growth / (growth - 1))


def _check_inputs(balance: Decimal, daily_rate: Decimal, fee: Decimal) -> None:
    if balance < 0:
        raise ValueError("balance must not be negative")
    if round_fen(balance) != balance:
        raise ValueError(f"balance {balance} is not a whole number of fen")
    if daily_rate < 0:
        raise ValueError("daily rate must not be negative")
    if fee < 0 or round_fen(fee) != fee:
        raise ValueError("fee must be a non-negative whole number of fen")


def _check_due_dates(period_start: date, due_dates: Sequence[date]) -> None:
    if not due_dates:
        raise ValueError("at least one due date is needed")
    if due_dates[0] < period_start:
        raise ValueError("the first due date comes before the period start")
    if any(later <= earlier for earlier, later in zip(due_dates, due_dates[1:], strict=False)):
        raise ValueError("due dates must strictly increase")
