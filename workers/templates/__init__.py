"""Reminder messages, in Chinese with English as the fallback.

Templates are kept here as Jinja2 source so that they ship inside the package. Each language has
one template per kind of stage (before the due date, on it, after it); a language without the
template asked for falls back to English."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from functools import lru_cache

from jinja2 import DictLoader, Environment, StrictUndefined, Template, TemplateNotFound

from domain.money import format_money
from domain.rules.reminders import Channel, Stage

DEFAULT_LOCALE = "zh"
FALLBACK_LOCALE = "en"

_SOURCES = {
    "zh/before.txt": (
        "{{ sms }}{{ name }}您好，您的第{{ number }}期还款{{ amount }}元将于{{ due }}到期（还有{{ days }}天）。"
        "{{ how }}"
    ),
    "zh/due.txt": "{{ sms }}{{ name }}您好，您的第{{ number }}期还款{{ amount }}元今天（{{ due }}）到期。{{ how }}",
    "zh/overdue.txt": (
        "{{ sms }}{{ name }}您好，您的第{{ number }}期还款已于{{ due }}到期，已逾期{{ days }}天，"
        "应还{{ amount }}元（含罚息）。逾期会产生罚息并影响您的额度，请尽快还款。{{ how }}"
    ),
    "zh/how.txt": "还款方式：打开随行App，进入「我的借款」，选择该笔借款点击「还款」。如已还款请忽略。",
    "en/before.txt": (
        "Dear {{ name }}, instalment {{ number }} of {{ amount }} CNY is due on {{ due }} "
        "(in {{ days }} day{{ 's' if days != 1 }}). {{ how }}"
    ),
    "en/due.txt": "Dear {{ name }}, instalment {{ number }} of {{ amount }} CNY is due today ({{ due }}). {{ how }}",
    "en/overdue.txt": (
        "Dear {{ name }}, instalment {{ number }} was due on {{ due }} and is {{ days }} day{{ 's' if days != 1 }} "
        "overdue; {{ amount }} CNY is owed, penalty included. Late payment adds penalty interest and affects "
        "your credit limit. {{ how }}"
    ),
    "en/how.txt": "To repay: open the Suixing app, go to My loans, choose the loan and tap Repay. "
                  "If you have already paid, please ignore this message.",
}

_env = Environment(loader=DictLoader(_SOURCES), undefined=StrictUndefined, autoescape=False,
                   keep_trailing_newline=False)


def _kind(days_from_due: int) -> str:
    # Chosen by the day the message goes out, not the stage it was planned for: a message held
    # past a date change still tells the truth.
    if days_from_due < 0:
        return "before"
    return "due" if days_from_due == 0 else "overdue"


def _format_date(day: date, locale: str) -> str:
    return f"{day.year}年{day.month}月{day.day}日" if locale == "zh" else day.isoformat()


@lru_cache(maxsize=64)
def _template(name: str, locale: str) -> tuple[Template, str]:
    try:
        return _env.get_template(f"{locale}/{name}"), locale
    except TemplateNotFound:
        return _env.get_template(f"{FALLBACK_LOCALE}/{name}"), FALLBACK_LOCALE


@lru_cache(maxsize=8)
def _how_to_repay(locale: str) -> str:
    template, _ = _template("how.txt", locale)
    return template.render()


def render_reminder(*, stage: Stage, channel: Channel, name: str, number: int, amount: Decimal, due_date: date,
                    days_from_due: int, locale: str = DEFAULT_LOCALE) -> str:
    """The text of one reminder. `days_from_due` counts from the due date (negative before it)."""
    template, used = _template(f"{_kind(days_from_due)}.txt", locale)
    sms = "【随行】" if used == "zh" and channel == Channel.SMS else ""
    return template.render(
        sms=sms, name=name, number=number, amount=format_money(amount), due=_format_date(due_date, used),
        days=abs(days_from_due), how=_how_to_repay(used),
    )
