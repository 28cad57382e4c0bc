"""Days past due, collection buckets, five-category classification and penalty interest."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum

from domain.money import ZERO, round_fen

DEFAULT_PENALTY_MULTIPLIER = Decimal("1.5")


class LoanClass(StrEnum):
    NORMAL = "NORMAL"
    SPECIAL_MENTION = "SPECIAL_MENTION"
    SUBSTANDARD = "SUBSTANDARD"
    DOUBTFUL = "DOUBTFUL"
    LOSS = "LOSS"


class Bucket(StrEnum):
    CURRENT = "M0"
    M1 = "M1"
    M2 = "M2"
    M3 = "M3"
    M3_PLUS = "M3+"


def days_past_due(oldest_unpaid_due: date | None, today: date) -> int:
    if oldest_unpaid_due is None or today <= oldest_unpaid_due:
        return 0
    return (today - oldest_unpaid_due).days


def collection_bucket(dpd: int) -> Bucket:
    _check_dpd(dpd)
    if dpd == 0:
        return Bucket.CURRENT
    if dpd <= 30:
        return Bucket.M1
    if dpd <= 60:
        return Bucket.M2
    if dpd <= 90:
        return Bucket.M3
    return Bucket.M3_PLUS


def classify(dpd: int) -> LoanClass:
    _check_dpd(dpd)
    if dpd == 0:
        return LoanClass.NORMAL
    if dpd <= 90:
        return LoanClass.SPECIAL_MENTION
    if dpd <= 270:
        return LoanClass.SUBSTANDARD
    if dpd <= 360:
        return LoanClass.DOUBTFUL
    return LoanClass.LOSS


def is_past_grace(dpd: int, grace_days: int) -> bool:
    return dpd > grace_days


def daily_penalty(
    overdue_principal: Decimal, daily_rate: Decimal, multiplier: Decimal = DEFAULT_PENALTY_MULTIPLIER
) -> Decimal:
    """One day's penalty, rounded to the fen each day (as close of business accrues it)."""
    return round_fen(overdue_principal * daily_rate * multiplier)


def penalty_days_to_accrue(dpd: int, grace_days: int) -> int:
    """Days of penalty that close of business adds on the day the loan reaches ``dpd``.

    Penalty counts from the due date but only once grace has passed: the first day past
    grace brings in the grace days too; each later day adds one. A loan repaid within grace
    owes none.
    """
    _check_dpd(dpd)
    if dpd <= grace_days:
        return 0
    if dpd == grace_days + 1:
        return dpd
    return 1


def penalty_for(
    overdue_principal: Decimal,
    daily_rate: Decimal,
    dpd: int,
    grace_days: int,
    multiplier: Decimal = DEFAULT_PENALTY_MULTIPLIER,
) -> Decimal:
    """Total penalty after ``dpd`` days overdue on an unchanged overdue principal."""
    _check_dpd(dpd)
    if not is_past_grace(dpd, grace_days):
        return ZERO
    return daily_penalty(overdue_principal, daily_rate, multiplier) * dpd


def should_write_off(dpd: int, write_off_dpd: int = 180) -> bool:
    return dpd > write_off_dpd


def _check_dpd(dpd: int) -> None:
    if dpd < 0:
        raise ValueError("days past due must not be negative")
