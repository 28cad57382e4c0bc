"""The lender's rules around the score: knock-outs before it, checks after it."""

from __future__ import annotations

from decimal import Decimal

from domain.bureau import BureauReport
from domain.services._scorer import ApplicationInputs, income_ceiling, policy_terms
from domain.settings import load_settings

SETTINGS = load_settings({})
CLEAN = BureauReport(3, 0, 1, Decimal("8000.00"), "stub")
STRONG = 720  # in the best band (700 and up) by default


def inputs(**changes) -> ApplicationInputs:
    values = dict(monthly_income=Decimal("15000.00"), employment_type="SALARIED", employment_months=48,
                  housing="OWN", monthly_debt_payments=Decimal("1000.00"), purpose="travel", age=34, bureau=CLEAN)
    return ApplicationInputs(**{**values, **changes})


def test_a_strong_score_with_nothing_against_it_is_approved_at_the_best_bands_terms():
    terms = policy_terms(STRONG, inputs(), SETTINGS)
    # Best band: 30% of annual income (15,000 x 12 x 0.3 = 54,000), held to the 30,000 initial cap, at 0.02% a day.
    assert (terms.outcome, terms.reasons, terms.limit, terms.daily_rate) == (
        "APPROVED", [], Decimal("30000.00"), Decimal("0.0002"))


def test_debts_above_half_of_income_decline_whatever_the_score():
    # 7,600 of 15,000 is 50.7%.
    terms = policy_terms(STRONG, inputs(monthly_debt_payments=Decimal("7600.00")), SETTINGS)
    assert (terms.outcome, terms.reasons) == ("DECLINED", ["DEBT_TO_INCOME_TOO_HIGH"])
    # Exactly half is still allowed.
    assert policy_terms(STRONG, inputs(monthly_debt_payments=Decimal("7500.00")), SETTINGS).outcome == "APPROVED"


def test_two_delinquencies_at_other_lenders_decline_and_one_does_not():
    two = BureauReport(3, 2, 1, Decimal("8000.00"), "stub")
    one = BureauReport(3, 1, 1, Decimal("8000.00"), "stub")
    assert policy_terms(STRONG, inputs(bureau=two), SETTINGS).reasons == ["BUREAU_DELINQUENCIES"]
    assert policy_terms(STRONG, inputs(bureau=one), SETTINGS).outcome == "APPROVED"


def test_a_job_of_under_three_months_goes_to_a_person_with_the_terms_kept():
    terms = policy_terms(STRONG, inputs(employment_months=2), SETTINGS)
    assert (terms.outcome, terms.reasons, terms.limit) == ("REVIEW", ["SHORT_EMPLOYMENT"], Decimal("30000.00"))
    assert policy_terms(STRONG, inputs(employment_months=3), SETTINGS).outcome == "APPROVED"


def test_more_than_six_recent_inquiries_go_to_a_person():
    busy = BureauReport(3, 0, 7, Decimal("8000.00"), "stub")
    assert policy_terms(STRONG, inputs(bureau=busy), SETTINGS).reasons == ["MANY_RECENT_INQUIRIES"]


def test_the_income_ceiling_is_a_third_of_annual_income_and_for_a_new_line_the_initial_cap():
    # 6,000 x 12 / 3 = 24,000; 15,000 x 12 / 3 = 60,000, held to 30,000 for a new line.
    assert income_ceiling(Decimal("6000.00"), SETTINGS, initial=True) == Decimal("24000")
    assert income_ceiling(Decimal("15000.00"), SETTINGS, initial=True) == Decimal("30000")
    assert income_ceiling(Decimal("15000.00"), SETTINGS, initial=False) == Decimal("60000")
    assert income_ceiling(Decimal("900000.00"), SETTINGS, initial=False) == Decimal("200000")
