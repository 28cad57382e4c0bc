"""The credit model: a River pipeline that predicts the probability of default, one example at a time.

Pipelines tried (``python -m bench.model`` prints them side by side; one run, seed 0; CPU microseconds per
predict + learn; batch scikit-learn LogisticRegression on the same folds: 0.774):

| pipeline         | 10-fold CV AUC | progressive AUC | sim AUC gap | sim log loss | us/event |
|------------------|----------------|-----------------|-------------|--------------|----------|
| scaled-logistic  | 0.775          | 0.751           | 0.009       | 0.3722       | 158      |
| woe-scorecard    | 0.782          | 0.756           | 0.007       | 0.3734       | 63       |
| woe-logistic     | 0.782          | 0.756           | 0.006       | 0.3719       | 54       |
| ensemble         | 0.783          | 0.761           | 0.005       | 0.3710       | 196      |

``woe-logistic`` is the production pipeline. Encoding every input as a weight of evidence learned online
gives the linear model one well-scaled number per input that already points the right way, so a single
pass goes much further than with one-hot columns and standardised numbers (scaled-logistic, the
baseline), which start from nothing and need many passes to settle. Starting every weight at 0.6 makes
the untrained model a damped scorecard, and gradient steps then learn how much each input is worth.
The plain scorecard (woe-scorecard, every evidence at full weight) ranks as well on German credit and
nearly as well on the simulation, whose inputs are drawn independently (its best case); but it cannot
weigh its inputs, so on a real portfolio, where late instalments, worst DPD and utilisation move
together, it would count the same evidence several times. The ensemble of the baseline and
woe-logistic is marginally better on most measures but costs nearly four times as much per event, over
the 100 us budget. Nothing here is random: every run learns the same model from the same data.
"""

from __future__ import annotations

import base64
import math
import pickle
from collections.abc import Callable, Mapping
from typing import Any

from river import base, compose, linear_model, optim, preprocessing

from domain.scoring.features import CATEGORICAL, NUMERIC
from domain.scoring.woe import OnlineWoE

PRODUCTION = "woe-logistic"
_MONEY_LIKE = ("monthly_income", "debt_amount")


def _log_money(x: dict[str, Any]) -> dict[str, Any]:
    # Incomes and debts are spread over orders of magnitude; their logarithm is closer to linear in risk.
    return {k: math.log1p(max(v, 0.0)) if k in _MONEY_LIKE else v for k, v in x.items()}


def woe_logistic() -> compose.Pipeline:
    return compose.Pipeline(
        OnlineWoE(CATEGORICAL, prior=10.0),
        linear_model.LogisticRegression(
            optimizer=optim.SGD(0.03), intercept_lr=0.05, initializer=optim.initializers.Constant(0.6)
        ),
    )


def woe_scorecard() -> compose.Pipeline:
    # The naive scorecard: every evidence counts in full and only the intercept learns.
    return compose.Pipeline(
        OnlineWoE(CATEGORICAL, prior=10.0),
        linear_model.LogisticRegression(
            optimizer=optim.SGD(0.0), intercept_lr=0.05, initializer=optim.initializers.Constant(1.0)
        ),
    )


def scaled_logistic() -> compose.Pipeline:
    numbers = compose.Select(*NUMERIC) | compose.FuncTransformer(_log_money) | preprocessing.StandardScaler()
    categories = compose.Select(*CATEGORICAL) | preprocessing.OneHotEncoder()
    return compose.Pipeline(
        compose.TransformerUnion(numbers, categories),
        linear_model.LogisticRegression(optimizer=optim.AdaGrad(0.1), intercept_lr=0.05),
    )


class Averaged(base.Classifier):
    """Mean of the members' probabilities."""

    def __init__(self, models: list[base.Classifier]) -> None:
        self.models = models

    def learn_one(self, x: dict, y: bool) -> None:
        for model in self.models:
            model.learn_one(x, y)

    def predict_proba_one(self, x: dict) -> dict[bool, float]:
        p = sum(m.predict_proba_one(x).get(True, 0.0) for m in self.models) / len(self.models)
        return {False: 1.0 - p, True: p}

    def predict_one(self, x: dict) -> bool:
        return self.predict_proba_one(x)[True] >= 0.5


def ensemble() -> Averaged:
    return Averaged([scaled_logistic(), woe_logistic()])


PIPELINES: dict[str, Callable[[], base.Classifier]] = {
    "scaled-logistic": scaled_logistic,
    "woe-scorecard": woe_scorecard,
    "woe-logistic": woe_logistic,
    "ensemble": ensemble,
}


class CreditModel:
    """Probability of default from a feature dict (see domain.scoring.features)."""

    def __init__(self, pipeline: base.Classifier, name: str = PRODUCTION, n_learned: int = 0) -> None:
        self.pipeline = pipeline
        self.name = name
        self.n_learned = n_learned

    @classmethod
    def fresh(cls, name: str = PRODUCTION) -> CreditModel:
        """An untrained model of the production pipeline (or of another candidate, by name)."""
        return cls(PIPELINES[name](), name)

    def learn_one(self, features: Mapping[str, Any], defaulted: bool) -> None:
        # River's steps read `features` and never change it, so a dict needs no copy.
        self.pipeline.learn_one(features if isinstance(features, dict) else dict(features), bool(defaulted))
        self.n_learned += 1

    def predict_pd(self, features: Mapping[str, Any]) -> float:
        x = features if isinstance(features, dict) else dict(features)
        return float(self.pipeline.predict_proba_one(x).get(True, 0.0))

    def risk_drivers(self, features: Mapping[str, Any], n: int = 3) -> list[str]:
        """The inputs that raise this applicant's PD the most, largest first (woe pipelines only)."""
        if not isinstance(self.pipeline, compose.Pipeline):
            return []
        steps = list(self.pipeline.steps.values())
        woe, final = steps[0], steps[-1]
        if not isinstance(woe, OnlineWoE):
            return []
        pushes = {k: final.weights.get(k, 0.0) * v for k, v in woe.transform_one(features).items()}
        return [k for k, v in sorted(pushes.items(), key=lambda kv: -kv[1]) if v > 0][:n]

    def dumps(self) -> str:
        """The model as text (base64 of a pickle), for the model registry."""
        return base64.b64encode(pickle.dumps(self, protocol=pickle.HIGHEST_PROTOCOL)).decode("ascii")

    @staticmethod
    def loads(text: str) -> CreditModel:
        # Only ever called on rows of our own model registry: a pickle from elsewhere is never loaded.
        model = pickle.loads(base64.b64decode(text.encode("ascii")))
        if not isinstance(model, CreditModel):
            raise TypeError("the stored object is not a CreditModel")
        return model
