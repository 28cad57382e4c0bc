"""An online anomaly score for applications: River's HalfSpaceTrees over a few features,
each scaled to [0, 1] by a fixed range.

Fixed ranges rather than a learned scaler: the trees split the unit cube once, when they are
built, so the scale must not drift afterwards. The detector learns every application in order;
each process keeps its own and catches up from the applications table before it scores, so
every process has seen every committed application (and a table emptied under it is noticed).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from decimal import Decimal

from river.anomaly import HalfSpaceTrees

FEATURES = ("income", "debt_ratio", "employment", "age")
WINDOW = 250
_INCOME_LOW, _INCOME_HIGH = math.log(500), math.log(200_000)
_MAX_DEBT_RATIO = 1.5
_MAX_EMPLOYMENT_MONTHS = 360
_MIN_AGE, _MAX_AGE = 18, 60


def _clip(x: float) -> float:
    return min(max(x, 0.0), 1.0)


def anomaly_features(monthly_income: Decimal, monthly_debt: Decimal, employment_months: int,
                     age: int) -> dict[str, float]:
    # A feature of the anomaly model, log-scaled and clipped to [0, 1]: never an amount booked.
    income = float(monthly_income)
    debt_ratio = float(monthly_debt) / income if income > 0 else _MAX_DEBT_RATIO
    return {
        "income": _clip((math.log(max(income, 1.0)) - _INCOME_LOW) / (_INCOME_HIGH - _INCOME_LOW)),
        "debt_ratio": _clip(debt_ratio / _MAX_DEBT_RATIO),
        "employment": _clip(employment_months / _MAX_EMPLOYMENT_MONTHS),
        "age": _clip((age - _MIN_AGE) / (_MAX_AGE - _MIN_AGE)),
    }


class AnomalyDetector:
    def __init__(self, *, min_samples: int = WINDOW, seed: int = 7) -> None:
        self.min_samples = max(min_samples, WINDOW)  # the trees score 0 until a window is full
        self.seed = seed
        self.reset()

    def reset(self) -> None:
        self.model = HalfSpaceTrees(n_trees=15, height=8, window_size=WINDOW, seed=self.seed)
        self.learned = 0
        self.last_id = 0

    def learn(self, x: dict[str, float], row_id: int | None = None) -> None:
        self.model.learn_one(x)
        self.learned += 1
        if row_id is not None:
            self.last_id = row_id

    def learn_rows(self, rows: Iterable[tuple[int, dict[str, float]]]) -> None:
        """Learn (id, features) rows in id order, skipping any already learned."""
        for row_id, x in rows:
            if row_id > self.last_id:
                self.learn(x, row_id)

    def score(self, x: dict[str, float]) -> float | None:
        """Higher is stranger, in [0, 1]; None until enough applications have been seen."""
        if self.learned < self.min_samples:
            return None
        return float(self.model.score_one(x))
