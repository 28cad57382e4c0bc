"""Early-amortisation triggers: a breach ends the revolving period at once, for good.

The cumulative default rate is the defaulted principal since the cut-off date over the principal
the pool ever held (the cut-off balance plus every revolving purchase). The overcollateralisation
(OC) ratio is the pool balance over the balance of the rated tranches (senior and mezzanine).
Breaches are decided by exact multiplication; the ratios in the report are rounded for reading.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from domain.money import ZERO
from domain.pools.waterfall import Phase, PoolState

RATIO_PLACES = Decimal("0.000001")


class Trigger(StrEnum):
    CUMULATIVE_DEFAULT_RATE = "CUMULATIVE_DEFAULT_RATE"
    OVERCOLLATERALISATION = "OVERCOLLATERALISATION"


@dataclass(frozen=True)
class TriggerLimits:
    # Breached when the rate is above this.
    max_cumulative_default_rate: Decimal
    # Breached when the ratio is below this.
    min_oc_ratio: Decimal = Decimal(1)

    def __post_init__(self) -> None:
        if not 0 <= self.max_cumulative_default_rate <= 1:
            raise ValueError("the cumulative default rate limit must lie between 0 and 1")
        if self.min_oc_ratio < 0:
            raise ValueError("the OC ratio limit must not be negative")


@dataclass(frozen=True)
class TriggerReport:
    limits: TriggerLimits
    cumulative_defaults: Decimal
    cumulative_base: Decimal
    cumulative_default_rate: Decimal
    pool_balance: Decimal
    rated_balance: Decimal
    # None once the rated tranches are retired: there is nothing left to cover.
    oc_ratio: Decimal | None
    breaches: tuple[Trigger, ...]

    @property
    def breached(self) -> bool:
        return bool(self.breaches)


def evaluate_triggers(
    limits: TriggerLimits,
    *,
    cumulative_defaults: Decimal,
    cumulative_base: Decimal,
    pool_balance: Decimal,
    rated_balance: Decimal,
) -> TriggerReport:
    for value, what in (
        (cumulative_defaults, "cumulative defaults"),
        (cumulative_base, "cumulative base"),
        (pool_balance, "pool balance"),
        (rated_balance, "rated balance"),
    ):
        if value < 0:
            raise ValueError(f"{what} must not be negative")
    breaches: list[Trigger] = []
    rate = ZERO
    if cumulative_base > 0:
        rate = _ratio(cumulative_defaults, cumulative_base)
        if cumulative_defaults > limits.max_cumulative_default_rate * cumulative_base:
            breaches.append(Trigger.CUMULATIVE_DEFAULT_RATE)
    elif cumulative_defaults > 0:
        raise ValueError("defaults without a base to measure them on")
    oc = None
    if rated_balance > 0:
        oc = _ratio(pool_balance, rated_balance)
        if pool_balance < limits.min_oc_ratio * rated_balance:
            breaches.append(Trigger.OVERCOLLATERALISATION)
    return TriggerReport(
        limits=limits,
        cumulative_defaults=cumulative_defaults,
        cumulative_base=cumulative_base,
        cumulative_default_rate=rate,
        pool_balance=pool_balance,
        rated_balance=rated_balance,
        oc_ratio=oc,
        breaches=tuple(breaches),
    )


def apply_triggers(state: PoolState, report: TriggerReport) -> PoolState:
    """The pool amortises from the period of a breach on; an amortising pool never revolves again."""
    if report.breached and state.phase is Phase.REVOLVING:
        return replace(state, phase=Phase.AMORTISING)
    return state


def _ratio(numerator: Decimal, denominator: Decimal) -> Decimal:
    return (numerator / denominator).quantize(RATIO_PLACES, rounding=ROUND_HALF_UP)
