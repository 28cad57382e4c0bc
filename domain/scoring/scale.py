"""Probability of default -> score, by points to double the odds.

score = offset + factor * ln(odds), odds = (1 - PD) / PD (good to bad), factor = PDO / ln 2 and
offset = base - factor * ln(base odds): the score is `base` at the base odds and rises by `PDO` points
every time the odds double. The result is rounded half up and kept on the published scale.
"""

from __future__ import annotations

import math

from domain.settings import Settings, get_settings

# Keeps ln(odds) finite for a PD of exactly 0 or 1; the clamp to the scale decides such scores anyway.
_EPS = 1e-12


def scale_factor(settings: Settings) -> tuple[float, float]:
    """(factor, offset) of the scaling."""
    factor = settings.score_pdo / math.log(2)
    offset = settings.score_base - factor * math.log(float(settings.score_base_odds))
    return factor, offset


def raw_score(pd: float, settings: Settings | None = None) -> float:
    """The unrounded, unclamped score."""
    settings = settings or get_settings()
    if not 0.0 <= pd <= 1.0 or pd != pd:
        raise ValueError(f"a probability of default lies in [0, 1], not {pd}")
    p = min(max(pd, _EPS), 1.0 - _EPS)
    factor, offset = scale_factor(settings)
    return offset + factor * math.log((1.0 - p) / p)


def score_from_pd(pd: float, settings: Settings | None = None) -> int:
    settings = settings or get_settings()
    score = math.floor(raw_score(pd, settings) + 0.5)
    return int(min(max(score, settings.score_min), settings.score_max))


def pd_from_score(score: float, settings: Settings | None = None) -> float:
    """The PD a score stands for (the inverse of the scaling, before rounding)."""
    settings = settings or get_settings()
    factor, offset = scale_factor(settings)
    odds = math.exp((score - offset) / factor)
    return 1.0 / (1.0 + odds)
