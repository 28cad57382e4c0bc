"""Score bands -> decision, initial limit and daily rate; the limit caps."""

from decimal import Decimal

from domain.scoring import APPROVED, DECLINED, REVIEW, policy_for_score
from domain.settings import load_settings

SETTINGS = load_settings({})  # bands A >= 700, B >= 650, C >= 600, D >= 550; 30/20/15/10 % of annual income


def test_a_top_score_gets_the_lowest_rate_and_its_share_of_income():
    # 8,000 a month -> 96,000 a year; band A lends 30% of it: 28,800 (under 30,000 and under 96,000 / 3).
    policy = policy_for_score(720, Decimal("8000"), SETTINGS)
    assert policy.decision == APPROVED
    assert policy.band == "A"
    assert policy.limit == Decimal("28800.00")
    assert policy.daily_rate == Decimal("0.0002")


def test_band_floors_are_inclusive():
    assert policy_for_score(700, Decimal("8000"), SETTINGS).band == "A"
    assert policy_for_score(699, Decimal("8000"), SETTINGS).band == "B"


def test_the_initial_limit_never_exceeds_30000():
    # 50,000 a month: 30% of 600,000 is 180,000, but a new line starts at 30,000 at most.
    assert policy_for_score(800, Decimal("50000"), SETTINGS).limit == Decimal("30000.00")


def test_the_limit_never_exceeds_a_third_of_annual_income():
    # A band lending 50% of income: 3,000 a month is 36,000 a year; half is 18,000, a third is 12,000.
    generous = load_settings({}, score_band_limit_percent=(50, 40, 30, 20))
    assert policy_for_score(720, Decimal("3000"), generous).limit == Decimal("12000.00")


def test_no_line_is_ever_above_200000():
    # With the initial cap lifted: 100,000 a month is 1,200,000 a year; 30% is 360,000, a third
    # 400,000; the line cap of 200,000 wins.
    uncapped = load_settings({}, initial_limit_max=Decimal("1000000"))
    assert policy_for_score(720, Decimal("100000"), uncapped).limit == Decimal("200000.00")


def test_limits_are_rounded_down_to_a_hundred_yuan():
    # Band B, 7,777 a month: 93,324 a year x 20% = 18,664.80 -> 18,600.
    assert policy_for_score(660, Decimal("7777"), SETTINGS).limit == Decimal("18600.00")


def test_the_bottom_band_goes_to_review_at_the_highest_rate():
    # Band D, 6,000 a month: 72,000 x 10% = 7,200.
    policy = policy_for_score(570, Decimal("6000"), SETTINGS)
    assert (policy.decision, policy.band, policy.limit, policy.daily_rate) == (
        REVIEW, "D", Decimal("7200.00"), Decimal("0.0005"))
    assert policy.reasons == ("SCORE_NEEDS_REVIEW",)


def test_a_score_under_every_band_is_declined():
    policy = policy_for_score(549, Decimal("20000"), SETTINGS)
    assert policy.decision == DECLINED
    assert policy.reasons == ("SCORE_TOO_LOW",)
    assert policy.limit == Decimal("0.00")


def test_an_income_too_small_for_the_minimum_limit_is_declined():
    # 120 a month: 1,440 a year x 30% = 432 -> 400, under the 500 minimum.
    policy = policy_for_score(800, Decimal("120"), SETTINGS)
    assert policy.decision == DECLINED
    assert policy.reasons == ("INCOME_TOO_LOW",)


def test_every_band_rate_lies_within_the_product_range():
    for score in (950, 700, 650, 600, 550):
        rate = policy_for_score(score, Decimal("10000"), SETTINGS).daily_rate
        assert Decimal("0.0002") <= rate <= Decimal("0.0005")
