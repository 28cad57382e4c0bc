"""The Money and Rate scalars.

Money goes out as a decimal string with two places and comes in as a string that resolvers
parse strictly (domain.money.parse_money), so a malformed amount becomes a ValidationError
naming the field rather than a request-level error. A float is never accepted as money.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, NewType

import strawberry
from graphql import StringValueNode, ValueNode

from domain.errors import ValidationFailed
from domain.money import MoneyFormatError, format_money, format_rate, parse_money

Money = NewType("Money", str)
Rate = NewType("Rate", str)


class NotAString:
    """An input that was not a string (a number, say); resolvers reject it with the field named."""

    def __init__(self, raw: Any) -> None:
        self.raw = raw


def fen_str(fen: int) -> str:
    """Integer fen as a money string, without going through Decimal: "1234.56"."""
    sign, fen = ("-", -fen) if fen < 0 else ("", fen)
    return f"{sign}{fen // 100}.{fen % 100:02d}"


def ppm_str(ppm: int) -> str:
    """A rate held in parts per million as a decimal string with six places: "0.000500"."""
    sign, ppm = ("-", -ppm) if ppm < 0 else ("", ppm)
    return f"{sign}{ppm // 1_000_000}.{ppm % 1_000_000:06d}"


def money_str(amount: Decimal) -> str:
    return format_money(amount)


def rate_str(rate: Decimal) -> str:
    return format_rate(rate, 6)


def parse_amount(value: Any, field: str, *, allow_zero: bool = False) -> Decimal:
    """A money input, strictly: a string of digits with at most two places, positive, no exponent."""
    if not isinstance(value, str):
        raise ValidationFailed("money must be a decimal string such as \"1234.56\"", field=field)
    if allow_zero and value.strip() in ("0", "0.0", "0.00"):
        return Decimal("0.00")
    try:
        return parse_money(value)
    except MoneyFormatError as exc:
        raise ValidationFailed(f"{exc}; write money as \"1234.56\"", field=field) from exc


def parse_rate(value: Any, field: str) -> Decimal:
    """A rate input: a plain decimal string such as "0.05", at most ten places, never a float."""
    text = value.strip() if isinstance(value, str) else None
    if not text or len(text) > 24 or not all(c.isdigit() or c in ".-" for c in text) or text.count(".") > 1:
        raise ValidationFailed("a rate must be a decimal string such as \"0.05\"", field=field)
    try:
        rate = Decimal(text)
    except ArithmeticError as exc:
        raise ValidationFailed("a rate must be a decimal string such as \"0.05\"", field=field) from exc
    if rate != rate.quantize(Decimal("1e-10")):
        raise ValidationFailed("a rate has at most ten decimal places", field=field)
    return rate


def _serialize(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, Decimal):
        return format_money(value)
    raise TypeError(f"cannot serialize {value!r} as Money")


def _serialize_rate(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, Decimal):
        return format_rate(value, 6)
    raise TypeError(f"cannot serialize {value!r} as Rate")


def _parse_value(value: Any) -> Any:
    return value if isinstance(value, str) else NotAString(value)


def _parse_literal(node: ValueNode, _variables: Any = None) -> Any:
    return node.value if isinstance(node, StringValueNode) else NotAString(getattr(node, "value", None))


SCALARS = {
    Money: strawberry.scalar(
        name="Money", description="A decimal string with two places, in CNY: \"1234.56\".",
        serialize=_serialize, parse_value=_parse_value, parse_literal=_parse_literal,
    ),
    Rate: strawberry.scalar(
        name="Rate", description="A decimal string: \"0.000350\" is a daily rate of 0.035%.",
        serialize=_serialize_rate, parse_value=_parse_value, parse_literal=_parse_literal,
    ),
}
