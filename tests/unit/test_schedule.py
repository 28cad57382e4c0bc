from datetime import date, timedelta
from decimal import Decimal

import numpy_financial as npf
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.dates import add_months
from domain.rules.daycount import DayCount, nominal_monthly_rate, period_rate
from domain.rules.schedule import (
    INSTALLMENT_TERMS,
    Method,
    TermError,
    amortize,
    build_schedule,
    maturity_date,
)

D = Decimal
START = date(2024, 1, 15)
MONTHLY_1_5 = D("0.0005")  # 0.05% a day × 30 = 1.5% a month


def fen(value: float) -> Decimal:
    return D(str(round(value, 2))).quantize(D("0.01"))


def equal_installment_10k() -> list:
    return build_schedule(D("10000.00"), MONTHLY_1_5, Method.EQUAL_INSTALLMENT, START, term_months=12)


# --- equal instalment (等额本息) ---------------------------------------------------------


def test_equal_instalment_matches_the_numpy_financial_payment():
    expected = fen(-npf.pmt(0.015, 12, 10000))
    assert expected == D("916.80")
    schedule = equal_installment_10k()
    assert all(item.total == expected for item in schedule[:-1])


def test_first_interest_is_one_month_at_the_monthly_rate():
    # 10,000.00 × 0.0005 × 30 = 150.00
    assert equal_installment_10k()[0].interest == D("150.00")


def test_each_interest_matches_numpy_financial_to_the_fen():
    for item in equal_installment_10k():
        assert item.interest == fen(-npf.ipmt(0.015, item.number, 12, 10000))


def test_principal_sums_to_the_amount():
    assert sum(item.principal for item in equal_installment_10k()) == D("10000.00")


def test_last_instalment_takes_the_remaining_balance():
    schedule = equal_installment_10k()
    # 10,000.00 − 11 × 916.80 + the 11 interests leaves 903.26; interest 903.26 × 0.015 = 13.55
    assert schedule[-1].principal == D("903.26")
    assert schedule[-1].interest == D("13.55")
    assert schedule[-1].total == D("916.81")


def test_due_dates_are_whole_months_from_the_start():
    schedule = equal_installment_10k()
    dates = [item.due_date for item in schedule]
    assert dates[:3] == [date(2024, 2, 15), date(2024, 3, 15), date(2024, 4, 15)]
    assert dates[-1] == date(2025, 1, 15)
    assert [item.number for item in schedule] == list(range(1, 13))


def test_zero_rate_splits_the_principal_evenly():
    schedule = build_schedule(D("1000.00"), D("0"), Method.EQUAL_INSTALLMENT, START, term_months=3)
    # 1000 / 3 = 333.33, the last takes 1000 − 666.66 = 333.34
    assert [item.principal for item in schedule] == [D("333.33"), D("333.33"), D("333.34")]
    assert all(item.interest == 0 for item in schedule)


def test_act_365_sizes_the_instalment_on_365_over_12_days_a_month():
    schedule = build_schedule(
        D("10000.00"),
        MONTHLY_1_5,
        Method.EQUAL_INSTALLMENT,
        START,
        term_months=12,
        day_count=DayCount.ACT_365,
    )
    assert schedule[0].total - schedule[0].fee == fen(-npf.pmt(0.0005 * 365 / 12, 12, 10000))
    # 15 January to 15 February is 31 days: 10,000.00 × 0.0005 × 31 = 155.00
    assert schedule[0].interest == D("155.00")
    # 15 February to 15 March 2024 is 29 days; the balance is 10,000.00 − (917.99 − 155.00) = 9,237.01
    # 9,237.01 × 0.0005 × 29 = 133.936645 → 133.94
    assert schedule[1].interest == D("133.94")
    assert sum(item.principal for item in schedule) == D("10000.00")


def test_act_360_uses_thirty_days_for_the_instalment_and_actual_days_for_interest():
    schedule = build_schedule(
        D("10000.00"),
        MONTHLY_1_5,
        Method.EQUAL_INSTALLMENT,
        START,
        term_months=12,
        day_count=DayCount.ACT_360,
    )
    assert schedule[0].total == D("916.80")
    assert schedule[0].interest == D("155.00")  # 31 days × 5.00


