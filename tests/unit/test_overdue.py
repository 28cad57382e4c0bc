from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.money import from_fen, ppm_to_rate
from domain.rules.overdue import (
    Bucket,
    LoanClass,
    classify,
    collection_bucket,
    daily_penalty,
    days_past_due,
    is_past_grace,
    penalty_days_to_accrue,
    penalty_for,
    should_write_off,
)

D = Decimal
DUE = date(2024, 3, 15)


@pytest.mark.parametrize(
    ("today", "dpd"),
    [(date(2024, 3, 1), 0), (DUE, 0), (date(2024, 3, 16), 1), (date(2024, 4, 15), 31)],
)
def test_days_past_due_count_from_the_oldest_unpaid_due_date(today, dpd):
    assert days_past_due(DUE, today) == dpd


def test_nothing_unpaid_is_not_past_due():
    assert days_past_due(None, DUE) == 0


@pytest.mark.parametrize(
    ("dpd", "bucket"),
    [
        (0, Bucket.CURRENT),
        (1, Bucket.M1),
        (30, Bucket.M1),
        (31, Bucket.M2),
        (60, Bucket.M2),
        (61, Bucket.M3),
        (90, Bucket.M3),
        (91, Bucket.M3_PLUS),
        (1000, Bucket.M3_PLUS),
    ],
)
def test_collection_buckets_follow_the_product_bands(dpd, bucket):
    assert collection_bucket(dpd) is bucket


def test_bucket_names_are_the_ones_collectors_use():
    assert [b.value for b in Bucket] == ["M0", "M1", "M2", "M3", "M3+"]


@pytest.mark.parametrize(
    ("dpd", "loan_class"),
    [
        (0, LoanClass.NORMAL),
        (1, LoanClass.SPECIAL_MENTION),
        (90, LoanClass.SPECIAL_MENTION),
        (91, LoanClass.SUBSTANDARD),
        (270, LoanClass.SUBSTANDARD),
        (271, LoanClass.DOUBTFUL),
        (360, LoanClass.DOUBTFUL),
        (361, LoanClass.LOSS),
    ],
)
def test_five_category_classification_follows_the_2023_rules(dpd, loan_class):
    assert classify(dpd) is loan_class


def test_negative_days_past_due_are_refused():
    with pytest.raises(ValueError):
        classify(-1)
    with pytest.raises(ValueError):
        collection_bucket(-1)


def test_grace_ends_after_the_grace_days():
    assert not is_past_grace(3, 3)
    assert is_past_grace(4, 3)


def test_daily_penalty_is_one_and_a_half_times_the_daily_rate():
    # 10,000.00 × 0.0005 × 1.5 = 7.50
    assert daily_penalty(D("10000.00"), D("0.0005")) == D("7.50")


def test_daily_penalty_rounds_half_up_each_day():
    # 10.00 × 0.0005 × 1 = 0.005 → 0.01 (half-up, not to even)
    assert daily_penalty(D("10.00"), D("0.0005"), D("1")) == D("0.01")
    # 333.33 × 0.0005 × 1.5 = 0.2499975 → 0.25
    assert daily_penalty(D("333.33"), D("0.0005"), D("1.5")) == D("0.25")


def test_penalty_days_catch_up_on_the_day_grace_ends():
    accrued = [penalty_days_to_accrue(dpd, 3) for dpd in range(0, 8)]
    # within grace nothing; on day 4 the four days since the due date; then one a day
    assert accrued == [0, 0, 0, 0, 4, 1, 1, 1]


def test_no_grace_accrues_from_the_first_day():
    assert [penalty_days_to_accrue(dpd, 0) for dpd in range(0, 4)] == [0, 1, 1, 1]


def test_penalty_within_grace_is_nothing():
    assert penalty_for(D("10000.00"), D("0.0005"), 3, 3, D("1.5")) == 0


def test_penalty_after_grace_counts_from_the_due_date():
    # 10 days overdue past a 3-day grace: 7.50 a day × 10 = 75.00
    assert penalty_for(D("10000.00"), D("0.0005"), 10, 3, D("1.5")) == D("75.00")


def test_write_off_comes_after_180_days():
    assert not should_write_off(180)
    assert should_write_off(181)
    assert should_write_off(31, write_off_dpd=30)


@settings(max_examples=200, deadline=None)
@given(
    principal=st.integers(min_value=1, max_value=20_000_000).map(lambda f: D(f) / 100),
    ppm=st.integers(min_value=0, max_value=1000),
    dpd=st.integers(min_value=0, max_value=400),
    grace=st.integers(min_value=0, max_value=10),
)
def test_daily_accruals_add_up_to_the_total_penalty(principal, ppm, dpd, grace):
    rate = D(ppm) / 1_000_000
    day_by_day = sum(
        (daily_penalty(principal, rate) * penalty_days_to_accrue(day, grace) for day in range(0, dpd + 1)),
        start=D(0),
    )
    assert day_by_day == penalty_for(principal, rate, dpd, grace, D("1.5"))


@settings(max_examples=200, deadline=None)
@given(
    principal_fen=st.integers(min_value=0, max_value=20_000_000),
    ppm=st.integers(min_value=0, max_value=1000),
    multiplier_tenths=st.integers(min_value=10, max_value=30),
)
def test_daily_penalty_matches_integer_fen_arithmetic(principal_fen, ppm, multiplier_tenths):
    # As close of business computes it in SQL: fen × ppm × tenths over 10,000,000, half-up,
    # which for non-negative integers is (x + 5,000,000) // 10,000,000.
    expected_fen = (principal_fen * ppm * multiplier_tenths + 5_000_000) // 10_000_000
    multiplier = D(multiplier_tenths) / 10
    assert daily_penalty(from_fen(principal_fen), ppm_to_rate(ppm), multiplier) == from_fen(expected_fen)
