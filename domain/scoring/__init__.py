"""Credit scoring: features, the online credit model, PD -> score scaling and the score policy.

Pure code only (no database, no clock); the services in domain.services.scoring and
domain.services.model_registry store and serve it.
"""

from domain.scoring.features import (
    NEW_BORROWER,
    Behaviour,
    BehaviourStats,
    Features,
    age_on,
    behaviour_features,
    behaviour_from_stats,
    bureau_features,
    features_from_application,
    features_from_borrower,
    purpose_category,
    with_behaviour,
)
from domain.scoring.metrics import roc_auc
from domain.scoring.policy import (
    APPROVED,
    DECLINED,
    REVIEW,
    CreditPolicy,
    band_index,
    band_name,
    initial_limit,
    limit_cap,
    policy_for_score,
    rate_for_score,
)
from domain.scoring.scale import pd_from_score, raw_score, score_from_pd

# The model and its training data load river and its scientific stack (seconds): only on first use,
# so that the score policy and features can be imported without them.
_LAZY = {"CreditModel": "domain.scoring.model", "PIPELINES": "domain.scoring.model",
         "PRODUCTION": "domain.scoring.model", "german_credit": "domain.scoring.german"}


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

__all__ = [
    "APPROVED",
    "DECLINED",
    "NEW_BORROWER",
    "PIPELINES",
    "PRODUCTION",
    "REVIEW",
    "Behaviour",
    "BehaviourStats",
    "CreditModel",
    "CreditPolicy",
    "Features",
    "age_on",
    "band_index",
    "band_name",
    "behaviour_features",
    "behaviour_from_stats",
    "bureau_features",
    "features_from_application",
    "features_from_borrower",
    "german_credit",
    "initial_limit",
    "limit_cap",
    "pd_from_score",
    "policy_for_score",
    "purpose_category",
    "rate_for_score",
    "raw_score",
    "roc_auc",
    "score_from_pd",
    "with_behaviour",
]