# --- equal principal (等额本金) ----------------------------------------------------------


def test_equal_principal_repays_the_same_principal_with_falling_interest():
    schedule = build_schedule(D("12000.00"), MONTHLY_1_5, Method.EQUAL_PRINCIPAL, START, term_months=12)
    # Principal 12,000 / 12 = 1,000.00; interest on the balance at 1.5%:
    # 12,000 × 0.015 = 180.00, 11,000 × 0.015 = 165.00, ..., 1,000 × 0.015 = 15.00
    assert [item.principal for item in schedule] == [D("1000.00")] * 12
    assert [item.interest for item in schedule] == [D(180 - 15 * k).quantize(D("0.01")) for k in range(12)]
    assert schedule[0].total == D("1180.00")
    assert schedule[1].total == D("1165.00")


def test_equal_principal_leaves_the_rounding_to_the_last_period():
    schedule = build_schedule(D("10000.00"), MONTHLY_1_5, Method.EQUAL_PRINCIPAL, START, term_months=3)
    # 10,000 / 3 = 3,333.33; the last takes 10,000 − 6,666.66 = 3,333.34
    assert [item.principal for item in schedule] == [D("3333.33"), D("3333.33"), D("3333.34")]
    # 10,000.00 × 0.015 = 150.00; 6,666.67 × 0.015 = 100.00005 → 100.00; 3,333.34 × 0.015 = 50.0001 → 50.00
    assert [item.interest for item in schedule] == [D("150.00"), D("100.00"), D("50.00")]


# --- daily interest (按日计息) -----------------------------------------------------------


def test_daily_interest_charges_the_days_held():
    schedule = build_schedule(D("1000.00"), MONTHLY_1_5, Method.DAILY_INTEREST, START, term_days=30)
    # 1,000.00 × 0.0005 × 30 = 15.00
    assert len(schedule) == 1
    assert schedule[0].due_date == date(2024, 2, 14)
    assert schedule[0].principal == D("1000.00")
    assert schedule[0].interest == D("15.00")


def test_daily_interest_by_months_counts_the_actual_days():
    schedule = build_schedule(
        D("1000.00"), MONTHLY_1_5, Method.DAILY_INTEREST, date(2024, 1, 31), term_months=1
    )
    # due 29 February 2024 (clamped), 29 days: 1,000.00 × 0.0005 × 29 = 14.50
    assert schedule[0].due_date == date(2024, 2, 29)
    assert schedule[0].interest == D("14.50")


def test_daily_interest_rounds_half_up_to_the_fen():
    schedule = build_schedule(D("333.33"), D("0.00035"), Method.DAILY_INTEREST, START, term_days=7)
    # 333.33 × 0.00035 × 7 = 0.8166585 → 0.82
    assert schedule[0].interest == D("0.82")


def test_fee_per_period_is_added_to_every_instalment():
    schedule = build_schedule(
        D("10000.00"), MONTHLY_1_5, Method.EQUAL_INSTALLMENT, START, term_months=3, fee_per_period=D("12.50")
    )
    assert all(item.fee == D("12.50") for item in schedule)
    # 10,000 at 1.5% over 3: A = 3,433.83 (numpy-financial), plus the fee
    assert schedule[0].total == fen(-npf.pmt(0.015, 3, 10000)) + D("12.50")


# --- month ends and day counts -----------------------------------------------------------


def test_month_end_start_falls_due_on_each_month_end():
    schedule = build_schedule(
        D("12000.00"), MONTHLY_1_5, Method.EQUAL_PRINCIPAL, date(2024, 1, 31), term_months=12
    )
    assert [item.due_date for item in schedule][:4] == [
        date(2024, 2, 29),
        date(2024, 3, 31),
        date(2024, 4, 30),
        date(2024, 5, 31),
    ]
    # Under 30/360 each of those months is 30 days: 180.00, 165.00, ...
    assert [item.interest for item in schedule][:3] == [D("180.00"), D("165.00"), D("150.00")]


