"""The premium of a performance-guarantee policy, as a fee on the loan's instalments.

Pure: no database, no clock. The premium is a monthly rate on the drawn principal. An instalment
loan pays one month's premium with each instalment; a daily-interest loan, which has a single
repayment, pays the premium for its whole term with it, counted as days / 30 months (or the
months it was drawn for), rounded once."""

from __future__ import annotations

from decimal import Decimal

from domain.money import PPM, ZERO, round_fen
from domain.rules.schedule import Method

DAYS_A_MONTH = 30


def monthly_premium(principal: Decimal, premium_monthly_ppm: int) -> Decimal:
    return round_fen(principal * Decimal(int(premium_monthly_ppm)) / PPM)


def premium_per_period(principal: Decimal, premium_monthly_ppm: int, method: Method | str, *,
                       term_months: int | None = None, term_days: int | None = None) -> Decimal:
    """The fee each instalment carries. A term the method cannot take gives no premium: the
    schedule rules reject the term themselves, with a message naming it."""
    rate = Decimal(int(premium_monthly_ppm)) / PPM
    if rate <= 0:
        return ZERO
    if Method(method) is not Method.DAILY_INTEREST:
        return monthly_premium(principal, premium_monthly_ppm)
    if term_days is not None and term_months is None and term_days >= 1:
        return round_fen(principal * rate * term_days / DAYS_A_MONTH)
    if term_months is not None and term_days is None and term_months >= 1:
        return round_fen(principal * rate * term_months)
    return ZERO
