import random
import re
from decimal import Decimal

import numpy_financial as npf
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.pools.eligibility import LoanSnapshot
from domain.pools.projection import (
    Assumptions,
    Replenishment,
    mdr_from_cdr,
    project,
    project_loop,
    smm_from_cpr,
)
from domain.pools.triggers import TriggerLimits
from domain.pools.waterfall import Fee, Phase, PoolState, PrincipalMode, Tranche, TrancheKind
from domain.rules.schedule import Method

D = Decimal
FEN = D("0.01")
# 1 − 0.99^12 a year is 1% a month; 1 − 0.98^12 a year is 2% a month.
ONE_PERCENT_A_MONTH = 1 - D("0.99") ** 12
TWO_PERCENT_A_MONTH = 1 - D("0.98") ** 12


def loan(id=1, balance="10000.00", rate="0.0005", term=12, method="EQUAL_INSTALLMENT", borrower=None):
    return LoanSnapshot(id, borrower or id, method, D(balance), D(rate), term, 0, "ACTIVE", "B", "GENERAL")


def residual_only(balance: str, phase: Phase = Phase.AMORTISING) -> PoolState:
    # A pool with only a subordinated tranche and no fees: the cash flows show through as they are.
    return PoolState(tranches=(Tranche("C", TrancheKind.SUBORDINATED, D(balance)),), phase=phase)


def deal(total: Decimal, **changes) -> PoolState:
    senior, mezzanine = (total * D("0.8")).quantize(FEN), (total * D("0.1")).quantize(FEN)
    return PoolState(
        tranches=(
            Tranche("A", TrancheKind.SENIOR, senior, D("0.035")),
            Tranche("B", TrancheKind.MEZZANINE, mezzanine, D("0.05")),
            Tranche("C", TrancheKind.SUBORDINATED, total - senior - mezzanine),
        ),
        trustee_fee=Fee(D("0.001")),
        servicer_fee=Fee(D("0.01")),
        **changes,
    )


# --- CPR → SMM and CDR → MDR -----------------------------------------------------------------


def test_smm_of_a_6_percent_cpr_is_the_textbook_0_005143():
    # Fabozzi, Bond Markets, Analysis and Strategies: SMM = 1 − (1 − 0.06)^(1/12) = 0.005143
    assert smm_from_cpr(D("0.06")).quantize(D("0.000001")) == D("0.005143")


def test_smm_of_a_10_percent_cpr_matches_the_hand_value():
    # ln 0.9 = −0.1053605; / 12 = −0.0087800; e^−0.0087800 = 0.9912584 → SMM 0.0087416
    assert smm_from_cpr(D("0.10")).quantize(D("0.0000001")) == D("0.0087416")


def test_mdr_compounds_back_to_the_cdr():
    assert abs(mdr_from_cdr(ONE_PERCENT_A_MONTH) - D("0.01")) < D("1e-20")
    assert (1 - mdr_from_cdr(D("0.2"))) ** 12 - D("0.8") < D("1e-20")


def test_no_and_total_annual_rates_are_no_and_total_monthly_rates():
    assert smm_from_cpr(D(0)) == 0
    assert mdr_from_cdr(D(1)) == 1
    with pytest.raises(ValueError):
        smm_from_cpr(D("1.1"))


# --- loan-level cash flows against outside references -------------------------------------


def test_a_level_instalment_loan_projects_the_numpy_financial_schedule():
    # 10,000 at 0.05% a day is 1.5% a month over 12 months.
    periods = project([loan()], residual_only("10000.00"), Assumptions()).periods
    assert len(periods) == 12
    interest = [-npf.ipmt(0.015, k, 12, 10000) for k in range(1, 13)]
    principal = [-npf.ppmt(0.015, k, 12, 10000) for k in range(1, 13)]
    # Each period is the rounded running total less the last one, so it may differ from the
    # period rounded on its own by one fen; the running totals themselves agree to the fen.
    for period, i, p in zip(periods, interest, principal, strict=True):
        assert abs(period.interest - D(str(i))) <= FEN
        assert abs(period.scheduled_principal - D(str(p))) <= FEN
    assert sum(p.interest for p in periods) == D(str(round(sum(interest), 2)))
    assert sum(p.scheduled_principal for p in periods) == D("10000.00")


