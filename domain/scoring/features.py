"""The credit model's feature space, built by pure functions.

A feature dict has three parts:

- the application: age, employment type and length, housing, purpose, monthly income, debt-to-income
  ratio, guarantor;
- the bureau summary: main account standing, savings, repayment history, open credits, instalment
  plans with other lenders, outstanding debt and its term;
- behaviour on this platform: instalments paid on time and late, worst days past due, utilisation,
  tenure and recent draws (all zero for a new applicant).

Categorical values are upper-case strings from the vocabularies below; anything else becomes
``UNKNOWN``, which the model treats as carrying no evidence. Numbers are plain floats: these are
statistics for the model, never amounts of money, and nothing computed from them goes back into money.
A bureau value that is missing (bureau down, thin file) is left out of the dict rather than guessed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

Features = dict[str, float | str]

UNKNOWN = "UNKNOWN"
EMPLOYMENT = ("SALARIED", "SELF_EMPLOYED", "STUDENT", "OTHER")
HOUSING = ("OWN", "MORTGAGE", "RENT", "FAMILY", "OTHER")
PURPOSES = ("CONSUMER_GOODS", "HOME", "CAR", "EDUCATION", "TRAVEL", "MEDICAL", "BUSINESS", "OTHER")
GUARANTORS = ("NONE", "GUARANTOR", "CO_APPLICANT")
# Bureau vocabularies. ACCOUNT_STATUS is the standing of the applicant's main bank account:
# NONE (no account reported), OVERDRAWN, LOW (a small positive balance), HEALTHY (a good balance or a
# salary paid into it for a year). CREDIT_HISTORY: NO_CREDIT (never borrowed), ALL_PAID (every credit
# closed and repaid), CURRENT_ON_TIME (credits open and paid duly), PAST_DELAYS, CRITICAL.
ACCOUNT_STATUS = ("NONE", "OVERDRAWN", "LOW", "HEALTHY")
SAVINGS = ("NONE", "LOW", "MEDIUM", "HIGH")
CREDIT_HISTORY = ("NO_CREDIT", "ALL_PAID", "CURRENT_ON_TIME", "PAST_DELAYS", "CRITICAL")
OTHER_PLANS = ("NONE", "BANK", "STORE")

APPLICATION_FEATURES = ("age", "employment_type", "employment_months", "housing", "purpose", "monthly_income",
                        "debt_to_income", "guarantor")
BUREAU_FEATURES = ("account_status", "savings", "credit_history", "open_credits", "other_instalment_plans",
                   "debt_amount", "debt_term_months")
BEHAVIOUR_FEATURES = ("on_time_instalments", "late_instalments", "worst_dpd", "utilisation", "tenure_months",
                      "recent_draws")
CATEGORICAL = ("employment_type", "housing", "purpose", "guarantor", "account_status", "savings", "credit_history",
               "other_instalment_plans")
NUMERIC = tuple(f for f in APPLICATION_FEATURES + BUREAU_FEATURES + BEHAVIOUR_FEATURES if f not in CATEGORICAL)

# Free-text purpose -> category, first match wins. Chinese words match anywhere in the text; English
# ones match whole words (a trailing "s" allowed), so "card" is not a car and "shopping" not a shop.
_PURPOSE_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("MEDICAL", ("医", "病", "药", "health", "medical", "hospital", "dental", "surgery")),
    ("EDUCATION", ("教育", "学费", "培训", "课程", "考试", "tuition", "school", "course", "education", "training",
                   "study")),
    ("BUSINESS", ("经营", "生意", "进货", "创业", "店", "business", "stock", "shop", "supplier", "inventory")),
    ("CAR", ("车", "car", "vehicle", "motor", "scooter")),
    ("TRAVEL", ("旅", "度假", "机票", "travel", "trip", "holiday", "vacation", "flight")),
    ("HOME", ("装修", "家具", "维修", "房", "搬家", "furniture", "renovation", "repair", "home", "house", "rent",
              "moving")),
    ("CONSUMER_GOODS", ("手机", "电脑", "家电", "电视", "购物", "数码", "消费", "phone", "laptop", "computer", "tv",
                        "television", "appliance", "shopping", "electronics", "camera")),
)

# Draws within this many days count as recent.
RECENT_DRAW_DAYS = 30
_WORD = re.compile(r"[a-z]+")


@dataclass(frozen=True)
class Behaviour:
    on_time_instalments: int = 0
    late_instalments: int = 0
    worst_dpd: int = 0
    utilisation: float = 0.0
    tenure_months: int = 0
    recent_draws: int = 0


NEW_BORROWER = Behaviour()


@dataclass(frozen=True)
class BehaviourStats:
    # Raw aggregates read from loans, instalments and the credit line as of one date.
    on_time_instalments: int = 0
    late_instalments: int = 0
    worst_dpd: int = 0
    used_fen: int = 0
    limit_fen: int = 0
    opened_on: date | None = None
    recent_draws: int = 0


def whole_months(start: date, end: date) -> int:
    """Whole calendar months from `start` to `end` (0 if `end` is not later)."""
    months = (end.year - start.year) * 12 + end.month - start.month
    if end.day < start.day:
        months -= 1
    return max(0, months)


def age_on(birth_date: date, today: date) -> int:
    return today.year - birth_date.year - ((today.month, today.day) < (birth_date.month, birth_date.day))


def behaviour_from_stats(stats: BehaviourStats, today: date) -> Behaviour:
    utilisation = stats.used_fen / stats.limit_fen if stats.limit_fen > 0 else 0.0
    return Behaviour(
        on_time_instalments=stats.on_time_instalments,
        late_instalments=stats.late_instalments,
        worst_dpd=max(0, stats.worst_dpd),
        utilisation=round(min(max(utilisation, 0.0), 1.0), 4),
        tenure_months=whole_months(stats.opened_on, today) if stats.opened_on else 0,
        recent_draws=stats.recent_draws,
    )


def behaviour_features(behaviour: Behaviour) -> Features:
    return {
        "on_time_instalments": float(behaviour.on_time_instalments),
        "late_instalments": float(behaviour.late_instalments),
        "worst_dpd": float(behaviour.worst_dpd),
        "utilisation": float(behaviour.utilisation),
        "tenure_months": float(behaviour.tenure_months),
        "recent_draws": float(behaviour.recent_draws),
    }


def with_behaviour(features: Mapping[str, Any], behaviour: Behaviour) -> Features:
    """The same applicant, with behaviour brought up to date."""
    return {**application_part(features), **behaviour_features(behaviour)}


def application_part(features: Mapping[str, Any]) -> Features:
    return {k: v for k, v in features.items() if k not in BEHAVIOUR_FEATURES}


def purpose_category(text: str) -> str:
    lowered = (text or "").strip().lower()
    if lowered.upper() in PURPOSES:
        return lowered.upper()
    tokens = set(_WORD.findall(lowered))
    for category, words in _PURPOSE_WORDS:
        if any((w in tokens or w + "s" in tokens) if w.isascii() else w in lowered for w in words):
            return category
    return "OTHER"


def _category(value: Any, vocabulary: tuple[str, ...]) -> str:
    value = getattr(value, "value", value)  # enums
    text = str(value).strip().upper() if value is not None else ""
    return text if text in vocabulary else UNKNOWN


def _get(source: Any, name: str, default: Any = None) -> Any:
    if source is None:
        return default
    if isinstance(source, Mapping):
        return source.get(name, default)
    return getattr(source, name, default)


def _number(value: Any) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if number == number and abs(number) != float("inf") else None


def bureau_features(bureau: Any) -> Features:
    """Read a bureau summary (a mapping or an object with these attribute names).

    Categorical: account_status, savings, credit_history, other_instalment_plans.
    Numeric: open_credits, outstanding_debt (CNY), debt_term_months (average term of the open debts).
    """
    out: Features = {
        "account_status": _category(_get(bureau, "account_status"), ACCOUNT_STATUS),
        "savings": _category(_get(bureau, "savings"), SAVINGS),
        "credit_history": _category(_get(bureau, "credit_history"), CREDIT_HISTORY),
        "other_instalment_plans": _category(_get(bureau, "other_instalment_plans"), OTHER_PLANS),
    }
    for name, source in (("open_credits", "open_credits"), ("debt_amount", "outstanding_debt"),
                         ("debt_term_months", "debt_term_months")):
        number = _number(_get(bureau, source))
        if number is not None and number >= 0:
            out[name] = number
    return out


def features_from_application(application: Any, *, age: int, bureau: Any = None,
                              behaviour: Behaviour = NEW_BORROWER) -> Features:
    """Features of one application.

    `application` has monthly_income and monthly_debt_payments (Decimal CNY), employment_type,
    employment_months, housing, purpose and optionally guarantor (``ApplyForCredit`` fits).
    """
    income = Decimal(_get(application, "monthly_income") or 0)
    debts = Decimal(_get(application, "monthly_debt_payments") or 0)
    # Ratios up to 5 cover every real case; the cap only keeps a typo from dominating the sum.
    dti = float(min(debts / income, Decimal(5))) if income > 0 else 5.0
    features: Features = {
        "age": float(age),
        "employment_type": _category(_get(application, "employment_type"), EMPLOYMENT),
        "employment_months": float(max(0, int(_get(application, "employment_months") or 0))),
        "housing": _category(_get(application, "housing"), HOUSING),
        "purpose": purpose_category(str(_get(application, "purpose") or "")),
        "monthly_income": float(max(income, Decimal(0))),
        "debt_to_income": round(max(dti, 0.0), 4),
        "guarantor": _category(_get(application, "guarantor", "NONE"), GUARANTORS),
    }
    features.update(bureau_features(bureau))
    features.update(behaviour_features(behaviour))
    return features


def features_from_borrower(*, age: int, behaviour: Behaviour = NEW_BORROWER) -> Features:
    """What is known of a borrower whose application was never scored: age and behaviour only."""
    return {"age": float(age), **behaviour_features(behaviour)}
