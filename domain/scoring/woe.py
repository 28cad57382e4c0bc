"""Weight of evidence, learned one outcome at a time.

Each feature value falls in a band (a categorical value is its own band; a number falls between fixed
edges). For every band the transformer counts good and bad outcomes and turns the counts into a weight
of evidence: the log-odds of default in that band minus the log-odds over everyone. The counts are
smoothed towards the overall default rate with `prior` pseudo-outcomes, so a band seen a handful of
times carries little evidence, and a band never seen carries none.

This is how a classic scorecard encodes its inputs, except that the counts grow with every matured
outcome instead of being fitted once.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Mapping
from typing import Any

from river import base

# Lower bounds of each band after the first: ``(25, 30)`` means under 25, 25-29, 30 and over.
# They are business bands, fixed so that a band means the same thing in every model version.
BAND_EDGES: dict[str, tuple[float, ...]] = {
    "age": (25, 30, 35, 45, 55),
    "employment_months": (12, 24, 48, 84),
    "monthly_income": (2500, 3500, 5000, 7000, 10000, 15000, 25000),
    "debt_to_income": (0.2, 0.3, 0.4, 0.6),
    "open_credits": (1, 2, 3),
    "debt_amount": (15000, 25000, 40000, 60000, 100000),
    "debt_term_months": (9, 12, 18, 24, 36),
    "on_time_instalments": (1, 3, 6, 12),
    "late_instalments": (1, 2, 4),
    "worst_dpd": (1, 4, 15, 30, 60),
    "utilisation": (0.3, 0.6, 0.9),
    "tenure_months": (3, 6, 12, 24),
    "recent_draws": (1, 2, 4),
}


_SKIP = object()
_NUMBERS = (float, int)


class OnlineWoE(base.Transformer):
    # A Transformer (not a SupervisedTransformer) because River's Pipeline only treats the former as a
    # step to transform through; `_supervised` makes it learn from the label, after transforming.

    @property
    def _supervised(self) -> bool:
        return True

    def __init__(self, categorical: tuple[str, ...], edges: Mapping[str, tuple[float, ...]] | None = None,
                 prior: float = 10.0) -> None:
        self.categorical = tuple(categorical)
        self.edges = dict(BAND_EDGES if edges is None else edges)
        self.prior = prior
        # name -> its band edges, or None for a categorical input: one lookup per input on the hot path.
        self._spec: dict[str, tuple[float, ...] | None] = {**{c: None for c in self.categorical}, **self.edges}
        self._bad: dict[tuple[str, Any], float] = {}
        self._good: dict[tuple[str, Any], float] = {}
        self._n_bad = 0.0
        self._n_good = 0.0

    def _bands(self, x: Mapping[str, Any]) -> list[tuple[str, tuple[str, Any]]]:
        spec, out = self._spec, []
        for name, value in x.items():
            edges = spec.get(name, _SKIP)
            if edges is None:
                out.append((name, (name, value)))
            elif edges is not _SKIP and (value.__class__ in _NUMBERS or isinstance(value, _NUMBERS)):
                out.append((name, (name, bisect_right(edges, value))))
        return out

    def learn_one(self, x: Mapping[str, Any], y: bool) -> None:
        counts = self._bad if y else self._good
        for _, key in self._bands(x):
            counts[key] = counts.get(key, 0.0) + 1.0
        if y:
            self._n_bad += 1.0
        else:
            self._n_good += 1.0

    def default_rate(self) -> float:
        # Laplace's rule: 0.5 before any outcome, never exactly 0 or 1.
        return (self._n_bad + 1.0) / (self._n_bad + self._n_good + 2.0)

    def transform_one(self, x: Mapping[str, Any]) -> dict[str, float]:
        rate = self.default_rate()
        prior_bad, prior_good = self.prior * rate, self.prior * (1.0 - rate)
        # WoE = ln((bad + prior_bad) / (good + prior_good)) - ln(rate / (1 - rate)); the second term is
        # folded into the first, as a factor on the ratio, to take one logarithm per input.
        scale = (1.0 - rate) / rate
        bad, good, log = self._bad, self._good, math.log
        return {name: log(scale * (bad.get(key, 0.0) + prior_bad) / (good.get(key, 0.0) + prior_good))
                for name, key in self._bands(x)}

    def band_counts(self) -> dict[tuple[str, Any], tuple[float, float]]:
        """(bad, good) counts per band, for reports."""
        keys = set(self._bad) | set(self._good)
        return {k: (self._bad.get(k, 0.0), self._good.get(k, 0.0)) for k in keys}
