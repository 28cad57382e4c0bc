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
    demo_days: int = 90

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
