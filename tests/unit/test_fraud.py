"""The anti-fraud rules and the anomaly score, without a database."""

from __future__ import annotations

import math
import random
from datetime import date
from decimal import Decimal

import pytest

from domain.fraud import DECLINE, REVIEW, Facts, FraudHit, Thresholds, evaluate, identity_hits, verdict
from domain.fraud.anomaly import AnomalyDetector, anomaly_features
from domain.identity import make_resident_id
from domain.settings import load_settings

LIMITS = Thresholds.from_settings(load_settings({}))
TODAY = date(2026, 1, 5)
# Worked by hand in tests/unit/test_identity.py: a valid number whose check character is X.
VALID_ID = "11010519491231002X"


def facts(**changes) -> Facts:
    clean = dict(apps_on_device=1, apps_on_ip=1, apps_on_phone=1, identities_on_device=1, other_names_for_id=0,
                 other_phones_for_id=0, other_ids_for_phone=0)
    return Facts(**{**clean, **changes})


def codes(hits: list[FraudHit]) -> list[str]:
    return [h.code for h in hits]


def test_a_first_application_from_a_fresh_device_has_no_hits():
    assert evaluate(facts(), LIMITS) == []
    assert verdict([]) is None


def test_the_default_thresholds_are_five_per_device_and_two_identities_per_device():
    assert (LIMITS.max_apps_per_device, LIMITS.max_identities_per_device, LIMITS.window_minutes) == (5, 2, 60)


def test_five_applications_from_a_device_in_the_window_pass_and_the_sixth_is_flagged():
    assert evaluate(facts(apps_on_device=5), LIMITS) == []
    hits = evaluate(facts(apps_on_device=6), LIMITS)
    assert codes(hits) == ["VELOCITY_DEVICE"] and hits[0].severity == REVIEW


def test_too_many_applications_from_an_ip_or_a_phone_are_flagged():
    assert codes(evaluate(facts(apps_on_ip=21), LIMITS)) == ["VELOCITY_IP"]
    assert codes(evaluate(facts(apps_on_phone=6), LIMITS)) == ["VELOCITY_PHONE"]


def test_a_device_shared_by_a_third_identity_is_flagged():
    assert evaluate(facts(identities_on_device=2), LIMITS) == []
    assert codes(evaluate(facts(identities_on_device=3), LIMITS)) == ["DEVICE_SHARED"]


def test_inconsistent_name_id_and_phone_are_each_flagged_for_review():
    hits = evaluate(facts(other_names_for_id=1, other_phones_for_id=2, other_ids_for_phone=1), LIMITS)
    assert codes(hits) == ["ID_NAME_MISMATCH", "ID_PHONE_MISMATCH", "PHONE_SHARED"]
    assert {h.severity for h in hits} == {REVIEW}


def test_a_blacklisted_phone_declines_and_outranks_review_hits():
    hits = evaluate(facts(blacklisted=frozenset({"PHONE"}), identities_on_device=4), LIMITS)
    assert codes(hits) == ["BLACKLIST_PHONE", "DEVICE_SHARED"]
    assert verdict(hits) == DECLINE


def test_each_blacklist_kind_has_its_own_code():
    hits = evaluate(facts(blacklisted=frozenset({"ID_NUMBER", "PHONE", "DEVICE", "IP"})), LIMITS)
    assert codes(hits) == ["BLACKLIST_ID_NUMBER", "BLACKLIST_PHONE", "BLACKLIST_DEVICE", "BLACKLIST_IP"]


def test_an_anomaly_score_at_the_threshold_is_flagged_and_a_cold_detector_is_not():
    assert codes(evaluate(facts(anomaly_score=0.95), LIMITS)) == ["ANOMALY"]
    assert evaluate(facts(anomaly_score=0.5), LIMITS) == []
    assert evaluate(facts(anomaly_score=None), LIMITS) == []


def test_a_valid_id_number_of_a_borrower_within_age_passes_the_identity_check():
    assert identity_hits(make_resident_id("110105", date(1992, 3, 14), "001"), TODAY) == []


def test_an_id_number_with_a_wrong_check_character_is_declined():
    hits = identity_hits(VALID_ID[:-1] + "1", TODAY)
    assert codes(hits) == ["ID_CHECKSUM"] and hits[0].severity == DECLINE


@pytest.mark.parametrize(("birth", "age"), [(date(2008, 1, 6), 17), (date(1965, 1, 5), 61)])
def test_applicants_under_eighteen_or_over_sixty_are_declined(birth, age):
    hits = identity_hits(make_resident_id("110105", birth, "001"), TODAY)
    assert codes(hits) == ["AGE_OUT_OF_RANGE"]


def test_anomaly_features_scale_to_the_unit_interval():
    # Income on a log scale from 500 to 200,000: 10,000 is ln(20)/ln(400) = 1/2 of the way, since 400 = 20².
    x = anomaly_features(Decimal("10000"), Decimal("3000"), 90, 39)
    assert math.isclose(x["income"], 0.5)
    assert math.isclose(x["debt_ratio"], 0.3 / 1.5)  # 3,000 / 10,000 of a 150% range
    assert math.isclose(x["employment"], 90 / 360)
    assert math.isclose(x["age"], (39 - 18) / (60 - 18))
    extreme = anomaly_features(Decimal("9999999"), Decimal("99999999"), 600, 90)
    assert all(0.0 <= v <= 1.0 for v in extreme.values())
    assert anomaly_features(Decimal("100"), Decimal("0"), 0, 18) == {"income": 0.0, "debt_ratio": 0.0,
                                                                     "employment": 0.0, "age": 0.0}


def _typical(rng: random.Random) -> dict[str, float]:
    income = Decimal(int(rng.lognormvariate(9.0, 0.4)))
    debt = (income * Decimal(rng.uniform(0, 0.35))).quantize(Decimal("0.01"))
    return anomaly_features(income, debt, rng.randint(6, 120), rng.randint(22, 45))


def test_the_detector_says_nothing_until_it_has_seen_a_full_window():
    detector = AnomalyDetector(min_samples=250)
    rng = random.Random(3)
    for i in range(249):
        detector.learn(_typical(rng), i + 1)
    assert detector.score(_typical(rng)) is None
    detector.learn(_typical(rng), 250)
    assert detector.score(_typical(rng)) is not None


def test_after_learning_ordinary_applications_an_outlandish_one_scores_above_the_threshold():
    rng = random.Random(11)
    detector = AnomalyDetector(min_samples=250)
    detector.learn_rows((i + 1, _typical(rng)) for i in range(600))
    typical = sorted(detector.score(_typical(rng)) for _ in range(200))
    # An eighteen-year-old with no job history stating 150,000 a month.
    outlier = detector.score(anomaly_features(Decimal("150000"), Decimal("0"), 0, 18))
    assert typical[len(typical) // 2] < LIMITS.anomaly_threshold <= outlier


def test_the_detector_learns_each_row_once_in_id_order():
    detector = AnomalyDetector()
    x = anomaly_features(Decimal("8000"), Decimal("0"), 24, 30)
    detector.learn_rows([(1, x), (2, x), (3, x)])
    detector.learn_rows([(2, x), (3, x), (4, x)])
    assert (detector.learned, detector.last_id) == (4, 4)
