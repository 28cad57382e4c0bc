from dataclasses import replace
from decimal import Decimal

import pytest

from domain.pools.eligibility import LoanSnapshot
from domain.pools.projection import Assumptions, project
from domain.pools.triggers import Trigger, TriggerLimits, apply_triggers, evaluate_triggers
from domain.pools.waterfall import Collections, Fee, Phase, PoolState, Tranche, TrancheKind, run_waterfall

D = Decimal
LIMITS = TriggerLimits(max_cumulative_default_rate=D("0.03"))


def deal() -> PoolState:
    # 100,000,000.00 split 80/10/10; coupons 3.5% and 5%; trustee 0.1% and servicer 1% a year.
    return PoolState(
        tranches=(
            Tranche("A", TrancheKind.SENIOR, D("80000000.00"), D("0.035")),
            Tranche("B", TrancheKind.MEZZANINE, D("10000000.00"), D("0.05")),
            Tranche("C", TrancheKind.SUBORDINATED, D("10000000.00")),
        ),
        trustee_fee=Fee(D("0.001")),
        servicer_fee=Fee(D("0.01")),
    )


def report(defaults="0.00", base="100000000.00", pool="100000000.00", rated="90000000.00", limits=LIMITS):
    return evaluate_triggers(
        limits,
        cumulative_defaults=D(defaults),
        cumulative_base=D(base),
        pool_balance=D(pool),
        rated_balance=D(rated),
    )


def test_a_cumulative_default_rate_above_the_limit_breaches_and_is_reported():
    breach = report(defaults="3000000.01")
    assert breach.breaches == (Trigger.CUMULATIVE_DEFAULT_RATE,)
    # 3,000,000.01 / 100,000,000 = 0.0300000001, shown to six places
    assert breach.cumulative_default_rate == D("0.030000")
    assert breach.limits.max_cumulative_default_rate == D("0.03")


def test_a_cumulative_default_rate_at_the_limit_does_not_breach():
    assert not report(defaults="3000000.00").breached


def test_purchases_count_in_the_base_of_the_default_rate():
    # 3,500,000 over 100,000,000 at cut-off plus 20,000,000 bought: 2.9167%
    assert not report(defaults="3500000.00", base="120000000.00").breached


def test_an_overcollateralisation_ratio_below_one_breaches_and_is_reported():
    breach = report(pool="89999999.99")
    assert breach.breaches == (Trigger.OVERCOLLATERALISATION,)
    # 89,999,999.99 / 90,000,000 = 0.99999999989 → 1.000000 shown, yet below one
    assert breach.oc_ratio == D("1.000000")
    assert not report(pool="90000000.00").breached


def test_the_overcollateralisation_limit_is_configurable():
    limits = TriggerLimits(max_cumulative_default_rate=D("0.03"), min_oc_ratio=D("1.05"))
    # 94,000,000 / 90,000,000 = 1.044444 < 1.05
    breach = report(pool="94000000.00", limits=limits)
    assert breach.oc_ratio == D("1.044444")
    assert breach.breaches == (Trigger.OVERCOLLATERALISATION,)


def test_both_triggers_can_breach_together():
    both = report(defaults="5000000.00", pool="85000000.00")
    assert both.breaches == (Trigger.CUMULATIVE_DEFAULT_RATE, Trigger.OVERCOLLATERALISATION)


def test_there_is_no_overcollateralisation_once_the_rated_tranches_are_retired():
    done = report(pool="0.00", rated="0.00")
    assert done.oc_ratio is None
    assert not done.breached


def test_limits_outside_their_range_are_refused():
    with pytest.raises(ValueError):
        TriggerLimits(max_cumulative_default_rate=D("1.5"))
    with pytest.raises(ValueError):
        TriggerLimits(max_cumulative_default_rate=D("0.03"), min_oc_ratio=D("-1"))


