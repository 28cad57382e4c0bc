"""Helpers for DataLoaders: one `IN (...)` query per batch, results in key order."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable, Iterable, Sequence
from typing import Any, TypeVar

from strawberry.dataloader import DataLoader

K = TypeVar("K", bound=Hashable)
T = TypeVar("T")

# Bind parameters per statement stay well inside what SQLite and PostgreSQL accept.
MAX_BATCH = 500


def one_per_key(keys: Sequence[K], rows: Iterable[Any], attr: str) -> list[Any]:
    by_key = {getattr(r, attr): r for r in rows}
    return [by_key.get(k) for k in keys]


def many_per_key(keys: Sequence[K], rows: Iterable[Any], attr: str) -> list[list[Any]]:
    groups: dict[Any, list[Any]] = {k: [] for k in keys}
    for r in rows:
        groups[getattr(r, attr)].append(r)
    return [groups[k] for k in keys]


class BatchLoader(DataLoader[K, T]):
    """A DataLoader whose batch function is the `load_batch` method (or a given function)."""

    def __init__(self, load_batch: Callable[[list[K]], Awaitable[Sequence[T]]] | None = None) -> None:
        super().__init__(load_fn=load_batch or self.load_batch, max_batch_size=MAX_BATCH)

    async def load_batch(self, keys: list[K]) -> Sequence[T]:  # pragma: no cover - overridden
        raise NotImplementedError
