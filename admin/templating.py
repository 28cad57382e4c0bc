"""The Jinja2 environments (one per language) and the filters pages use."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, select_autoescape

from admin import i18n
from domain.money import from_fen, round_fen

TEMPLATES = Path(__file__).parent / "templates"
SHANGHAI = ZoneInfo("Asia/Shanghai")


def money(value: Any, *, sign: bool = False) -> str:
    """Yuan with thousands separators and two places: ``12,345.60``. Integers are fen."""
    if value is None or value == "":
        return "—"
    amount = from_fen(value) if isinstance(value, int) else round_fen(Decimal(str(value)))
    text = f"{amount:,.2f}"
    return f"+{text}" if sign and amount > 0 else text


def money_compact(fen: int, language: str = "zh") -> str:
    """A short label for chart axes: 1.2万 or 12k. Decimal all the way, no float."""
    yuan = Decimal(int(fen)) / 100
    units = (("亿", 100_000_000), ("万", 10_000)) if language == "zh" else (("M", 1_000_000), ("k", 1_000))
    for unit, size in units:
        if abs(yuan) >= size:
            return f"{(yuan / size).quantize(Decimal('0.1')).normalize():f}{unit}"
    return f"{yuan.quantize(Decimal(1)):,}"


def rate_ppm(ppm: Any, places: int = 3) -> str:
    """A rate in parts per million as a percentage: 350 -> 0.035%."""
    if ppm is None:
        return "—"
    pct = Decimal(int(ppm)) / Decimal(10_000)
    return f"{pct.quantize(Decimal(1).scaleb(-places))}%"


def pct(ppm: Any, places: int = 1) -> str:
    """A share in parts per million as a percentage: 123456 -> 12.3%."""
    if ppm is None:
        return "—"
    return f"{(Decimal(int(ppm)) / Decimal(10_000)).quantize(Decimal(1).scaleb(-places))}%"


def local_time(value: datetime | str | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A timestamp as people in Shanghai read it (raw SQL on SQLite hands back ISO text)."""
    if value is None or value == "":
        return "—"
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return value
    if value.tzinfo is None:
        return value.strftime(fmt)
    return value.astimezone(SHANGHAI).strftime(fmt)


def day(value: date | str | None) -> str:
    if value is None or value == "":
        return "—"
    return value.isoformat() if isinstance(value, date) else str(value)[:10]


def codes(items: Any) -> str:
    """Reason or hit codes as text, whether stored as strings or as {"code": ...} objects."""
    if not items:
        return ""
    if isinstance(items, (str, dict)):
        items = [items]
    return ", ".join(str(i.get("code", i)) if isinstance(i, dict) else str(i) for i in items)


def with_query(params: dict[str, Any], **changes: Any) -> str:
    """The query string of the current page with some parameters changed (None removes one)."""
    merged = {k: v for k, v in params.items() if v not in (None, "")}
    for key, value in changes.items():
        if value in (None, ""):
            merged.pop(key, None)
        else:
            merged[key] = value
    return "?" + urlencode(merged) if merged else "?"


@lru_cache(maxsize=len(i18n.LANGUAGES))
def environment(language: str) -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"]),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_translations(i18n.translations(language), newstyle=True)
    env.filters.update(money=money, rate=rate_ppm, pct=pct, codes=codes, local_time=local_time, day=day)
    env.filters["compact"] = lambda fen: money_compact(fen, language)
    env.globals.update(with_query=with_query, language=language, html_lang=i18n.HTML_LANG[language])
    return env
