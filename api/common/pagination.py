"""Relay-style page information and page-size limits."""

from __future__ import annotations

import strawberry

from domain.errors import ValidationFailed

MAX_PAGE = 100


@strawberry.type
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


def page_info(cursors: list[str], *, has_next: bool, has_previous: bool) -> PageInfo:
    """The page information of a page whose edges carry `cursors`, in order."""
    return PageInfo(has_next_page=has_next, has_previous_page=has_previous,
                    start_cursor=cursors[0] if cursors else None, end_cursor=cursors[-1] if cursors else None)


def page_size(first: int | None, default: int = 20) -> int:
    """`first` capped at MAX_PAGE; a negative page size is an input error."""
    size = default if first is None else first
    if size < 0:
        raise ValidationFailed("first must not be negative", field="first")
    return min(size, MAX_PAGE)
