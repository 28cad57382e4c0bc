"""A new pool's terms, checked: its loan criteria, tranches, fees, triggers and revolving period.

Rates and shares arrive as Decimals (annual coupons and fees, the daily-rate band, shares of the
pool); the database keeps them as parts per million. Every check raises ValidationFailed naming
the field, before anything is written."""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import ROUND_DOWN, Decimal
from typing import Any

from domain.errors import ValidationFailed
from domain.money import FEN, ZERO, rate_to_ppm
from domain.pools.eligibility import Criteria
from domain.pools.waterfall import PrincipalMode, TrancheKind

PPM = Decimal(1_000_000)
MAX_FIXED_FEE = Decimal("1000000.00")
_NAME_MAX = 64


@dataclass(frozen=True)
class TrancheSpec:
    name: str
    kind: TrancheKind
    # Share of the cut-off balance; the subordinated tranche takes whatever the rated ones leave.
    share: Decimal = ZERO
    coupon: Decimal = ZERO


@dataclass(frozen=True)
class PoolSpec:
    name: str
    criteria: Criteria
    tranches: tuple[TrancheSpec, ...]
    revolving_months: int = 12
    principal_mode: PrincipalMode = PrincipalMode.SEQUENTIAL
    turbo: bool = False
    trustee_fee: Decimal = ZERO
    servicer_fee: Decimal = ZERO
    # Fixed amounts a period, on top of the yearly rates.
    trustee_fee_fixed: Decimal = ZERO
    servicer_fee_fixed: Decimal = ZERO
    max_default_rate: Decimal = Decimal("0.05")
    min_oc_ratio: Decimal = Decimal(1)


def check_spec(spec: PoolSpec) -> PoolSpec:
    name = (spec.name or "").strip()
    if not name or len(name) > _NAME_MAX:
        raise ValidationFailed(f"a pool name has 1-{_NAME_MAX} characters", field="name")
    if not 0 <= spec.revolving_months <= 60:
        raise ValidationFailed("the revolving period lasts 0 to 60 months", field="revolvingMonths")
    for value, what in ((spec.trustee_fee, "trusteeFee"), (spec.servicer_fee, "servicerFee")):
        if not ZERO <= value < 1:
            raise ValidationFailed("a fee is a yearly rate from 0 up to 1", field=what)
    for value, what in ((spec.trustee_fee_fixed, "trusteeFeeFixed"), (spec.servicer_fee_fixed, "servicerFeeFixed")):
        if not ZERO <= value <= MAX_FIXED_FEE or value != value.quantize(FEN):
            raise ValidationFailed("a fixed fee is an amount from 0.00 up to 1,000,000.00 a period", field=what)
    if not ZERO <= spec.max_default_rate <= 1:
        raise ValidationFailed("the default-rate trigger lies between 0 and 1", field="maxDefaultRate")
    if not ZERO <= spec.min_oc_ratio <= 10:
        raise ValidationFailed("the overcollateralisation trigger lies between 0 and 10", field="minOcRatio")
    _check_tranches(spec.tranches)
    rates = [("trusteeFee", spec.trustee_fee), ("servicerFee", spec.servicer_fee),
             ("maxDefaultRate", spec.max_default_rate), ("minOcRatio", spec.min_oc_ratio)]
    rates += [("tranches", t.coupon) for t in spec.tranches]
    for what, value in rates:
        try:
            rate_to_ppm(value)
        except ValueError as exc:
            raise ValidationFailed(str(exc), field=what) from exc
    return replace(spec, name=name)


def _check_tranches(tranches: tuple[TrancheSpec, ...]) -> None:
    order = list(TrancheKind)
    kinds = [t.kind for t in tranches]
    if not kinds or kinds[-1] is not TrancheKind.SUBORDINATED or kinds.count(TrancheKind.SUBORDINATED) != 1:
        raise ValidationFailed("a pool has rated tranches followed by exactly one subordinated tranche",
                               field="tranches")
    if kinds != sorted(kinds, key=order.index) or TrancheKind.SENIOR not in kinds:
        raise ValidationFailed("tranches run senior, then mezzanine, then subordinated", field="tranches")
    names = [t.name.strip() for t in tranches]
    if any(not n or len(n) > 32 for n in names) or len(set(names)) != len(names):
        raise ValidationFailed("tranche names are 1-32 characters and differ", field="tranches")
    rated = [t for t in tranches if t.kind is not TrancheKind.SUBORDINATED]
    if any(not ZERO < t.share < 1 for t in rated):
        raise ValidationFailed("each rated tranche takes a share above 0 and below 1", field="tranches")
    if sum((t.share for t in rated), ZERO) >= 1:
        raise ValidationFailed("the rated tranches must leave a subordinated share", field="tranches")
    if any(not ZERO <= t.coupon < 1 for t in tranches):
        raise ValidationFailed("a coupon is a yearly rate from 0 up to 1", field="tranches")


def tranche_sizes(tranches: tuple[TrancheSpec, ...], balance: Decimal) -> list[Decimal]:
    """Rated tranches get their share of the balance, rounded down to the fen; the subordinated
    one gets the rest, so the sizes add up to the balance exactly."""
    sizes = [(balance * t.share).quantize(FEN, rounding=ROUND_DOWN) for t in tranches[:-1]]
    return [*sizes, balance - sum(sizes, ZERO)]


def criteria_to_json(c: Criteria) -> dict[str, Any]:
    def rate(v: Decimal | None) -> str | None:
        return None if v is None else str(v)

    def names(v: frozenset[str] | None) -> list[str] | None:
        return None if v is None else sorted(v)

    return {
        "performing": c.performing, "maxDpd": c.max_dpd,
        "minRemainingTermMonths": c.min_remaining_term_months, "maxRemainingTermMonths": c.max_remaining_term_months,
        "minDailyRate": rate(c.min_daily_rate), "maxDailyRate": rate(c.max_daily_rate),
        "maxBorrowerShare": rate(c.max_borrower_share), "methods": names(c.methods),
        "scoreBands": names(c.score_bands), "segments": names(c.segments),
    }


def criteria_from_json(d: dict[str, Any]) -> Criteria:
    def dec(v: Any) -> Decimal | None:
        return None if v is None else Decimal(str(v))

    def names(v: Any) -> frozenset[str] | None:
        return None if v is None else frozenset(v)

    return Criteria(
        performing=bool(d.get("performing", True)), max_dpd=int(d.get("maxDpd", 0)),
        min_remaining_term_months=int(d.get("minRemainingTermMonths", 1)),
        max_remaining_term_months=d.get("maxRemainingTermMonths"),
        min_daily_rate=dec(d.get("minDailyRate")), max_daily_rate=dec(d.get("maxDailyRate")),
        max_borrower_share=dec(d.get("maxBorrowerShare")), methods=names(d.get("methods")),
        score_bands=names(d.get("scoreBands")), segments=names(d.get("segments")),
    )


def make_criteria(**kwargs: Any) -> Criteria:
    """Criteria from outside input, with the pure rules' objections turned into a clear error."""
    try:
        return Criteria(**kwargs)
    except (ValueError, TypeError) as exc:
        raise ValidationFailed(str(exc), field="criteria") from exc


def from_ppm(ppm: int) -> Decimal:
    return Decimal(ppm) / PPM
