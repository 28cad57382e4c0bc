"""Feature builders: application, bureau summary and behaviour into the model's feature space."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from domain.scoring import (
    NEW_BORROWER,
    Behaviour,
    BehaviourStats,
    age_on,
    behaviour_from_stats,
    features_from_application,
    purpose_category,
    with_behaviour,
)
from domain.scoring.features import BEHAVIOUR_FEATURES, whole_months


@dataclass
class Application:
    monthly_income: Decimal = Decimal("8000")
    monthly_debt_payments: Decimal = Decimal("2000")
    employment_type: str = "SALARIED"
    employment_months: int = 30
    housing: str = "RENT"
    purpose: str = "买一台笔记本电脑 laptop"


@dataclass
class Bureau:
    account_status: str = "HEALTHY"
    savings: str = "LOW"
    credit_history: str = "CURRENT_ON_TIME"
    other_instalment_plans: str = "NONE"
    open_credits: int = 2
    outstanding_debt: Decimal = Decimal("24000.00")
    debt_term_months: int = 12


def test_an_application_becomes_features_with_a_debt_to_income_ratio():
    f = features_from_application(Application(), age=29, bureau=Bureau())
    # 2,000 of debt payments on 8,000 of income.
    assert f["debt_to_income"] == 0.25
    assert f["monthly_income"] == 8000.0
    assert (f["age"], f["employment_type"], f["employment_months"], f["housing"]) == (29.0, "SALARIED", 30.0, "RENT")
    assert f["purpose"] == "CONSUMER_GOODS"
    assert f["guarantor"] == "NONE"
    assert (f["account_status"], f["savings"], f["credit_history"]) == ("HEALTHY", "LOW", "CURRENT_ON_TIME")
    assert (f["open_credits"], f["debt_amount"], f["debt_term_months"]) == (2.0, 24000.0, 12.0)


def test_a_new_applicant_has_no_behaviour_yet():
    f = features_from_application(Application(), age=29)
    assert all(f[name] == 0.0 for name in BEHAVIOUR_FEATURES)


def test_a_missing_bureau_is_unknown_rather_than_guessed():
    f = features_from_application(Application(), age=29, bureau=None)
    assert f["account_status"] == f["credit_history"] == "UNKNOWN"
    assert "debt_amount" not in f and "open_credits" not in f


def test_a_bureau_summary_from_json_is_read_the_same():
    summary = {"account_status": "overdrawn", "savings": "NONE", "credit_history": "PAST_DELAYS",
               "other_instalment_plans": "BANK", "open_credits": 1, "outstanding_debt": "5000.00",
               "debt_term_months": None}
    f = features_from_application(Application(), age=40, bureau=summary)
    assert (f["account_status"], f["other_instalment_plans"], f["debt_amount"]) == ("OVERDRAWN", "BANK", 5000.0)
    assert "debt_term_months" not in f


def test_values_outside_the_vocabulary_become_unknown():
    f = features_from_application(Application(employment_type="ASTRONAUT", housing="castle"), age=30)
    assert (f["employment_type"], f["housing"]) == ("UNKNOWN", "UNKNOWN")


def test_purposes_are_read_from_free_text():
    assert purpose_category("装修房子") == "HOME"
    assert purpose_category("Hospital bills") == "MEDICAL"
    assert purpose_category("holiday trip to Sanya") == "TRAVEL"
    assert purpose_category("shopping") == "CONSUMER_GOODS"
    assert purpose_category("pay off a credit card") == "OTHER"  # "card" is not a car
    assert purpose_category("wedding") == "OTHER"
    assert purpose_category("EDUCATION") == "EDUCATION"


def test_behaviour_comes_from_repayment_history_and_the_line():
    stats = BehaviourStats(on_time_instalments=5, late_instalments=1, worst_dpd=12, used_fen=500_000,
                           limit_fen=2_000_000, opened_on=date(2025, 10, 15), recent_draws=2)
    b = behaviour_from_stats(stats, date(2026, 1, 5))
    # 5,000 used of 20,000 -> 0.25; 15 Oct to 5 Jan is two whole months (the third ends on 15 Jan).
    assert b == Behaviour(on_time_instalments=5, late_instalments=1, worst_dpd=12, utilisation=0.25,
                          tenure_months=2, recent_draws=2)


def test_a_borrower_without_a_line_has_no_utilisation_or_tenure():
    assert behaviour_from_stats(BehaviourStats(), date(2026, 1, 5)) == NEW_BORROWER


def test_whole_months_and_ages_count_completed_periods():
    assert whole_months(date(2025, 1, 31), date(2025, 2, 28)) == 0
    assert whole_months(date(2025, 1, 15), date(2026, 1, 15)) == 12
    assert age_on(date(1992, 3, 14), date(2026, 3, 13)) == 33
    assert age_on(date(1992, 3, 14), date(2026, 3, 14)) == 34


def test_rescoring_replaces_behaviour_and_keeps_the_application():
    f = features_from_application(Application(), age=29, bureau=Bureau())
    updated = with_behaviour(f, Behaviour(on_time_instalments=3, worst_dpd=4))
    assert updated["on_time_instalments"] == 3.0 and updated["worst_dpd"] == 4.0
    assert {k: v for k, v in updated.items() if k not in BEHAVIOUR_FEATURES} == {
        k: v for k, v in f.items() if k not in BEHAVIOUR_FEATURES}