def test_a_breach_ends_the_revolving_period_and_it_never_resumes():
    state = apply_triggers(deal(), report(defaults="4000000.00"))
    assert state.phase is Phase.AMORTISING
    assert apply_triggers(state, report()).phase is Phase.AMORTISING
    assert apply_triggers(deal(), report()).phase is Phase.REVOLVING


def test_the_waterfall_amortises_in_the_very_period_of_the_breach():
    month = Collections(interest=D("1200000.00"), principal=D("8000000.00"))
    state = apply_triggers(deal(), report(defaults="4000000.00"))
    result = run_waterfall(month, state, pool_balance=D("100000000.00"))
    # no purchases: after 366,666.66 of fees and coupons, 8,833,333.34 retires senior principal
    assert result.reinvestment == D("0.00")
    assert result.tranche("A").principal_paid == D("8833333.34")


# --- a pool stressed until a trigger breaches ------------------------------------------------
#
# One 100,000,000.00 loan repaid in one sum in 36 months, at 0.04% a day (1.2% a month), so no
# principal comes in to buy loans and the pool only shrinks by its defaults. A CDR of
# 1 − 0.99^12 is a monthly default rate of exactly 1%: the pool after k months is
# 100,000,000 × 0.99^k and the cumulative default rate 1 − 0.99^k:
#   k = 1: 1%   k = 2: 1.99%   k = 3: 2.9701%   k = 4: 3.940399%   (3% breached in month 4)
# and the pool over the rated 90,000,000 (0.99^k / 0.9) first falls below one at k = 11:
#   0.99^10 = 0.904382…, 0.99^11 = 0.895338… → 89,533,825.43 / 90,000,000 = 0.994820


def stressed(limits: TriggerLimits):
    loan = LoanSnapshot(1, 1, "DAILY_INTEREST", D("100000000.00"), D("0.0004"), 36, 0, "ACTIVE", "A", "GENERAL")
    assumptions = Assumptions(cdr=1 - D("0.99") ** 12, revolving_periods=24, periods=14, triggers=limits)
    return project([loan], deal(), assumptions).periods


def test_a_stressed_pool_flips_to_amortisation_in_the_month_its_default_rate_breaches():
    periods = stressed(LIMITS)
    assert [p.phase for p in periods[:4]] == [Phase.REVOLVING] * 3 + [Phase.AMORTISING]
    month_four = periods[3]
    assert month_four.triggers.cumulative_defaults == D("3940399.00")
    assert month_four.triggers.cumulative_default_rate == D("0.039404")
    assert month_four.triggers.breaches == (Trigger.CUMULATIVE_DEFAULT_RATE,)
    assert not periods[2].triggers.breached
    # Month 4 by hand: the pool opens at 97,029,900.00; 96,059,601.00 survives and pays
    # 1.2% = 1,152,715.21. Trustee 97,029,900 × 0.1% / 12 = 8,085.825 → 8,085.83; servicer
    # 80,858.25; coupons 233,333.33 and 41,666.67; what is left, 788,771.13, retires senior principal.
    assert month_four.interest == D("1152715.21")
    assert month_four.waterfall.trustee_fee.paid == D("8085.83")
    assert month_four.waterfall.servicer_fee.paid == D("80858.25")
    assert month_four.waterfall.tranche("A").principal_paid == D("788771.13")
    assert all(p.phase is Phase.AMORTISING for p in periods[3:])


def test_a_stressed_pool_flips_to_amortisation_in_the_month_its_overcollateralisation_breaches():
    periods = stressed(replace(LIMITS, max_cumulative_default_rate=D("0.5")))
    assert [p.phase for p in periods[:11]] == [Phase.REVOLVING] * 10 + [Phase.AMORTISING]
    assert periods[10].triggers.pool_balance == D("89533825.43")
    assert periods[10].triggers.oc_ratio == D("0.994820")
    assert periods[10].triggers.breaches == (Trigger.OVERCOLLATERALISATION,)
    assert periods[9].triggers.oc_ratio == D("1.004869")
