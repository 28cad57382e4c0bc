from dataclasses import replace
from decimal import ROUND_DOWN, Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.pools.waterfall import (
    Collections,
    Fee,
    Phase,
    PoolState,
    PrincipalMode,
    Tranche,
    TrancheKind,
    record_purchases,
    run_waterfall,
)

D = Decimal
POOL = D("100000000.00")


def deal(**changes) -> PoolState:
    """The worked 3-tranche deal: a 100,000,000.00 pool split 80/10/10, coupons 3.5% and 5% a
    year (none on the subordinated tranche), trustee 0.1% and servicer 1% a year on the pool."""
    state = PoolState(
        tranches=(
            Tranche("A", TrancheKind.SENIOR, D("80000000.00"), D("0.035")),
            Tranche("B", TrancheKind.MEZZANINE, D("10000000.00"), D("0.05")),
            Tranche("C", TrancheKind.SUBORDINATED, D("10000000.00")),
        ),
        trustee_fee=Fee(D("0.001")),
        servicer_fee=Fee(D("0.01")),
    )
    return replace(state, **changes)


# One month of the pool at 0.04% a day: interest 100,000,000 × 0.0004 × 30 = 1,200,000.00;
# principal 8,000,000.00 and 50,000.00 recovered on earlier defaults.
MONTH = Collections(interest=D("1200000.00"), principal=D("8000000.00"), recoveries=D("50000.00"))

# The fees and coupons of a month, each rounded half-up to the fen:
#   trustee   100,000,000 × 0.1% / 12 =   8,333.333… →   8,333.33
#   servicer  100,000,000 × 1%   / 12 =  83,333.333… →  83,333.33
#   senior     80,000,000 × 3.5% / 12 = 233,333.333… → 233,333.33
#   mezzanine  10,000,000 × 5%   / 12 =  41,666.666… →  41,666.67
# together 366,666.66; cash in 1,200,000 + 8,000,000 + 50,000 = 9,250,000.00,
# so 9,250,000.00 − 366,666.66 = 8,883,333.34 is left after interest.


def test_worked_revolving_month_pays_fees_and_interest_and_keeps_principal_for_purchases():
    result = run_waterfall(MONTH, deal(), pool_balance=POOL)
    assert result.trustee_fee.paid == D("8333.33")
    assert result.servicer_fee.paid == D("83333.33")
    assert result.tranche("A").interest_paid == D("233333.33")
    assert result.tranche("B").interest_paid == D("41666.67")
    # principal funds 8,000,000 + 50,000 recovered buy loans; 8,883,333.34 − 8,050,000 to C.
    assert result.reinvestment == D("8050000.00")
    assert result.tranche("C").residual_paid == D("833333.34")
    assert [result.tranche(n).principal_paid for n in "ABC"] == [D("0.00")] * 3
    assert result.cash_in == D("9250000.00") == result.paid_out + result.kept


def test_worked_amortising_month_turbo_pays_everything_left_to_the_senior_tranche():
    result = run_waterfall(MONTH, deal(phase=Phase.AMORTISING), pool_balance=POOL)
    assert result.tranche("A").principal_paid == D("8883333.34")
    assert result.tranche("B").principal_paid == D("0.00")
    assert result.tranche("C").residual_paid == D("0.00")
    assert result.reinvestment == D("0.00")
    # 80,000,000.00 − 8,883,333.34
    assert result.state.tranches[0].balance == D("71116666.66")


def test_worked_amortising_month_without_turbo_pays_principal_funds_and_the_excess_to_the_subordinated():
    result = run_waterfall(MONTH, deal(phase=Phase.AMORTISING, turbo=False), pool_balance=POOL)
    assert result.tranche("A").principal_paid == D("8050000.00")
    assert result.tranche("C").residual_paid == D("833333.34")


