"""The credit model: German credit, learning one example at a time, weight of evidence, AUC."""

import math

import pytest

from domain.scoring import CreditModel, german_credit, roc_auc
from domain.scoring.features import APPLICATION_FEATURES, BEHAVIOUR_FEATURES, BUREAU_FEATURES
from domain.scoring.woe import OnlineWoE


def pairwise_auc(labels, scores):
    # Independent of the code under test: count the bad/good pairs ordered correctly, ties as half.
    bads = [s for s, y in zip(scores, labels, strict=True) if y]
    goods = [s for s, y in zip(scores, labels, strict=True) if not y]
    wins = sum(1.0 if b > g else 0.5 if b == g else 0.0 for b in bads for g in goods)
    return wins / (len(bads) * len(goods))


def test_german_credit_has_1000_rows_and_300_defaults():
    rows = german_credit()
    assert len(rows) == 1000
    assert sum(1 for _, bad in rows if bad) == 300


def test_german_credit_rows_are_in_the_model_feature_space():
    expected = set(APPLICATION_FEATURES + BUREAU_FEATURES + BEHAVIOUR_FEATURES)
    rows = german_credit()
    assert all(set(features) == expected for features, _ in rows)
    first, bad = rows[0]
    # The file's first applicant: 67 years old, 1,169 DM over 6 months, instalment code 4, good.
    assert bad is False
    assert first["age"] == 67.0
    assert first["debt_amount"] == 1169 * 15
    assert first["debt_to_income"] == 0.45
    assert first["account_status"] == "OVERDRAWN"


def test_german_credit_hands_out_fresh_rows():
    rows = german_credit()
    rows[0][0]["age"] = -1.0
    assert german_credit()[0][0]["age"] == 67.0


def test_a_fresh_model_knows_nothing():
    features, _ = german_credit()[0]
    assert CreditModel.fresh().predict_pd(features) == pytest.approx(0.5)


def test_the_model_learns_german_credit_in_one_pass():
    rows = german_credit()
    train, test = rows[:700], rows[700:]
    model = CreditModel.fresh()
    for features, bad in train:
        model.learn_one(features, bad)
    labels = [bad for _, bad in test]
    assert pairwise_auc(labels, [model.predict_pd(f) for f, _ in test]) > 0.7


def test_training_is_deterministic_and_survives_storage():
    rows = german_credit()[:200]
    a, b = CreditModel.fresh(), CreditModel.fresh()
    for features, bad in rows:
        a.learn_one(features, bad)
        b.learn_one(features, bad)
    probe = german_credit()[500][0]
    assert a.predict_pd(probe) == b.predict_pd(probe)
    assert CreditModel.loads(a.dumps()).predict_pd(probe) == a.predict_pd(probe)


def test_risk_drivers_name_inputs_that_raise_the_pd():
    model = CreditModel.fresh()
    for features, bad in german_credit():
        model.learn_one(features, bad)
    risky = {**german_credit()[1][0], "account_status": "OVERDRAWN", "credit_history": "NO_CREDIT"}
    drivers = model.risk_drivers(risky)
    assert 1 <= len(drivers) <= 3
    assert set(drivers) <= set(risky)


def test_weight_of_evidence_is_smoothed_towards_the_overall_rate():
    woe = OnlineWoE(("housing",), prior=10.0)
    woe.learn_one({"housing": "RENT"}, True)
    woe.learn_one({"housing": "OWN"}, False)
    # One bad, one good: overall rate (1+1)/(2+2) = 0.5, log-odds 0; prior 10 -> 5 bad and 5 good.
    # RENT: ln((1 + 5) / (0 + 5)) = ln 1.2 = 0.182322; OWN: ln(5 / 6) = -0.182322; unseen: ln(5/5) = 0.
    out = woe.transform_one({"housing": "RENT"})
    assert out["housing"] == pytest.approx(math.log(1.2))
    assert woe.transform_one({"housing": "OWN"})["housing"] == pytest.approx(-math.log(1.2))
    assert woe.transform_one({"housing": "FAMILY"})["housing"] == 0.0


def test_numbers_fall_into_fixed_bands():
    woe = OnlineWoE((), edges={"age": (25, 30)}, prior=2.0)
    woe.learn_one({"age": 22.0}, True)
    # 29 and 25 share the middle band; 22 is in the first, which has the one bad.
    assert woe.transform_one({"age": 25.0}) == woe.transform_one({"age": 29.0})
    assert woe.transform_one({"age": 24.9})["age"] > woe.transform_one({"age": 29.0})["age"]


def test_auc_counts_correctly_ordered_pairs_with_ties_as_half():
    # Bads score 0.9 and 0.4, goods 0.1 and 0.5: three of four pairs in order -> 0.75.
    assert roc_auc([True, False, True, False], [0.9, 0.1, 0.4, 0.5]) == 0.75
    # One bad tied with one good, above the other: (0.5 + 1) / 2 = 0.75.
    assert roc_auc([True, False, False], [0.5, 0.5, 0.2]) == 0.75
    assert roc_auc([True, True], [0.1, 0.2]) is None
