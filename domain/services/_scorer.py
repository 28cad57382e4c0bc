"""The one place the decision service meets the credit model.

`score_application` runs the champion model of the registry on the application's features
(domain.scoring) and scales its PD to a score; `policy_terms` applies the lender's knock-out
rules and then the score bands (domain.scoring.policy) to give an outcome, a limit and a rate.

The knock-out rules stand outside the model on purpose: the model learns what it is shown, and
some facts decide an application whatever a model trained on other people's history makes of
them (a debt burden no income carries; repeated serious delinquencies at other lenders).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from domain.bureau import BureauReport
from domain.scoring import Features, features_from_application, limit_cap, policy_for_score, score_from_pd
from domain.services import model_registry
from domain.settings import Settings

MAX_DEBT_TO_INCOME = Decimal("0.5")
MAX_DELINQUENCIES = 1  # accounts 30+ days late at other lenders; more declines
MAX_INQUIRIES_6M = 6  # more hard inquiries in six months: someone shopping for credit everywhere, to review
MIN_EMPLOYMENT_MONTHS = 3  # a shorter job (students aside) is checked by a person before a line opens


@dataclass(frozen=True)
class ApplicationInputs:
    monthly_income: Decimal
    employment_type: str
    employment_months: int
    housing: str
    monthly_debt_payments: Decimal
    purpose: str
    age: int
    bureau: BureauReport | None = None
    guarantor: str = "NONE"  # GUARANTOR when a student's guardian stands behind the line


@dataclass(frozen=True)
class Scored:
    pd: float
    score: int
    model_version: str
    features: Features = field(default_factory=dict)


@dataclass(frozen=True)
class Terms:
    outcome: str  # APPROVED, REVIEW, DECLINED
    reasons: list[str] = field(default_factory=list)
    limit: Decimal = Decimal(0)
    daily_rate: Decimal = Decimal(0)


def application_features(inputs: ApplicationInputs) -> Features:
    return features_from_application(inputs, age=inputs.age, bureau=inputs.bureau)


async def score_application(inputs: ApplicationInputs, settings: Settings) -> Scored:
    champion = await model_registry.champion(settings=settings)
    features = application_features(inputs)
    pd = champion.model.predict_pd(features)
    return Scored(pd, score_from_pd(pd, settings), champion.version, features)


def knockouts(inputs: ApplicationInputs) -> Terms | None:
    """Rules that decide before the score does."""
    if inputs.monthly_debt_payments > inputs.monthly_income * MAX_DEBT_TO_INCOME:
        return Terms("DECLINED", ["DEBT_TO_INCOME_TOO_HIGH"])
    b = inputs.bureau
    if b is not None and b.delinquencies > MAX_DELINQUENCIES:
        return Terms("DECLINED", ["BUREAU_DELINQUENCIES"])
    return None


def policy_terms(score: int, inputs: ApplicationInputs, settings: Settings) -> Terms:
    """Knock-outs, then the score band's outcome, initial limit and daily rate."""
    knocked = knockouts(inputs)
    if knocked is not None:
        return knocked
    policy = policy_for_score(score, inputs.monthly_income, settings)
    terms = Terms(policy.decision, list(policy.reasons), policy.limit, policy.daily_rate)
    if terms.outcome != "APPROVED":
        return terms
    b = inputs.bureau
    if inputs.employment_type != "STUDENT" and inputs.employment_months < MIN_EMPLOYMENT_MONTHS:
        return Terms("REVIEW", ["SHORT_EMPLOYMENT"], terms.limit, terms.daily_rate)
    if b is not None and b.inquiries_6m > MAX_INQUIRIES_6M:
        return Terms("REVIEW", ["MANY_RECENT_INQUIRIES"], terms.limit, terms.daily_rate)
    return terms


def income_ceiling(monthly_income: Decimal, settings: Settings, *, initial: bool) -> Decimal:
    """The highest limit for this income: a third of annual income and the line cap, and for a
    new line the initial cap too; rounded down to a hundred yuan."""
    cap = limit_cap(monthly_income, settings)
    if initial:
        cap = min(cap, settings.initial_limit_max)
    return (cap // 100) * 100