def test_worked_pro_rata_month_splits_principal_by_balance():
    result = run_waterfall(MONTH, deal(phase=Phase.AMORTISING, principal_mode=PrincipalMode.PRO_RATA),
                           pool_balance=POOL)
    # 8,883,333.34 × 80/90 = 7,896,296.302… and × 10/90 = 987,037.037…: the floors 7,896,296.30
    # and 987,037.03 leave one fen, which goes to the larger remainder (0.77 fen, the mezzanine).
    assert result.tranche("A").principal_paid == D("7896296.30")
    assert result.tranche("B").principal_paid == D("987037.04")


def test_unpaid_interest_carries_forward_to_the_next_period():
    short = Collections(interest=D("300000.00"))
    first = run_waterfall(short, deal(phase=Phase.AMORTISING), pool_balance=POOL)
    # 300,000 − 8,333.33 − 83,333.33 = 208,333.34 left for the senior's 233,333.33.
    assert first.tranche("A").interest_paid == D("208333.34")
    assert first.state.tranches[0].interest_unpaid == D("24999.99")
    assert first.tranche("B").interest_paid == D("0.00")
    assert first.state.tranches[1].interest_unpaid == D("41666.67")

    second = run_waterfall(Collections(interest=D("1200000.00")), first.state, pool_balance=POOL)
    # senior 233,333.33 + 24,999.99 = 258,333.32; mezzanine 41,666.67 × 2 = 83,333.34;
    # 1,200,000 − 8,333.33 − 83,333.33 − 258,333.32 − 83,333.34 = 766,666.68 to senior principal.
    assert second.tranche("A").interest_due == second.tranche("A").interest_paid == D("258333.32")
    assert second.tranche("B").interest_due == second.tranche("B").interest_paid == D("83333.34")
    assert second.tranche("A").principal_paid == D("766666.68")
    assert [t.interest_unpaid for t in second.state.tranches] == [D("0.00")] * 3


def test_unpaid_fees_carry_forward_and_come_first():
    first = run_waterfall(Collections(interest=D("5000.00")), deal(), pool_balance=POOL)
    assert first.trustee_fee.paid == D("5000.00")
    assert first.state.trustee_fee_unpaid == D("3333.33")
    second = run_waterfall(Collections(interest=D("20000.00")), first.state, pool_balance=POOL)
    # 3,333.33 + 8,333.33 to the trustee, then 8,333.34 of the servicer's 83,333.33.
    assert second.trustee_fee.paid == D("11666.66")
    assert second.servicer_fee.paid == D("8333.34")


def small_deal(**changes) -> PoolState:
    # No fees and no coupons, so every fen collected is principal to follow by hand.
    tranches = (
        Tranche("A", TrancheKind.SENIOR, D("1000.00")),
        Tranche("B", TrancheKind.MEZZANINE, D("500.00")),
        Tranche("C", TrancheKind.SUBORDINATED, D("500.00")),
    )
    return PoolState(tranches=tranches, phase=Phase.AMORTISING, **changes)


def test_sequential_mode_retires_the_senior_before_the_mezzanine_then_the_subordinated():
    first = run_waterfall(Collections(principal=D("1200.00")), small_deal(), pool_balance=D("2000.00"))
    assert [first.tranche(n).principal_paid for n in "ABC"] == [D("1000.00"), D("200.00"), D("0.00")]
    second = run_waterfall(Collections(principal=D("400.00")), first.state, pool_balance=D("800.00"))
    assert [second.tranche(n).principal_paid for n in "ABC"] == [D("0.00"), D("300.00"), D("100.00")]
    third = run_waterfall(Collections(principal=D("600.00")), second.state, pool_balance=D("400.00"))
    assert third.tranche("C").principal_paid == D("400.00")
    assert third.tranche("C").residual_paid == D("200.00")


def test_coupons_accrue_on_actual_days_when_the_period_is_given_in_days():
    result = run_waterfall(MONTH, deal(), pool_balance=POOL, days=31)
    # 80,000,000 × 3.5% × 31 / 365 = 237,808.219… → 237,808.22
    assert result.tranche("A").interest_paid == D("237808.22")


