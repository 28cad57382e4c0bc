from datetime import date
from decimal import Decimal

import numpy_financial as npf
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.rules.apr import apr, irr
from domain.rules.schedule import Method, ScheduledInstallment, build_schedule

D = Decimal
START = date(2024, 1, 15)


def npf_apr(flows: list[Decimal]) -> Decimal:
    monthly = npf.irr([float(flow) for flow in flows])
    return D(repr(monthly * 12)).quantize(D("0.000001"))


def test_irr_of_a_single_period_is_the_growth():
    # 100 grows to 110 in one period: 10%
    assert irr([D(-100), D(110)]) == D("0.1")


def test_irr_of_a_three_period_bullet_is_exact():
    # 1.1³ = 1.331, so 100 → 133.10 after three periods is 10% a period
    assert abs(irr([D(-100), D(0), D(0), D("133.10")]) - D("0.1")) < D("1e-20")


def test_irr_of_flows_that_only_return_the_principal_is_zero():
    assert abs(irr([D(-300), D(100), D(100), D(100)])) < D("1e-20")


def test_irr_solves_a_very_high_rate():
    # 1 returns 1,000 a period later: 99,900%
    assert abs(irr([D(-1), D(1000)]) - D(999)) < D("1e-18")


@pytest.mark.parametrize(
    "flows",
    [
        [D(-1000), D(1), D(1), D(1)],
        [D(-100), *[D(0)] * 11, D(1)],
    ],
)
def test_irr_finds_a_deeply_negative_rate(flows):
    expected = npf.irr([float(flow) for flow in flows])
    assert abs(irr(flows) - D(repr(expected))) < D("1e-9")


@pytest.mark.parametrize("flows", [[D(100), D(10)], [D(-100), D(-10)], [D(0), D(0)]])
def test_irr_needs_a_sign_change(flows):
    with pytest.raises(ValueError):
        irr(flows)


def test_apr_of_a_daily_interest_loan_is_the_daily_rate_times_365():
    schedule = build_schedule(D("1000.00"), D("0.0005"), Method.DAILY_INTEREST, START, term_days=30)
    # 15.00 interest on 1,000 for 30 days: 0.015 × 365 / 30 = 0.1825
    assert apr(D("1000.00"), schedule, START) == D("0.182500")


def test_an_upfront_fee_raises_the_apr_of_a_single_payment():
    schedule = [ScheduledInstallment(1, date(2024, 2, 14), D("1000.00"), D("15.00"))]
    # the borrower receives 990.00 and repays 1,015.00 after 30 days:
    # (1015 / 990 − 1) × 365 / 30 = 0.0252525… × 12.1666… = 0.3072390… → 0.307239
    assert apr(D("1000.00"), schedule, START, upfront_fee=D("10.00")) == D("0.307239")


def test_apr_of_an_equal_instalment_loan_matches_numpy_financial():
    schedule = build_schedule(D("10000.00"), D("0.0005"), Method.EQUAL_INSTALLMENT, START, term_months=12)
    flows = [D("-10000.00"), *(item.total for item in schedule)]
    result = apr(D("10000.00"), schedule, START)
    assert result == npf_apr(flows)
    # An equal-instalment loan at 1.5% a month costs 18% a year by the IRR method; only the
    # rounding of the instalment to the fen moves it.
    assert abs(result - D("0.18")) < D("0.00001")


def test_apr_of_an_equal_principal_loan_matches_numpy_financial():
    schedule = build_schedule(D("12000.00"), D("0.0005"), Method.EQUAL_PRINCIPAL, START, term_months=12)
    flows = [D("-12000.00"), *(item.total for item in schedule)]
    result = apr(D("12000.00"), schedule, START)
    assert result == npf_apr(flows)
    # With no rounding at all, equal principal at 1.5% a month is exactly 18% a year.
    assert result == D("0.180000")


def test_fees_count_in_the_apr():
    schedule = build_schedule(
        D("10000.00"), D("0.0005"), Method.EQUAL_INSTALLMENT, START, term_months=12, fee_per_period=D("20.00")
    )
    flows = [D("-10000.00"), *(item.total for item in schedule)]
    result = apr(D("10000.00"), schedule, START)
    assert result == npf_apr(flows)
    assert result > D("0.18")


def test_apr_has_six_places():
    schedule = build_schedule(D("5000.00"), D("0.00035"), Method.EQUAL_INSTALLMENT, START, term_months=6)
    assert apr(D("5000.00"), schedule, START).as_tuple().exponent == -6


def test_a_fee_as_large_as_the_loan_is_refused():
    schedule = [ScheduledInstallment(1, date(2024, 2, 14), D("100.00"), D("1.50"))]
    with pytest.raises(ValueError):
        apr(D("100.00"), schedule, START, upfront_fee=D("100.00"))


@settings(max_examples=150, deadline=None)
@given(
    principal=st.integers(min_value=5_000, max_value=20_000_000).map(lambda f: D(f) / 100),
    ppm=st.integers(min_value=100, max_value=1000),
    months=st.sampled_from((3, 6, 12, 24, 36)),
    method=st.sampled_from((Method.EQUAL_INSTALLMENT, Method.EQUAL_PRINCIPAL)),
)
def test_irr_agrees_with_numpy_financial(principal, ppm, months, method):
    schedule = build_schedule(principal, D(ppm) / 1_000_000, method, START, term_months=months)
    flows = [-principal, *(item.total for item in schedule)]
    expected = npf.irr([float(flow) for flow in flows])
    assert abs(irr(flows) - D(repr(expected))) < D("1e-9")
