"""Exact money and rates.

Money is a ``Decimal`` with two places in Python and an integer number of fen in the
database. Rates are ``Decimal``; a daily rate is stored as parts per million (0.035% a day
is 350) so that SQL can compute with it exactly.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

FEN = Decimal("0.01")
ZERO = Decimal("0.00")
PPM = Decimal(1_000_000)

_MONEY_TEXT = re.compile(r"^(0|[1-9]\d{0,11})(\.\d{1,2})?$")


class MoneyFormatError(ValueError):
    """Raised when a text is not a well-formed positive money amount."""


def round_fen(value: Decimal) -> Decimal:
    """Round half-up to the fen: the only rounding money ever gets."""
    return value.quantize(FEN, rounding=ROUND_HALF_UP)


def to_fen(amount: Decimal) -> int:
    """Decimal yuan to integer fen; the amount must already be whole fen."""
    q = amount.quantize(FEN)
    if q != amount:
        raise ValueError(f"{amount} is not a whole number of fen")
    return int(q * 100)


def from_fen(fen: int) -> Decimal:
    return (Decimal(int(fen)) / 100).quantize(FEN)


def parse_money(text: str) -> Decimal:
    """Parse a money string strictly: digits, at most two places, positive, no exponent."""
    if not isinstance(text, str) or not _MONEY_TEXT.match(text):
        raise MoneyFormatError(f"not a money amount: {text!r}")
    try:
        value = Decimal(text)
    except InvalidOperation as exc:  # pragma: no cover - the pattern already excludes it
        raise MoneyFormatError(f"not a money amount: {text!r}") from exc
    if value <= 0:
        raise MoneyFormatError("amount must be positive")
    return value.quantize(FEN)


def format_money(amount: Decimal) -> str:
    return f"{round_fen(amount):.2f}"


def rate_to_ppm(rate: Decimal) -> int:
    ppm = rate * PPM
    if ppm != ppm.to_integral_value():
        raise ValueError(f"rate {rate} is finer than one part per million")
    return int(ppm)


def ppm_to_rate(ppm: int) -> Decimal:
    return Decimal(int(ppm)) / PPM


def format_rate(rate: Decimal, places: int = 6) -> str:
    return f"{rate.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP):f}"
