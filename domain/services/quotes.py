"""Quotes: the schedule and APR a draw would have, with no side effects."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from domain.errors import ValidationFailed
from domain.money import FEN, ZERO
from domain.rules.apr import apr as apr_of
from domain.rules.daycount import DayCount
from domain.rules.schedule import Method, ScheduledInstallment, TermError, build_schedule
from domain.settings import Settings


@dataclass(frozen=True)
class Quote:
    method: Method
    principal: Decimal
    daily_rate: Decimal
    apr: Decimal
    schedule: list[ScheduledInstallment]
    start: date

    @property
    def total_interest(self) -> Decimal:
        return sum((i.interest for i in self.schedule), ZERO)

    @property
    def total_fees(self) -> Decimal:
        return sum((i.fee for i in self.schedule), ZERO)

    @property
    def maturity_date(self) -> date:
        return self.schedule[-1].due_date


def parse_method(method: str) -> Method:
    try:
        return Method(str(method))
    except ValueError as exc:
        raise ValidationFailed(f"unknown repayment method {method!r}", field="method") from exc


def make_quote(
    amount: Decimal,
    daily_rate: Decimal,
    method: str,
    *,
    start: date,
    term_months: int | None,
    term_days: int | None,
    settings: Settings,
    fee_per_period: Decimal = ZERO,
) -> Quote:
    """Validate a draw's amount, method and term and build its schedule and APR. A fee per
    period (an insurance premium) rides on every instalment and counts in the APR."""
    if amount != amount.quantize(FEN):
        raise ValidationFailed("amount has more than two decimal places", field="amount")
    if amount < settings.min_draw:
        raise ValidationFailed(f"the smallest draw is {settings.min_draw} CNY", field="amount")
    m = parse_method(method)
    try:
        schedule = build_schedule(
            amount,
            daily_rate,
            m,
            start,
            term_months=term_months,
            term_days=term_days,
            day_count=DayCount(settings.day_count),
            max_daily_months=settings.daily_interest_max_months,
            installment_terms=settings.installment_terms,
            fee_per_period=fee_per_period,
        )
    except TermError as exc:
        raise ValidationFailed(str(exc), field=getattr(exc, "field", "termMonths")) from exc
    return Quote(m, amount, daily_rate, apr_of(amount, schedule, start), schedule, start)
