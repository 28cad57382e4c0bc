from datetime import date
from decimal import Decimal
from math import ceil

import numpy_financial as npf
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.dates import add_months
from domain.rules.early import (
    PrepaymentMode,
    accrued_interest,
    payoff_interest_for_period,
    reschedule_after_prepayment,
)
from domain.rules.schedule import Method

D = Decimal
START = date(2024, 1, 15)
RATE = D("0.0005")  # 1.5% a month
# Three of twelve instalments paid; nine due dates remain.
PAID_UP_TO = add_months(START, 3)
REMAINING_DATES = [add_months(START, k) for k in range(4, 13)]


def fen(value: float) -> Decimal:
    return D(str(round(value, 2))).quantize(D("0.01"))


def reschedule(balance: str, method: Method, mode: PrepaymentMode, payment: str) -> list:
    return reschedule_after_prepayment(
        D(balance),
        RATE,
        method,
        PAID_UP_TO,
        REMAINING_DATES,
        mode,
        current_payment=D(payment),
        first_number=4,
    )


def test_accrued_interest_is_balance_times_rate_times_days():
    # 10,000.00 × 0.0005 × 10 = 5.00 × 10 = 50.00
    assert accrued_interest(D("10000.00"), RATE, 10) == D("50.00")


def test_accrued_interest_rounds_half_up():
    # 10.00 × 0.0005 × 1 = 0.005 → 0.01
    assert accrued_interest(D("10.00"), RATE, 1) == D("0.01")


def test_accrued_interest_refuses_negative_days():
    with pytest.raises(ValueError):
        accrued_interest(D("100.00"), RATE, -1)


def test_payoff_inside_a_period_charges_only_the_days_used():
    # 15 March → 25 March is 10 days: 10,000.00 × 0.0005 × 10 = 50.00
    owed = payoff_interest_for_period(D("10000.00"), RATE, date(2024, 3, 15), date(2024, 3, 25), D("150.00"))
    assert owed == D("50.00")


def test_payoff_never_costs_more_than_the_scheduled_interest():
    # 15 March → 15 April is 31 days (155.00) but the period was priced at 30 days (150.00)
    owed = payoff_interest_for_period(D("10000.00"), RATE, date(2024, 3, 15), date(2024, 4, 15), D("150.00"))
    assert owed == D("150.00")


def test_payoff_on_the_first_day_of_a_period_owes_no_interest():
    same_day = date(2024, 3, 15)
    assert payoff_interest_for_period(D("10000.00"), RATE, same_day, same_day, D("150.00")) == 0


def test_lower_instalment_keeps_every_period_with_a_lower_instalment():
    schedule = reschedule("5000.00", Method.EQUAL_INSTALLMENT, PrepaymentMode.LOWER_INSTALLMENT, "916.80")
    new_payment = fen(-npf.pmt(0.015, 9, 5000))
    assert new_payment == D("598.05")
    assert [item.due_date for item in schedule] == REMAINING_DATES
    assert [item.number for item in schedule] == list(range(4, 13))
    assert all(item.total == new_payment for item in schedule[:-1])
    assert sum(item.principal for item in schedule) == D("5000.00")


def test_shorten_term_keeps_the_instalment_with_fewer_periods():
    schedule = reschedule("5000.00", Method.EQUAL_INSTALLMENT, PrepaymentMode.SHORTEN_TERM, "916.80")
    # 5,000 at 1.5% repaid by 916.80 a month takes 5.73 months: 6 instalments
    periods = ceil(npf.nper(0.015, -916.80, 5000))
    assert periods == 6
    assert len(schedule) == periods
    assert [item.due_date for item in schedule] == REMAINING_DATES[:periods]
    assert all(item.total == D("916.80") for item in schedule[:-1])
    assert schedule[-1].total < D("916.80")
    assert sum(item.principal for item in schedule) == D("5000.00")


def test_shorten_term_on_equal_principal_keeps_the_principal_per_period():
    schedule = reschedule("5000.00", Method.EQUAL_PRINCIPAL, PrepaymentMode.SHORTEN_TERM, "1000.00")
    # 5,000 / 1,000 = 5 periods; interest 5,000, 4,000, ... × 0.015
    assert [item.principal for item in schedule] == [D("1000.00")] * 5
    assert [item.interest for item in schedule] == [
        D("75.00"),
        D("60.00"),
        D("45.00"),
        D("30.00"),
        D("15.00"),
    ]


def test_lower_instalment_on_equal_principal_spreads_the_balance_over_the_remaining_periods():
    schedule = reschedule("5000.00", Method.EQUAL_PRINCIPAL, PrepaymentMode.LOWER_INSTALLMENT, "1000.00")
    # 5,000 / 9 = 555.56 (rounded); the last takes 5,000 − 8 × 555.56 = 555.52
    assert [item.principal for item in schedule] == [D("555.56")] * 8 + [D("555.52")]
    assert schedule[0].interest == D("75.00")


def test_a_daily_interest_loan_keeps_its_one_due_date():
    due = date(2024, 4, 14)
    schedule = reschedule_after_prepayment(
        D("600.00"),
        RATE,
        Method.DAILY_INTEREST,
        date(2024, 3, 15),
        [due],
        PrepaymentMode.SHORTEN_TERM,
        current_payment=D("0"),
        first_number=1,
    )
    # 15 March → 14 April is 30 days: 600.00 × 0.0005 × 30 = 9.00
    assert [(item.due_date, item.principal, item.interest) for item in schedule] == [
        (due, D("600.00"), D("9.00"))
    ]


def test_nothing_left_means_no_schedule():
    assert reschedule("0.00", Method.EQUAL_INSTALLMENT, PrepaymentMode.LOWER_INSTALLMENT, "916.80") == []


@settings(max_examples=200, deadline=None)
@given(
    balance=st.integers(min_value=1, max_value=900_000).map(lambda f: D(f) / 100),
    method=st.sampled_from((Method.EQUAL_INSTALLMENT, Method.EQUAL_PRINCIPAL)),
    mode=st.sampled_from(list(PrepaymentMode)),
)
def test_either_mode_repays_the_remaining_balance_exactly(balance, method, mode):
    # the instalments of the original 10,000.00 loan, from numpy-financial and by hand
    payment = "916.80" if method is Method.EQUAL_INSTALLMENT else "833.33"
    schedule = reschedule(str(balance), method, mode, payment)
    assert sum(item.principal for item in schedule) == balance
    assert all(item.principal >= 0 and item.interest >= 0 for item in schedule)
    if mode is PrepaymentMode.LOWER_INSTALLMENT:
        # Below about a fen a period, rounding to the fen can finish a tiny balance early.
        if balance >= D("1.00"):
            assert len(schedule) == len(REMAINING_DATES)
    else:
        assert len(schedule) <= len(REMAINING_DATES)
        if method is Method.EQUAL_INSTALLMENT:
            assert all(item.total == D(payment) for item in schedule[:-1])
        else:
            assert all(item.principal == D(payment) for item in schedule[:-1])
