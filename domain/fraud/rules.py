"""The anti-fraud rules: pure functions from what is known about an application to hits.

Each hit has a stable code and a severity. DECLINE hits end the application; REVIEW hits send
it to a person. Thresholds come from settings, facts from `domain.fraud.screen`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from domain.identity import IdentityError, parse_resident_id, validate_borrower_age
from domain.settings import Settings

DECLINE = "DECLINE"
REVIEW = "REVIEW"

# Blacklist kinds, and the hit each one gives.
BLACKLIST_KINDS = ("ID_NUMBER", "PHONE", "DEVICE", "IP")


@dataclass(frozen=True)
class FraudHit:
    code: str
    severity: str
    detail: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "severity": self.severity, "detail": self.detail}


@dataclass(frozen=True)
class Thresholds:
    max_apps_per_device: int
    max_apps_per_ip: int
    max_apps_per_phone: int
    max_identities_per_device: int
    anomaly_threshold: float
    window_minutes: int

    @classmethod
    def from_settings(cls, s: Settings) -> Thresholds:
        return cls(s.fraud_max_apps_per_device, s.fraud_max_apps_per_ip, s.fraud_max_apps_per_phone,
                   s.fraud_max_identities_per_device, float(s.fraud_anomaly_threshold), s.fraud_window_minutes)


@dataclass(frozen=True)
class Facts:
    """What the records say about one application. Counts include the application itself."""

    apps_on_device: int  # in the velocity window
    apps_on_ip: int
    apps_on_phone: int
    identities_on_device: int  # distinct ID numbers that ever applied from the device
    other_names_for_id: int  # other names seen with this ID number
    other_phones_for_id: int  # other phones seen with this ID number
    other_ids_for_phone: int  # other ID numbers seen with this phone
    blacklisted: frozenset[str] = frozenset()
    anomaly_score: float | None = None  # None while the detector is still learning


def identity_hits(id_number: str, today: date) -> list[FraudHit]:
    """The ID number must still check out (checksum, a real birth date) and its holder be 18-60."""
    try:
        rid = parse_resident_id(id_number)
        validate_borrower_age(rid, today)
    except IdentityError as exc:
        return [FraudHit(exc.code, DECLINE, exc.message)]
    return []


def evaluate(facts: Facts, limits: Thresholds) -> list[FraudHit]:
    hits: list[FraudHit] = []
    hits += [FraudHit(f"BLACKLIST_{kind}", DECLINE, f"the {kind.lower().replace('_', ' ')} is blacklisted")
             for kind in BLACKLIST_KINDS if kind in facts.blacklisted]
    if facts.other_names_for_id:
        hits.append(FraudHit("ID_NAME_MISMATCH", REVIEW, "the ID number was used with another name"))
    if facts.other_phones_for_id:
        hits.append(FraudHit("ID_PHONE_MISMATCH", REVIEW, "the ID number was used with another phone"))
    if facts.other_ids_for_phone:
        hits.append(FraudHit("PHONE_SHARED", REVIEW, "the phone was used by another identity"))
    window = f"in {limits.window_minutes} minutes"
    for code, count, most in (
        ("VELOCITY_DEVICE", facts.apps_on_device, limits.max_apps_per_device),
        ("VELOCITY_IP", facts.apps_on_ip, limits.max_apps_per_ip),
        ("VELOCITY_PHONE", facts.apps_on_phone, limits.max_apps_per_phone),
    ):
        if count > most:
            hits.append(FraudHit(code, REVIEW, f"{count} applications {window} (at most {most})"))
    if facts.identities_on_device > limits.max_identities_per_device:
        hits.append(FraudHit("DEVICE_SHARED", REVIEW,
                             f"the device was used by {facts.identities_on_device} identities"))
    if facts.anomaly_score is not None and facts.anomaly_score >= limits.anomaly_threshold:
        hits.append(FraudHit("ANOMALY", REVIEW, f"anomaly score {facts.anomaly_score:.2f}"))
    return hits


def verdict(hits: list[FraudHit]) -> str | None:
    """DECLINE if any hit declines, REVIEW if any hit asks for review, else None."""
    severities = {h.severity for h in hits}
    if DECLINE in severities:
        return DECLINE
    return REVIEW if REVIEW in severities else None
