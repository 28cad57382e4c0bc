"""The annualised rate by the IRR method (PBoC announcement 2021 No. 3).

Every interest and fee cash flow tied to the loan counts; the borrower receives the
principal less any fee taken up front.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, localcontext

from domain.money import ZERO
from domain.rules.schedule import ScheduledInstallment

APR_PLACES = Decimal("0.000001")

_PRECISION = 40
# Digits of the result: the working digits beyond these only carry the solver's noise.
_RESULT_PRECISION = 34
_TOLERANCE = Decimal("1e-20")
_MAX_NEWTON_STEPS = 100
_MAX_BISECTION_STEPS = 400
# Just above -100% a period: the lowest rate at which present values are still defined.
_LOWEST_RATE = Decimal("-0.999999")
_HIGHEST_RATE = Decimal(2) ** 40


def irr(cashflows: Sequence[Decimal]) -> Decimal:
    """The periodic rate at which the cash flows' present value is zero.

    ``cashflows[0]`` is the money lent (negative); the others follow one period apart.
    """
    flows = [Decimal(flow) for flow in cashflows]
    if not any(flow < 0 for flow in flows) or not any(flow > 0 for flow in flows):
        raise ValueError("cash flows need both a negative and a positive amount")
    with localcontext() as ctx:
        ctx.prec = _PRECISION
        rate = _newton(flows)
        if rate is None:
            rate = _bisect(flows)
        ctx.prec = _RESULT_PRECISION
        return +rate


def apr(
    principal: Decimal,
    schedule: Sequence[ScheduledInstallment],
    start: date,
    *,
    upfront_fee: Decimal = ZERO,
) -> Decimal:
    """Annual rate as a fraction at six places: ``Decimal("0.127500")`` is 12.7500%.

    An instalment loan is priced from its monthly flows (monthly IRR × 12). A loan with one
    repayment is a single period of the days it is held, annualised on 365 days.
    """
    if not schedule:
        raise ValueError("the schedule is empty")
    if upfront_fee < 0:
        raise ValueError("upfront fee must not be negative")
    received = principal - upfront_fee
    if received <= 0:
        raise ValueError("the borrower must receive a positive amount")
    with localcontext() as ctx:
        ctx.prec = _PRECISION
        if len(schedule) == 1:
            only = schedule[0]
            days = (only.due_date - start).days
            if days < 1:
                raise ValueError("a single repayment must fall due at least a day after the start")
            rate = (only.total / received - 1) * 365 / days
        else:
            rate = irr([-received, *(item.total for item in schedule)]) * 12
        return rate.quantize(APR_PLACES, rounding=ROUND_HALF_UP)


def _npv(flows: Sequence[Decimal], rate: Decimal) -> Decimal:
    # Horner's scheme in the discount factor, from the last flow back to the first.
    discount = 1 / (1 + rate)
    total = Decimal(0)
    for flow in reversed(flows):
        total = total * discount + flow
    return total


def _npv_slope(flows: Sequence[Decimal], rate: Decimal) -> Decimal:
    discount = 1 / (1 + rate)
    return -sum((k * flow * discount ** (k + 1) for k, flow in enumerate(flows) if k), start=Decimal(0))


def _newton(flows: Sequence[Decimal]) -> Decimal | None:
    rate = Decimal("0.01")
    for _ in range(_MAX_NEWTON_STEPS):
        slope = _npv_slope(flows, rate)
        if slope == 0:
            return None
        step = _npv(flows, rate) / slope
        rate -= step
        if rate <= -1:
            return None
        if abs(step) < _TOLERANCE:
            return rate
    return None


def _bisect(flows: Sequence[Decimal]) -> Decimal:
    low, high = _bracket(flows)
    low_sign = _npv(flows, low) > 0
    for _ in range(_MAX_BISECTION_STEPS):
        if high - low < _TOLERANCE:
            break
        middle = (low + high) / 2
        value = _npv(flows, middle)
        if value == 0:
            return middle
        if (value > 0) == low_sign:
            low = middle
        else:
            high = middle
    return (low + high) / 2


def _bracket(flows: Sequence[Decimal]) -> tuple[Decimal, Decimal]:
    low = _LOWEST_RATE
    low_positive = _npv(flows, low) > 0
    high = Decimal(1)
    while high <= _HIGHEST_RATE:
        if (_npv(flows, high) > 0) != low_positive:
            return low, high
        high *= 2
    raise ValueError("no rate makes the present value of these cash flows zero")
