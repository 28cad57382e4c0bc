"""Exact model metrics over a set of (probability, outcome) pairs."""

from __future__ import annotations

import math
from collections.abc import Sequence


def roc_auc(labels: Sequence[bool], scores: Sequence[float]) -> float | None:
    """Area under the ROC curve: the chance that a random bad outcome scores above a random good one.

    Computed from ranks (ties share their average rank). None when one class is missing.
    """
    if len(labels) != len(scores):
        raise ValueError("labels and scores differ in length")
    order = sorted(range(len(scores)), key=scores.__getitem__)
    ranks = [0.0] * len(scores)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and scores[order[j + 1]] == scores[order[i]]:
            j += 1
        for k in range(i, j + 1):
            ranks[order[k]] = (i + j) / 2 + 1
        i = j + 1
    n_bad = sum(1 for y in labels if y)
    n_good = len(labels) - n_bad
    if n_bad == 0 or n_good == 0:
        return None
    rank_sum = sum(r for r, y in zip(ranks, labels, strict=True) if y)
    return (rank_sum - n_bad * (n_bad + 1) / 2) / (n_bad * n_good)


def log_loss(labels: Sequence[bool], probabilities: Sequence[float]) -> float | None:
    if not labels:
        return None
    eps = 1e-15
    total = 0.0
    for y, p in zip(labels, probabilities, strict=True):
        p = min(max(p, eps), 1 - eps)
        total -= math.log(p if y else 1 - p)
    return total / len(labels)


def summary(labels: Sequence[bool], probabilities: Sequence[float]) -> dict[str, float | int | None]:
    """AUC, log loss, observed default rate and mean PD, rounded for storage."""
    n = len(labels)

    def r(v: float | None) -> float | None:
        return None if v is None else round(v, 4)

    return {
        "n": n,
        "auc": r(roc_auc(labels, probabilities)),
        "log_loss": r(log_loss(labels, probabilities)),
        "default_rate": r(sum(labels) / n if n else None),
        "mean_pd": r(sum(probabilities) / n if n else None),
    }
