"""Counting SQL statements per operation, from Tortoise's query log (tests and benchmarks).

Tortoise logs every statement at DEBUG on "tortoise.db_client"; a handler adds one to the
counter of the operation running in the current context. Off unless `install()` is called,
since it turns that logger's DEBUG records on.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_current: ContextVar[list[int] | None] = ContextVar("suixing_sql_count", default=None)
_LOGGER = "tortoise.db_client"


class _Counter(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        box = _current.get()
        if box is not None:
            box[0] += 1


_handler = _Counter(level=logging.DEBUG)


def install() -> None:
    logger = logging.getLogger(_LOGGER)
    if _handler not in logger.handlers:
        logger.addHandler(_handler)
        logger.setLevel(logging.DEBUG)
        # Keep the flood of statement records away from the application's own log handlers.
        logger.propagate = False


@contextmanager
def counting() -> Iterator[list[int]]:
    """Count statements run in this context (and the tasks it starts) into box[0]."""
    box = [0]
    token = _current.set(box)
    try:
        yield box
    finally:
        _current.reset(token)
