"""Page sizes and cursors of the pool and insurance lists (newest first, keyed by id)."""

from __future__ import annotations

import strawberry

from api.common.ids import expect_global_id, from_cursor
from api.common.pagination import MAX_PAGE
from domain.errors import ValidationFailed


def first_between(first: int | None, *, default: int = 20, field: str = "first") -> int:
    """A page size from 1 to MAX_PAGE; anything else is refused rather than quietly changed."""
    size = default if first is None else first
    if not 1 <= size <= MAX_PAGE:
        raise ValidationFailed(f"{field} must be between 1 and {MAX_PAGE}", field=field)
    return size


def before_id(after: str | None, kind: str) -> int | None:
    """The id a newest-first page continues below; None for the first page."""
    position = from_cursor(after, kind)
    if after and position <= 0:
        raise ValidationFailed("not a cursor from this list", field="after")
    return position or None


def optional_id(gid: strawberry.ID | None, type_name: str, field: str) -> int | None:
    return None if gid is None else expect_global_id(gid, type_name, field)
