"""Early repayment: interest for the days used, and the schedule after a partial prepayment."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum

from domain.money import ZERO, round_fen
from domain.rules.daycount import DayCount
from domain.rules.schedule import Method, ScheduledInstallment, amortize


class PrepaymentMode(StrEnum):
    SHORTEN_TERM = "SHORTEN_TERM"
    LOWER_INSTALLMENT = "LOWER_INSTALLMENT"


def accrued_interest(balance: Decimal, daily_rate: Decimal, days: int) -> Decimal:
    if days < 0:
        raise ValueError("days must not be negative")
    return round_fen(balance * daily_rate * days)


def payoff_interest_for_period(
    balance: Decimal,
    daily_rate: Decimal,
    period_start: date,
    today: date,
    scheduled_interest: Decimal,
) -> Decimal:
    """Interest owed when the balance is repaid inside a period.

    Only the days actually used are charged, and never more than the period's scheduled
    interest (a 31-day month would otherwise cost more than the 30 days it was priced at).
    """
    days = max((today - period_start).days, 0)
    return min(accrued_interest(balance, daily_rate, days), scheduled_interest)


def reschedule_after_prepayment(
    remaining_balance: Decimal,
    daily_rate: Decimal,
    method: Method,
    period_start: date,
    remaining_due_dates: list[date],
    mode: PrepaymentMode,
    *,
    current_payment: Decimal,
    day_count: DayCount = DayCount.THIRTY_360,
    fee_per_period: Decimal = ZERO,
    first_number: int,
) -> list[ScheduledInstallment]:
    """The new schedule for the balance left after a partial prepayment.

    LOWER_INSTALLMENT keeps every remaining due date and lowers the instalment.
    SHORTEN_TERM keeps ``current_payment`` and ends as soon as the balance is repaid; for
    EQUAL_INSTALLMENT it is the instalment (principal and interest), for EQUAL_PRINCIPAL the
    principal of each period. A daily-interest loan keeps its one due date either way.
    """
    payment = current_payment if mode is PrepaymentMode.SHORTEN_TERM else None
    if method is Method.DAILY_INTEREST:
        payment = None
    return amortize(
        remaining_balance,
        daily_rate,
        method,
        period_start,
        remaining_due_dates,
        day_count=day_count,
        fee_per_period=fee_per_period,
        first_number=first_number,
        payment=payment,
    )
