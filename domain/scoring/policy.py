"""Score bands -> decision, initial limit and daily rate.

Bands are set by their lower score bounds (settings.score_band_floors, best band first, named A, B,
C, ...); a score under the last floor is in the band after them and is declined. Each band has a daily rate
(ppm) and an initial limit as a percentage of annual income. Whatever the band says, an initial limit
lies within 500-30,000 CNY, and no limit is ever above a third of annual income or the line cap.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal

from domain.money import FEN, ppm_to_rate
from domain.settings import Settings, get_settings

APPROVED, REVIEW, DECLINED = "APPROVED", "REVIEW", "DECLINED"
_HUNDRED = Decimal(100)
ZERO = Decimal("0.00")


@dataclass(frozen=True)
class CreditPolicy:
    decision: str
    band: str
    limit: Decimal  # 0.00 unless approved or in review
    daily_rate: Decimal  # 0 unless approved or in review
    reasons: tuple[str, ...] = ()


def band_index(score: int, settings: Settings) -> int:
    """0 for the best band; len(floors) for a score under every floor."""
    for i, floor in enumerate(settings.score_band_floors):
        if score >= floor:
            return i
    return len(settings.score_band_floors)


def band_name(index: int) -> str:
    return chr(ord("A") + index)


def _floor_hundred(amount: Decimal) -> Decimal:
    return ((amount / _HUNDRED).to_integral_value(rounding=ROUND_FLOOR) * _HUNDRED).quantize(FEN)


def limit_cap(monthly_income: Decimal, settings: Settings) -> Decimal:
    """The most any line may have: a third of annual income (by default), never above the line cap."""
    annual = max(monthly_income, Decimal(0)) * 12
    return min(annual / settings.limit_income_divisor, settings.max_line_limit)


def rate_for_score(score: int, settings: Settings | None = None) -> Decimal | None:
    """The band's daily rate, kept within the product's range; None for a declined score."""
    settings = settings or get_settings()
    i = band_index(score, settings)
    if i >= len(settings.score_band_floors):
        return None
    rate = ppm_to_rate(settings.score_band_rates_ppm[i])
    return min(max(rate, settings.min_daily_rate), settings.max_daily_rate)


def initial_limit(score: int, monthly_income: Decimal, settings: Settings | None = None) -> Decimal:
    """The band's share of annual income, within the caps, rounded down to 100 CNY (0 if declined)."""
    settings = settings or get_settings()
    i = band_index(score, settings)
    if i >= len(settings.score_band_floors) or monthly_income <= 0:
        return ZERO
    share = monthly_income * 12 * Decimal(settings.score_band_limit_percent[i]) / _HUNDRED
    return _floor_hundred(min(share, settings.initial_limit_max, limit_cap(monthly_income, settings)))


def policy_for_score(score: int, monthly_income: Decimal, settings: Settings | None = None) -> CreditPolicy:
    settings = settings or get_settings()
    i = band_index(score, settings)
    band = band_name(i)
    rate = rate_for_score(score, settings)
    if rate is None:
        return CreditPolicy(DECLINED, band, ZERO, Decimal(0), ("SCORE_TOO_LOW",))
    limit = initial_limit(score, monthly_income, settings)
    if limit < settings.initial_limit_min:
        return CreditPolicy(DECLINED, band, ZERO, Decimal(0), ("INCOME_TOO_LOW",))
    if score < settings.score_approve_floor:
        return CreditPolicy(REVIEW, band, limit, rate, ("SCORE_NEEDS_REVIEW",))
    return CreditPolicy(APPROVED, band, limit, rate)