def test_an_equal_principal_loan_repays_equal_parts_with_falling_interest():
    periods = project([loan(balance="12000.00", method="EQUAL_PRINCIPAL")], residual_only("12000.00"),
                      Assumptions()).periods
    assert all(p.scheduled_principal == D("1000.00") for p in periods)
    # 12,000 × 1.5% = 180, then 11,000 × 1.5% = 165, … down to 1,000 × 1.5% = 15
    assert [p.interest for p in periods] == [D(180 - 15 * k) for k in range(12)]


def test_prepayments_take_the_smm_of_the_balance_after_the_scheduled_principal():
    bullet = loan(balance="1000000.00", term=3, method="DAILY_INTEREST")
    periods = project([bullet], residual_only("1000000.00"), Assumptions(cpr=TWO_PERCENT_A_MONTH)).periods
    # month 1: interest 1,000,000 × 1.5% = 15,000; prepaid 2% = 20,000; 980,000 left
    # month 2: interest 14,700; prepaid 19,600; 960,400 left
    # month 3: it matures: interest 14,406 and the 960,400 are due
    assert [p.interest for p in periods] == [D("15000.00"), D("14700.00"), D("14406.00")]
    assert [p.prepayments for p in periods] == [D("20000.00"), D("19600.00"), D("0.00")]
    assert [p.scheduled_principal for p in periods] == [D("0.00"), D("0.00"), D("960400.00")]


def test_defaults_come_off_first_and_recoveries_arrive_after_the_lag():
    bullet = loan(balance="1000000.00", rate="0", term=12, method="DAILY_INTEREST")
    assumptions = Assumptions(cdr=ONE_PERCENT_A_MONTH, recovery_rate=D("0.4"), recovery_lag=2, periods=4)
    periods = project([bullet], residual_only("1000000.00"), assumptions).periods
    # 1% of 1,000,000, of 990,000, of 980,100, of 970,299; 40% of each back two months later
    assert [p.defaults for p in periods] == [D("10000.00"), D("9900.00"), D("9801.00"), D("9702.99")]
    assert [p.recoveries for p in periods] == [D("0.00"), D("0.00"), D("4000.00"), D("3960.00")]
    assert periods[-1].closing_balance == D("960596.01")


def test_the_horizon_runs_to_the_last_maturity_and_its_recoveries():
    loans = [loan(1, term=3), loan(2, term=5)]
    assert len(project(loans, residual_only("20000.00"), Assumptions(recovery_lag=2)).periods) == 7


# --- the pool through the waterfall -----------------------------------------------------------


def random_pool(size: int, seed: int) -> list[LoanSnapshot]:
    rng = random.Random(seed)
    methods = [m.value for m in Method]
    return [
        loan(
            i,
            balance=str(D(rng.randint(5_000, 3_000_000)) / 100),
            rate=str(D(rng.randint(0, 500)) / 1_000_000),
            term=rng.randint(0, 36),
            method=rng.choice(methods),
        )
        for i in range(1, size + 1)
    ]


STRESS = Assumptions(
    cdr=D("0.08"),
    cpr=D("0.25"),
    recovery_rate=D("0.3"),
    recovery_lag=2,
    revolving_periods=6,
    triggers=TriggerLimits(max_cumulative_default_rate=D("0.04")),
)


def test_the_vectorised_projection_agrees_with_the_per_loan_loop_within_a_fen():
    # Both do the same float arithmetic loan by loan and differ only in the order the pool's
    # totals are summed (a relative 1e-15, far below a fen on these balances). That can move a
    # total across a half fen only by chance, by one fen, so one fen is the whole tolerance.
    loans = random_pool(300, seed=3)
    state = deal(sum((x.outstanding_principal for x in loans), D(0)))
    vector, loop = project(loans, state, STRESS), project_loop(loans, state, STRESS)
    assert [p.phase for p in vector.periods] == [p.phase for p in loop.periods]
    for ours, theirs in zip(vector.rows(), loop.rows(), strict=True):
        assert ours.keys() == theirs.keys()
        for key in ours.keys() - {"period", "phase"}:
            assert abs(D(ours[key]) - D(theirs[key])) <= FEN, (ours["period"], key)


def test_every_projected_period_conserves_cash_and_rolls_the_balance_forward():
    loans = random_pool(200, seed=5)
    state = deal(sum((x.outstanding_principal for x in loans), D(0)))
    periods = project(loans, state, STRESS).periods
    assert any(p.phase is Phase.REVOLVING for p in periods) and any(p.phase is Phase.AMORTISING for p in periods)
    for p in periods:
        w = p.waterfall
        assert w.cash_in == p.interest + p.scheduled_principal + p.prepayments + p.recoveries
        assert w.cash_in == w.paid_out + w.kept
        assert p.closing_balance == p.opening_balance - p.scheduled_principal - p.prepayments - p.defaults + p.purchases
        if p.phase is Phase.REVOLVING:
            assert p.purchases == p.scheduled_principal + p.prepayments + p.recoveries
        else:
            assert p.purchases == 0
    for before, after in zip(periods, periods[1:], strict=False):
        assert after.opening_balance == before.closing_balance


