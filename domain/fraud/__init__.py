"""Anti-fraud: identity, consistency, velocity, shared-device and blacklist rules, and an
online anomaly score. `screen` runs them all on one application."""

from domain.fraud.blacklist import add_to_blacklist, blacklist_value, normalize_ip, remove_from_blacklist
from domain.fraud.rules import DECLINE, REVIEW, Facts, FraudHit, Thresholds, evaluate, identity_hits, verdict
from domain.fraud.screen import Applicant, Screening, reset_detector, screen

__all__ = [
    "DECLINE",
    "REVIEW",
    "Applicant",
    "Facts",
    "FraudHit",
    "Screening",
    "Thresholds",
    "add_to_blacklist",
    "blacklist_value",
    "evaluate",
    "identity_hits",
    "normalize_ip",
    "remove_from_blacklist",
    "reset_detector",
    "screen",
    "verdict",
]