def test_an_exact_half_fen_of_fee_rounds_up():
    state = PoolState(tranches=(Tranche("C", TrancheKind.SUBORDINATED, D("6.00")),), trustee_fee=Fee(D("0.01")))
    # 6.00 × 1% / 12 = 0.005 exactly
    result = run_waterfall(Collections(interest=D("1.00")), state, pool_balance=D("6.00"))
    assert result.trustee_fee.paid == D("0.01")


def test_a_fixed_fee_is_added_to_the_rate_fee():
    state = deal(servicer_fee=Fee(D("0.01"), fixed=D("1000.00")))
    result = run_waterfall(MONTH, state, pool_balance=POOL)
    assert result.servicer_fee.paid == D("84333.33")


def test_unspent_purchase_cash_comes_back_next_period():
    first = run_waterfall(MONTH, deal(), pool_balance=POOL)
    state = record_purchases(first.state, D("8000000.00"))
    assert state.cash == D("50000.00")
    second = run_waterfall(MONTH, state, pool_balance=POOL)
    assert second.cash_in == D("9300000.00")
    assert second.reinvestment == D("8100000.00")


def test_spending_more_than_was_kept_is_refused():
    first = run_waterfall(MONTH, deal(), pool_balance=POOL)
    with pytest.raises(ValueError):
        record_purchases(first.state, D("8050000.01"))


def test_a_pool_needs_exactly_one_subordinated_tranche_and_it_comes_last():
    with pytest.raises(ValueError):
        PoolState(
            tranches=(Tranche("C", TrancheKind.SUBORDINATED, D("1.00")), Tranche("A", TrancheKind.SENIOR, D("1.00")))
        )
    with pytest.raises(ValueError):
        PoolState(tranches=(Tranche("A", TrancheKind.SENIOR, D("1.00")),))


def test_collections_must_be_whole_fen():
    with pytest.raises(ValueError):
        Collections(interest=D("1.001"))
    with pytest.raises(ValueError):
        Collections(principal=D("-1.00"))


# --- properties ------------------------------------------------------------------------


def money(high: int = 10**10):
    return st.integers(0, high).map(lambda fen: (D(fen) / 100).quantize(D("0.01")))


rates = st.integers(0, 150_000).map(lambda ppm: D(ppm) / 1_000_000)


@st.composite
def states(draw):
    rated = draw(st.integers(0, 3))
    kinds = [TrancheKind.SENIOR] * max(rated - 1, 0) + [TrancheKind.MEZZANINE] * min(rated, 1)
    tranches = [
        Tranche(f"R{i}", kind, draw(money()), draw(rates), draw(money(10**7))) for i, kind in enumerate(kinds)
    ]
    tranches.append(Tranche("SUB", TrancheKind.SUBORDINATED, draw(money())))
    return PoolState(
        tranches=tuple(tranches),
        trustee_fee=Fee(draw(rates), draw(money(10**6))),
        servicer_fee=Fee(draw(rates), draw(money(10**6))),
        phase=draw(st.sampled_from(Phase)),
        principal_mode=draw(st.sampled_from(PrincipalMode)),
        turbo=draw(st.booleans()),
        trustee_fee_unpaid=draw(money(10**6)),
        servicer_fee_unpaid=draw(money(10**6)),
        cash=draw(money(10**8)),
    )


collections = st.builds(Collections, money(10**9), money(10**10), money(10**8), money(10**8))


@settings(max_examples=200, deadline=None)
@given(states(), collections, money(10**11))
def test_cash_in_equals_cash_paid_out_plus_cash_kept_to_the_fen(state, cash, pool_balance):
    result = run_waterfall(cash, state, pool_balance=pool_balance)
    assert result.cash_in == cash.total + state.cash
    assert result.cash_in == result.paid_out + result.kept
    assert sum((amount for _, amount in result.lines()), D(0)) == result.cash_in


