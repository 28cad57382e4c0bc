"""Opaque ids: global node ids ("Loan:123" in base64) and pagination cursors."""

from __future__ import annotations

import base64
import binascii

from domain.errors import ValidationFailed


def _encode(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def _decode(text: str) -> str | None:
    try:
        # Accept the URL-safe alphabet and missing padding too.
        text = text.replace("-", "+").replace("_", "/")
        return base64.b64decode(text + "=" * (-len(text) % 4), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None


def to_global_id(type_name: str, pk: int) -> str:
    return _encode(f"{type_name}:{pk}")


def from_global_id(gid: str) -> tuple[str, int] | None:
    """(type name, primary key), or None for anything that is not one of our ids."""
    text = _decode(gid or "")
    if text is None or ":" not in text:
        return None
    type_name, _, pk = text.partition(":")
    if not pk.isdigit() or len(pk) > 18:
        return None
    return type_name, int(pk)


def expect_global_id(gid: str, type_name: str, field: str) -> int:
    parsed = from_global_id(gid)
    if parsed is None or parsed[0] != type_name:
        raise ValidationFailed(f"not a {type_name} id", field=field)
    return parsed[1]


def to_cursor(kind: str, position: int) -> str:
    return _encode(f"{kind}:{position}")


def from_cursor(cursor: str | None, kind: str, field: str = "after") -> int:
    """The position a cursor stands for; 0 (the start) when there is none. A bare number is
    taken as the position itself."""
    if cursor is None or cursor == "":
        return 0
    if cursor.isdigit() and len(cursor) <= 18:
        return int(cursor)
    text = _decode(cursor)
    if text is not None:
        prefix, _, position = text.partition(":")
        if prefix == kind and position.isdigit() and len(position) <= 18:
            return int(position)
    raise ValidationFailed("not a cursor from this list", field=field)