def test_a_pool_without_losses_runs_off_and_repays_its_rated_tranches_in_full():
    loans = random_pool(100, seed=8)
    total = sum((x.outstanding_principal for x in loans), D(0))
    periods = project(loans, deal(total, phase=Phase.AMORTISING), Assumptions(cpr=D("0.1"))).periods
    assert periods[-1].closing_balance == D("0.00")
    assert sum((p.scheduled_principal + p.prepayments for p in periods), D(0)) == total
    senior = sum((p.waterfall.tranche("A").principal_paid for p in periods), D(0))
    mezzanine = sum((p.waterfall.tranche("B").principal_paid for p in periods), D(0))
    assert (senior, mezzanine) == ((total * D("0.8")).quantize(FEN), (total * D("0.1")).quantize(FEN))
    assert all(t.interest_unpaid == 0 for t in periods[-1].waterfall.state.tranches)


def test_a_revolving_projection_buys_the_assumed_replenishment_loans():
    loans = [loan(1, balance="100000.00", term=1, rate="0")]
    assumptions = Assumptions(revolving_periods=1, periods=4,
                              replenishment=Replenishment(D("0"), 3, Method.EQUAL_PRINCIPAL))
    periods = project(loans, residual_only("100000.00", Phase.REVOLVING), assumptions).periods
    # month 1: the loan matures and its 100,000 buys a 3-month equal-principal loan,
    # which repays 33,333.33… a month (the running total rounded to the fen) from month 2.
    assert periods[0].purchases == D("100000.00")
    assert [p.scheduled_principal for p in periods[1:]] == [D("33333.33"), D("33333.34"), D("33333.33")]


def test_rows_give_every_amount_as_a_string_to_the_fen():
    loans = random_pool(20, seed=1)
    rows = project(loans, deal(sum((x.outstanding_principal for x in loans), D(0))), STRESS).rows()
    money = re.compile(r"^\d+\.\d\d$")
    for row in rows:
        assert {"interest:A", "principal:A", "residual:C", "purchases"} <= row.keys()
        assert all(money.match(value) for key, value in row.items() if key not in ("period", "phase"))


@st.composite
def pools(draw):
    size = draw(st.integers(1, 12))
    loans = [
        loan(
            i,
            balance=str(D(draw(st.integers(1, 5_000_000))) / 100),
            rate=str(D(draw(st.integers(0, 500))) / 1_000_000),
            term=draw(st.integers(0, 36)),
            method=draw(st.sampled_from([m.value for m in Method])),
        )
        for i in range(1, size + 1)
    ]
    assumptions = Assumptions(
        cdr=D(draw(st.integers(0, 100))) / 100,
        cpr=D(draw(st.integers(0, 100))) / 100,
        recovery_rate=D(draw(st.integers(0, 100))) / 100,
        recovery_lag=draw(st.integers(0, 4)),
        revolving_periods=draw(st.integers(0, 6)),
        triggers=TriggerLimits(D(draw(st.integers(0, 20))) / 100, D(draw(st.integers(90, 120))) / 100),
    )
    total = sum((x.outstanding_principal for x in loans), D(0))
    mode = draw(st.sampled_from(PrincipalMode))
    return loans, deal(total, principal_mode=mode, turbo=draw(st.booleans())), assumptions


@settings(max_examples=60, deadline=None)
@given(pools())
def test_any_projection_conserves_cash_keeps_balances_whole_and_matches_the_loop(case):
    loans, state, assumptions = case
    vector = project(loans, state, assumptions)
    for p in vector.periods:
        assert p.waterfall.cash_in == p.waterfall.paid_out + p.waterfall.kept
        assert p.closing_balance >= 0
        assert p.closing_balance == p.opening_balance - p.scheduled_principal - p.prepayments - p.defaults + p.purchases
    loop = project_loop(loans, state, assumptions)
    for ours, theirs in zip(vector.rows(), loop.rows(), strict=True):
        for key in ours.keys() - {"period", "phase"}:
            assert abs(D(ours[key]) - D(theirs[key])) <= FEN
