"""One settings object holding every figure the business rules use.

Each field can be set from the environment as ``SUIXING_<FIELD NAME IN CAPITALS>``.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from typing import Any, get_type_hints

DEFAULT_ALLOCATION_ORDER = (
    "penalty",
    "overdue_interest",
    "overdue_principal",
    "current_interest",
    "current_principal",
)


@dataclass(frozen=True)
class Settings:
    env: str = "development"
    database_url: str = "sqlite://suixing.sqlite3"
    redis_url: str = ""
    secret_key: str = "dev-only-secret-change-me"

    # Embedded mode: `suixing serve` without Redis runs the workers' schedule in-process.
    background_jobs: bool = True

    # Drawing
    min_draw: Decimal = Decimal("50.00")
    max_line_limit: Decimal = Decimal("200000.00")
    installment_terms: tuple[int, ...] = (3, 6, 9, 12, 18, 24, 36)
    daily_interest_max_months: int = 12
    day_count: str = "THIRTY_360"

    # Overdue
    grace_days: int = 3
    penalty_multiplier: Decimal = Decimal("1.5")
    write_off_dpd: int = 180
    allocation_order: tuple[str, ...] = DEFAULT_ALLOCATION_ORDER

    # Credit lines
    min_daily_rate: Decimal = Decimal("0.0002")
    max_daily_rate: Decimal = Decimal("0.0005")

    # Demo
    demo_borrowers: int = 200
    demo_days: int = 130  # long enough for an insured loan to reach its claim and a pool to close two periods

    # Applications: bureau, anti-fraud, the student segment, limits that move
    bureau_provider: str = "simulated"  # simulated, or http (bureau_url)
    bureau_url: str = ""
    bureau_timeout_ms: int = 500
    fraud_window_minutes: int = 60
    fraud_max_apps_per_device: int = 5
    fraud_max_apps_per_ip: int = 20
    fraud_max_apps_per_phone: int = 5
    fraud_max_identities_per_device: int = 2
    fraud_anomaly_threshold: Decimal = Decimal("0.95")
    fraud_anomaly_min_samples: int = 250
    student_lending_enabled: bool = False
    student_max_limit: Decimal = Decimal("2000.00")
    limit_raise_every: int = 3  # on-time instalments per raise
    limit_raise_ratio: Decimal = Decimal("0.20")
    limit_rate_step: Decimal = Decimal("0.00002")  # a raise lowers the daily rate by this, a cut raises it
    limit_score_drop: int = 30  # points below the score a limit rests on before it is lowered

    # API: borrower tokens, sign-in throttling, request limits, the event feed
    token_ttl_seconds: int = 7 * 24 * 3600
    sign_in_max_failures: int = 5
    sign_in_window_seconds: int = 900
    sign_in_lockout_seconds: int = 900
    sign_in_delay_ms: int = 250  # the first failure's delay; each further one doubles it
    sign_in_delay_max_ms: int = 2000
    agreement_versions: tuple[str, ...] = ()  # when set, the only versions registration accepts
    api_max_depth: int = 10
    api_max_tokens: int = 2000
    api_max_aliases: int = 15
    api_max_body_bytes: int = 64 * 1024
    api_allowed_origins: tuple[str, ...] = ()  # pages allowed to open a WebSocket, besides same-origin
    api_count_sql: bool = False  # report SQL statements per operation in the response (tests, bench)
    relay_interval_ms: int = 200
    relay_gap_grace_ms: int = 2000
    relay_in_api: bool = True  # with Redis, API processes also relay the outbox (one leader at a time)
    redis_prefix: str = "suixing"

    # Background work: workers, reminders, the partitioned close of business
    worker_job_timeout_s: int = 300  # a job running longer is cancelled; a dead worker's job reruns after this + 10 s
    worker_max_jobs: int = 10
    relay_batch_size: int = 1000
    reminder_provider: str = "log"  # log, or webhook (reminder_webhook_url)
    reminder_webhook_url: str = ""
    reminder_webhook_secret: str = ""  # HMAC-SHA256 key for the signature header; empty: the secret key
    reminder_webhook_timeout_ms: int = 5000
    reminder_webhook_max_tries: int = 5
    reminder_webhook_backoff_ms: int = 2000  # before the second try; doubles for each further one
    reminder_quiet_start_hour: int = 22  # Asia/Shanghai; messages wait for the end of the quiet span
    reminder_quiet_end_hour: int = 8
    reminder_batch_size: int = 1000
    close_range_size: int = 5000  # open loans per close-of-business range job
    close_range_pause_ms: int = 0  # tests only: hold each range's transaction open before it commits

    # The credit model and scoring: PD -> score by points to double the odds, score bands -> terms
    score_base: int = 600  # the score at the base odds
    score_base_odds: Decimal = Decimal("5")  # good:bad odds at the base score (PD 1/6)
    score_pdo: int = 40  # points to double the odds
    score_min: int = 350
    score_max: int = 950
    score_band_floors: tuple[int, ...] = (700, 650, 600, 550)  # lowest score of bands A, B, C, D; under: declined
    score_band_rates_ppm: tuple[int, ...] = (200, 300, 400, 500)  # daily rate per band, parts per million
    score_band_limit_percent: tuple[int, ...] = (30, 20, 15, 10)  # initial limit per band, % of annual income
    score_approve_floor: int = 600  # approved at or above; from the lowest band floor up to here: review
    initial_limit_min: Decimal = Decimal("500.00")
    initial_limit_max: Decimal = Decimal("30000.00")
    limit_income_divisor: int = 3  # no limit above annual income / this
    model_snapshot_every: int = 50  # learned outcomes per stored model version
    model_auto_promote: bool = True  # a stored snapshot becomes the champion at once
    model_refresh_seconds: int = 5  # how often a process checks which version is the champion
    model_metrics_window: int = 500  # learned outcomes behind a snapshot's rolling metrics
    # Auto-promotion is held back once this many outcomes show a rolling AUC under the floor.
    model_promote_min_outcomes: int = 100
    model_promote_min_auc: Decimal = Decimal("0.60")
    model_bad_dpd: int = 30  # a loan this many days past due is a bad outcome
    model_good_on_time: int = 3  # instalments paid on time that make a good outcome (or paid off)

    # Insurance and pools
    insurance_claim_dpd: int = 90  # close of business claims an insured loan this many days past due
    pool_revolving_months: int = 12  # default length of a new pool's revolving period

    @property
    def production(self) -> bool:
        return self.env == "production"

    @property
    def embedded(self) -> bool:
        return not self.redis_url


def _convert(raw: str, kind: Any) -> Any:
    if kind is Decimal:
        return Decimal(raw)
    if kind is int:
        return int(raw)
    if kind is bool:
        return raw.lower() in {"1", "true", "yes", "on"}
    if kind == tuple[int, ...]:
        return tuple(int(x) for x in raw.split(",") if x.strip())
    if kind == tuple[str, ...]:
        return tuple(x.strip() for x in raw.split(",") if x.strip())
    return raw


def load_settings(environ: dict[str, str] | None = None, **overrides: Any) -> Settings:
    environ = dict(os.environ if environ is None else environ)
    hints = get_type_hints(Settings)
    values: dict[str, Any] = {}
    for f in dataclasses.fields(Settings):
        key = f"SUIXING_{f.name.upper()}"
        if key in environ and environ[key] != "":
            values[f.name] = _convert(environ[key], hints[f.name])
    values.update(overrides)
    return Settings(**values)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()


__all__ = ["Settings", "get_settings", "load_settings", "DEFAULT_ALLOCATION_ORDER", "field"]