def test_month_end_under_act_365_counts_the_actual_days():
    schedule = build_schedule(
        D("12000.00"),
        MONTHLY_1_5,
        Method.EQUAL_PRINCIPAL,
        date(2024, 1, 31),
        term_months=12,
        day_count=DayCount.ACT_365,
    )
    # 31 Jan → 29 Feb is 29 days: 12,000 × 0.0005 × 29 = 174.00
    # 29 Feb → 31 Mar is 31 days: 11,000 × 0.0005 × 31 = 170.50
    assert [item.interest for item in schedule][:2] == [D("174.00"), D("170.50")]


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (date(2024, 1, 31), date(2024, 2, 29)),
        (date(2024, 2, 29), date(2024, 3, 31)),
        (date(2023, 1, 29), date(2023, 2, 28)),
        (date(2023, 2, 28), date(2023, 3, 29)),
        (date(2024, 4, 30), date(2024, 5, 31)),
        (date(2024, 6, 15), date(2024, 7, 15)),
    ],
)
def test_thirty_360_counts_every_monthly_period_as_thirty_days(start, end):
    assert period_rate(D("0.0005"), DayCount.THIRTY_360, start, end) == D("0.015")


def test_thirty_360_counts_a_broken_period_in_thirty_day_months():
    # 15 March → 10 April: 30 − 15 + 10 = 25 days
    assert period_rate(D("0.001"), DayCount.THIRTY_360, date(2024, 3, 15), date(2024, 4, 10)) == D("0.025")


def test_monthly_rates_for_each_day_count():
    assert nominal_monthly_rate(D("0.0005"), DayCount.THIRTY_360) == D("0.015")
    assert nominal_monthly_rate(D("0.0005"), DayCount.ACT_360) == D("0.015")
    # 0.0006 × 365 / 12 = 0.01825
    assert nominal_monthly_rate(D("0.0006"), DayCount.ACT_365) == D("0.01825")


# --- terms ---------------------------------------------------------------------------------


def test_instalment_maturity_is_the_last_due_date():
    assert maturity_date(Method.EQUAL_INSTALLMENT, date(2024, 1, 31), 3, None) == date(2024, 4, 30)


@pytest.mark.parametrize(
    ("method", "months", "days", "field"),
    [
        (Method.EQUAL_INSTALLMENT, 5, None, "termMonths"),
        (Method.EQUAL_PRINCIPAL, None, None, "termMonths"),
        (Method.EQUAL_INSTALLMENT, 12, 30, "termDays"),
        (Method.DAILY_INTEREST, 3, 30, "termDays"),
        (Method.DAILY_INTEREST, None, None, "termDays"),
        (Method.DAILY_INTEREST, None, 0, "termDays"),
        (Method.DAILY_INTEREST, 13, None, "termMonths"),
        (Method.DAILY_INTEREST, 0, None, "termMonths"),
    ],
)
def test_a_term_the_method_does_not_allow_is_refused(method, months, days, field):
    with pytest.raises(TermError) as caught:
        maturity_date(method, START, months, days)
    assert caught.value.field == field
    assert str(caught.value)


def test_daily_interest_may_run_up_to_twelve_months():
    # 15 Jan 2024 → 15 Jan 2025 is 366 days (2024 is a leap year)
    assert maturity_date(Method.DAILY_INTEREST, START, None, 366) == date(2025, 1, 15)
    assert maturity_date(Method.DAILY_INTEREST, START, 12, None) == date(2025, 1, 15)
    with pytest.raises(TermError):
        maturity_date(Method.DAILY_INTEREST, START, None, 367)


def test_a_shorter_daily_limit_is_honoured():
    with pytest.raises(TermError):
        maturity_date(Method.DAILY_INTEREST, START, 7, None, max_daily_months=6)


def test_configured_instalment_terms_are_honoured():
    maturity = maturity_date(Method.EQUAL_INSTALLMENT, START, 4, None, installment_terms=(4,))
    assert maturity == date(2024, 5, 15)
    with pytest.raises(TermError):
        maturity_date(Method.EQUAL_INSTALLMENT, START, 3, None, installment_terms=(4,))