@settings(max_examples=200, deadline=None)
@given(states(), collections, money(10**11))
def test_each_step_is_paid_only_once_the_steps_before_it_are_paid_in_full(state, cash, pool_balance):
    result = run_waterfall(cash, state, pool_balance=pool_balance)
    fees = [(result.trustee_fee.due, result.trustee_fee.paid), (result.servicer_fee.due, result.servicer_fee.paid)]
    steps = fees + [(t.interest_due, t.interest_paid) for t in result.tranches[:-1]]
    for (earlier_due, earlier_paid), (_, later_paid) in zip(steps, steps[1:], strict=False):
        assert earlier_paid <= earlier_due
        if later_paid > 0:
            assert earlier_paid == earlier_due
    after_interest = result.reinvestment + sum((t.principal_paid + t.residual_paid for t in result.tranches), D(0))
    if after_interest > 0:
        assert all(paid == due for due, paid in steps)


@settings(max_examples=200, deadline=None)
@given(states(), collections, money(10**11))
def test_principal_follows_the_phase_and_the_mode(state, cash, pool_balance):
    result = run_waterfall(cash, state, pool_balance=pool_balance)
    rated = result.tranches[:-1]
    assert all(t.principal_paid <= t.opening_balance for t in result.tranches)
    if state.phase is Phase.REVOLVING:
        assert all(t.principal_paid == 0 for t in result.tranches)
        assert result.reinvestment <= cash.principal + cash.recoveries + cash.insurance + state.cash
        return
    assert result.reinvestment == 0
    if state.principal_mode is PrincipalMode.SEQUENTIAL:
        for i, later in enumerate(rated):
            if later.principal_paid > 0:
                assert all(earlier.closing_balance == 0 for earlier in rated[:i])
    else:
        paid = sum((t.principal_paid for t in rated), D(0))
        total = sum((t.opening_balance for t in rated), D(0))
        for t in rated:
            assert total == 0 or abs(t.principal_paid - paid * t.opening_balance / total) < D("0.01")
    if result.tranches[-1].principal_paid > 0:
        assert all(t.closing_balance == 0 for t in rated)


@settings(max_examples=200, deadline=None)
@given(states(), collections, money(10**11))
def test_the_new_state_carries_what_was_left_unpaid(state, cash, pool_balance):
    result = run_waterfall(cash, state, pool_balance=pool_balance)
    for before, payment, after in zip(state.tranches, result.tranches, result.state.tranches, strict=True):
        assert after.interest_unpaid == payment.interest_due - payment.interest_paid
        assert after.balance == before.balance - payment.principal_paid
    assert result.state.trustee_fee_unpaid == result.trustee_fee.unpaid
    assert result.state.servicer_fee_unpaid == result.servicer_fee.unpaid
    assert result.state.cash == result.reinvestment


@settings(max_examples=100, deadline=None)
@given(states(), st.lists(st.tuples(collections, st.booleans(), st.integers(0, 100)), min_size=1, max_size=8))
def test_conservation_holds_period_after_period(state, months):
    """A run of periods, sometimes flipping to amortisation and spending part of the purchase cash."""
    for cash, flip, spend_percent in months:
        if flip:
            state = replace(state, phase=Phase.AMORTISING)
        result = run_waterfall(cash, state, pool_balance=D("1000000.00"))
        assert result.cash_in == cash.total + state.cash == result.paid_out + result.kept
        spent = (result.kept * spend_percent / 100).quantize(D("0.01"), rounding=ROUND_DOWN)
        state = record_purchases(result.state, spent)


def test_mezzanine_tranches_may_not_come_before_senior_ones():
    with pytest.raises(ValueError):
        PoolState(
            tranches=(
                Tranche("B", TrancheKind.MEZZANINE, D("1.00")),
                Tranche("A", TrancheKind.SENIOR, D("1.00")),
                Tranche("C", TrancheKind.SUBORDINATED, D("1.00")),
            )
        )
