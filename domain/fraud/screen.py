"""Screening one application: gather the facts the rules need in one query, score it for
anomaly, and run the rules."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from domain.db import conn, dialect, sql
from domain.fraud.anomaly import WINDOW, AnomalyDetector, anomaly_features
from domain.fraud.rules import BLACKLIST_KINDS, Facts, FraudHit, Thresholds, evaluate, identity_hits, verdict
from domain.settings import Settings

_CATCH_UP = 2 * WINDOW  # rows a detector learns at most before scoring; further back it starts afresh

_detector: AnomalyDetector | None = None


@dataclass(frozen=True)
class Applicant:
    """One application as the screen sees it: plaintext ID number for the identity checks,
    blind indexes for everything looked up."""

    id_number: str
    id_hash: str
    phone_hash: str
    name_hash: str
    device_id: str
    ip: str | None
    monthly_income: Decimal
    monthly_debt: Decimal
    employment_months: int
    age: int
    today: date
    now: datetime


@dataclass(frozen=True)
class Screening:
    hits: list[FraudHit] = field(default_factory=list)
    anomaly_score: float | None = None

    @property
    def verdict(self) -> str | None:
        return verdict(self.hits)

    @property
    def codes(self) -> list[str]:
        return [h.code for h in self.hits]


def detector(settings: Settings) -> AnomalyDetector:
    global _detector
    if _detector is None or _detector.min_samples != max(settings.fraud_anomaly_min_samples, WINDOW):
        _detector = AnomalyDetector(min_samples=settings.fraud_anomaly_min_samples)
    return _detector


def reset_detector() -> None:
    global _detector
    _detector = None


_FACTS = """
SELECT
 (SELECT COUNT(*) FROM credit_application WHERE device_id = ? AND created_at >= ?) AS apps_on_device,
 (SELECT COUNT(*) FROM credit_application WHERE ip = ? AND created_at >= ?) AS apps_on_ip,
 (SELECT COUNT(*) FROM credit_application WHERE phone_hash = ? AND created_at >= ?) AS apps_on_phone,
 (SELECT COUNT(DISTINCT id_number_hash) FROM credit_application
   WHERE device_id = ? AND id_number_hash <> ?) AS other_ids_on_device,
 (SELECT COUNT(DISTINCT name_hash) FROM credit_application
   WHERE id_number_hash = ? AND name_hash <> ?) AS other_names_for_id,
 (SELECT COUNT(DISTINCT phone_hash) FROM credit_application
   WHERE id_number_hash = ? AND phone_hash <> ?) AS other_phones_for_id,
 (SELECT COUNT(DISTINCT id_number_hash) FROM credit_application
   WHERE phone_hash = ? AND id_number_hash <> ?) AS other_ids_for_phone,
 (SELECT COUNT(*) FROM blacklist_entry WHERE kind = 'ID_NUMBER' AND value = ?) AS bl_id_number,
 (SELECT COUNT(*) FROM blacklist_entry WHERE kind = 'PHONE' AND value = ?) AS bl_phone,
 (SELECT COUNT(*) FROM blacklist_entry WHERE kind = 'DEVICE' AND value = ?) AS bl_device,
 (SELECT COUNT(*) FROM blacklist_entry WHERE kind = 'IP' AND value = ?) AS bl_ip,
 (SELECT MAX(id) FROM credit_application) AS last_id
"""


async def screen(a: Applicant, settings: Settings, using_db=None) -> Screening:
    """Run every rule on an application not yet recorded (counts add one for it)."""
    client = using_db or conn()
    since = a.now - timedelta(minutes=settings.fraud_window_minutes)
    # SQLite holds timestamps as text in str(datetime) form, which sorts like time.
    since_param: Any = since if dialect(client) == "postgres" else str(since)
    args = [a.device_id, since_param, a.ip, since_param, a.phone_hash, since_param,
            a.device_id, a.id_hash, a.id_hash, a.name_hash, a.id_hash, a.phone_hash, a.phone_hash, a.id_hash,
            a.id_hash, a.phone_hash, a.device_id, a.ip or ""]
    row = (await client.execute_query_dict(sql(client, _FACTS), args))[0]
    score = await _anomaly_score(a, settings, client, int(row["last_id"] or 0))
    facts = Facts(
        apps_on_device=int(row["apps_on_device"]) + 1,
        apps_on_ip=int(row["apps_on_ip"]) + 1 if a.ip else 0,
        apps_on_phone=int(row["apps_on_phone"]) + 1,
        identities_on_device=int(row["other_ids_on_device"]) + 1,
        other_names_for_id=int(row["other_names_for_id"]),
        other_phones_for_id=int(row["other_phones_for_id"]),
        other_ids_for_phone=int(row["other_ids_for_phone"]),
        blacklisted=frozenset(k for k in BLACKLIST_KINDS if int(row[f"bl_{k.lower()}"])),
        anomaly_score=score,
    )
    hits = identity_hits(a.id_number, a.today) + evaluate(facts, Thresholds.from_settings(settings))
    return Screening(hits, score)


async def _anomaly_score(a: Applicant, settings: Settings, client, last_id: int) -> float | None:
    d = detector(settings)
    if last_id < d.last_id or last_id - d.last_id > _CATCH_UP:
        d.reset()  # the table was emptied, or this process is far behind: learn the recent past
    if last_id > d.last_id:
        rows = await client.execute_query_dict(sql(client, (
            "SELECT id, monthly_income_fen, monthly_debt_payments_fen, employment_months, age "
            "FROM credit_application WHERE id > ? ORDER BY id DESC LIMIT ?")), [d.last_id, _CATCH_UP])
        d.learn_rows((int(r["id"]), anomaly_features(Decimal(r["monthly_income_fen"]) / 100,
                                                     Decimal(r["monthly_debt_payments_fen"]) / 100,
                                                     int(r["employment_months"]), int(r["age"])))
                     for r in reversed(rows))
    return d.score(anomaly_features(a.monthly_income, a.monthly_debt, a.employment_months, a.age))
