"""PD -> score by points to double the odds, checked against hand-worked numbers."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.scoring import pd_from_score, raw_score, score_from_pd
from domain.settings import load_settings

# The textbook example: 600 points at good:bad odds of 50:1, 20 points to double the odds.
#   factor = PDO / ln 2 = 20 / 0.693147 = 28.853901
#   offset = 600 - factor * ln 50 = 600 - 28.853901 * 3.912023 = 600 - 112.877124 = 487.122876
TEXTBOOK = load_settings({}, score_base=600, score_base_odds=50, score_pdo=20)


def test_the_base_odds_score_the_base_score():
    # PD 1/51 is odds of 50 good to 1 bad.
    assert score_from_pd(1 / 51, TEXTBOOK) == 600


def test_each_doubling_of_the_odds_adds_the_pdo():
    assert score_from_pd(1 / 101, TEXTBOOK) == 620  # odds 100:1
    assert score_from_pd(1 / 201, TEXTBOOK) == 640  # odds 200:1
    assert score_from_pd(1 / 26, TEXTBOOK) == 580  # odds 25:1


def test_even_odds_score_the_offset():
    # odds 1:1 -> ln 1 = 0 -> the offset, 487.122876, rounded to 487.
    assert raw_score(0.5, TEXTBOOK) == pytest.approx(487.122876, abs=1e-6)
    assert score_from_pd(0.5, TEXTBOOK) == 487


def test_scores_stay_on_the_published_scale():
    # PD 0.999999: 487.12 + 28.85 * ln(1e-6 / 0.999999) = 487.12 - 398.63 = 88.5 -> 350.
    assert score_from_pd(0.999999, TEXTBOOK) == 350
    assert score_from_pd(1.0, TEXTBOOK) == 350
    assert score_from_pd(0.0, TEXTBOOK) == 950


def test_the_default_scale_puts_600_at_odds_of_five_to_one():
    settings = load_settings({})
    # 600 at odds 5:1 (PD 1/6), 40 points per doubling: odds 10:1 (PD 1/11) -> 640, 20:1 -> 680.
    assert score_from_pd(1 / 6, settings) == 600
    assert score_from_pd(1 / 11, settings) == 640
    assert score_from_pd(1 / 21, settings) == 680


def test_the_inverse_gives_back_the_pd():
    assert pd_from_score(620, TEXTBOOK) == pytest.approx(1 / 101)
    assert pd_from_score(600, TEXTBOOK) == pytest.approx(1 / 51)


def test_a_pd_outside_zero_to_one_is_refused():
    with pytest.raises(ValueError):
        score_from_pd(1.5, TEXTBOOK)
    with pytest.raises(ValueError):
        score_from_pd(math.nan, TEXTBOOK)


@given(st.floats(0.0, 1.0), st.floats(0.0, 1.0))
def test_a_higher_pd_never_scores_higher(a, b):
    low, high = sorted((a, b))
    assert score_from_pd(high, TEXTBOOK) <= score_from_pd(low, TEXTBOOK)
    assert 350 <= score_from_pd(a, TEXTBOOK) <= 950