@pytest.mark.parametrize(
    ("principal", "rate"), [(D("0"), D("0.0005")), (D("-1.00"), D("0.0005")), (D("100"), D("-0.0001"))]
)
def test_nonpositive_principal_or_negative_rate_is_refused(principal, rate):
    with pytest.raises(ValueError):
        build_schedule(principal, rate, Method.EQUAL_INSTALLMENT, START, term_months=3)


def test_amortize_numbers_from_the_given_first_number():
    dates = [add_months(START, k) for k in (4, 5, 6)]
    schedule = amortize(
        D("3000.00"), MONTHLY_1_5, Method.EQUAL_PRINCIPAL, add_months(START, 3), dates, first_number=4
    )
    assert [item.number for item in schedule] == [4, 5, 6]
    assert [item.interest for item in schedule] == [D("45.00"), D("30.00"), D("15.00")]


# --- properties ----------------------------------------------------------------------------

principals = st.integers(min_value=1, max_value=20_000_000).map(lambda f: D(f) / 100)
daily_rates = st.integers(min_value=0, max_value=1000).map(lambda ppm: D(ppm) / 1_000_000)
starts = st.one_of(
    st.just(date(2024, 1, 31)),
    st.dates(min_value=date(2020, 1, 1), max_value=date(2035, 12, 31)),
)
day_counts = st.sampled_from(list(DayCount))


@st.composite
def loans(draw):
    method = draw(st.sampled_from(list(Method)))
    if method is Method.DAILY_INTEREST:
        if draw(st.booleans()):
            terms = {"term_days": draw(st.integers(min_value=1, max_value=365))}
        else:
            terms = {"term_months": draw(st.integers(min_value=1, max_value=12))}
    else:
        terms = {"term_months": draw(st.sampled_from(INSTALLMENT_TERMS))}
    return dict(
        principal=draw(principals),
        daily_rate=draw(daily_rates),
        method=method,
        start=draw(starts),
        day_count=draw(day_counts),
        **terms,
    )


@settings(max_examples=200, deadline=None)
@given(loans())
def test_principal_always_sums_to_the_amount(loan):
    schedule = build_schedule(**loan)
    assert sum(item.principal for item in schedule) == loan["principal"]


@settings(max_examples=200, deadline=None)
@given(loans())
def test_no_instalment_has_negative_principal_or_interest(loan):
    for item in build_schedule(**loan):
        assert item.principal >= 0
        assert item.interest >= 0
        assert item.principal == item.principal.quantize(D("0.01"))
        assert item.interest == item.interest.quantize(D("0.01"))


@settings(max_examples=200, deadline=None)
@given(loans())
def test_balance_never_rises_and_reaches_zero(loan):
    balance = loan["principal"]
    balances = [balance]
    for item in build_schedule(**loan):
        balance -= item.principal
        balances.append(balance)
    assert balances == sorted(balances, reverse=True)
    assert balances[-1] == 0


@settings(max_examples=200, deadline=None)
@given(loans().filter(lambda loan: loan["principal"] >= 50))
def test_an_instalment_loan_from_the_minimum_draw_has_one_instalment_a_month(loan):
    schedule = build_schedule(**loan)
    if loan["method"] is Method.DAILY_INTEREST:
        assert len(schedule) == 1
        if "term_days" in loan:
            assert schedule[0].due_date == loan["start"] + timedelta(days=loan["term_days"])
    else:
        months = loan["term_months"]
        assert [item.due_date for item in schedule] == [
            add_months(loan["start"], k) for k in range(1, months + 1)
        ]


@settings(max_examples=200, deadline=None)
@given(
    principal=principals.filter(lambda p: p >= 50),
    daily_rate=daily_rates,
    months=st.sampled_from(INSTALLMENT_TERMS),
)
def test_equal_instalment_agrees_with_numpy_financial(principal, daily_rate, months):
    schedule = build_schedule(principal, daily_rate, Method.EQUAL_INSTALLMENT, START, term_months=months)
    monthly = float(daily_rate * 30)
    expected = fen(-npf.pmt(monthly, months, float(principal))) if monthly else None
    if expected is not None:
        # A float reference can sit a hair either side of a half fen.
        assert abs(schedule[0].total - expected) <= D("0.01")
    assert abs(schedule[-1].total - schedule[0].total) <= D("0.01") * months
