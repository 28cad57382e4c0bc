"""Helpers shared by the benchmarks: scratch databases, bulk raw-SQL row writers, timing, tables."""

from __future__ import annotations

import json
import os
import queue
import sqlite3
import tempfile
import threading
import time
import uuid
from collections.abc import AsyncIterator, Iterable, Iterator, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from tortoise import fields
from tortoise.models import Model

# Safe in WAL mode: a power cut may lose the last commits, never the database's integrity.
SQLITE_PRAGMAS = {"journal_mode": "WAL", "synchronous": "NORMAL"}


def is_postgres(url: str) -> bool:
    return url.startswith(("postgres://", "postgresql://"))


def sqlite_url(path: str, pragmas: dict[str, str] | None = None) -> str:
    query = "&".join(f"{k}={v}" for k, v in (pragmas or SQLITE_PRAGMAS).items())
    return f"sqlite://{path}?{query}" if query else f"sqlite://{path}"


def sqlite_path(url: str) -> str:
    return url[len("sqlite://"):].split("?", 1)[0]


@asynccontextmanager
async def temp_sqlite() -> AsyncIterator[str]:
    """A SQLite URL on a file in a temporary folder that is removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="suixing-bench-") as folder:
        yield sqlite_url(os.path.join(folder, "bench.sqlite3"))


def _asyncpg_dsn(url: str) -> str:
    return "postgresql://" + url.split("://", 1)[1]


@asynccontextmanager
async def scratch_postgres(server_url: str) -> AsyncIterator[str]:
    """A new database on the server of `server_url`, dropped afterwards; the database named in
    the URL is only used to connect."""
    import asyncpg

    name = f"suixing_bench_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(_asyncpg_dsn(server_url))
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    parts = urlsplit(server_url)
    try:
        yield urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, ""))
    finally:
        admin = await asyncpg.connect(_asyncpg_dsn(server_url))
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()


class Clock:
    """Wall-clock timings of named steps, in order."""

    def __init__(self) -> None:
        self.steps: list[tuple[str, float]] = []

    def step(self, name: str) -> _Step:
        return _Step(self, name)

    def seconds(self, name: str) -> float:
        return next(s for n, s in self.steps if n == name)


class _Step:
    def __init__(self, clock: Clock, name: str) -> None:
        self.clock, self.name = clock, name

    def __enter__(self) -> _Step:
        self.start = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self.clock.steps.append((self.name, time.perf_counter() - self.start))


def print_table(rows: Sequence[tuple[str, str]], title: str = "") -> None:
    if title:
        print(title)
    width = max(len(k) for k, _ in rows)
    for key, value in rows:
        print(f"  {key:<{width}}  {value}")


class RawTable:
    """Bulk INSERTs into a model's table in raw SQL, one executemany per batch.

    The caller gives values for `columns`; every other column gets its field's default (or NULL, or
    now for timestamps), so a column added to the model later does not break the benchmark."""

    def __init__(self, model: type[Model], columns: Sequence[str], *, postgres: bool) -> None:
        meta = model._meta
        self.table = meta.db_table
        self.postgres = postgres
        given = list(columns)
        known = set(given)
        rest: list[str] = []
        tail: list[Any] = []
        for name, column in meta.fields_db_projection.items():
            if column in known:
                continue
            rest.append(column)
            tail.append(self._default(meta.fields_map[name], column))
        self.columns = given + rest
        self.tail = tuple(tail)
        if postgres:
            marks = ", ".join(f"${i}" for i in range(1, len(self.columns) + 1))
        else:
            marks = ", ".join("?" for _ in self.columns)
        self.insert = f"INSERT INTO {self.table} ({', '.join(self.columns)}) VALUES ({marks})"

    def _default(self, field: fields.Field, column: str) -> Any:
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            return self.value(datetime(2026, 1, 1, tzinfo=UTC))
        default = field.default
        if callable(default):
            default = default()
        if default is None:
            if not field.null and not field.pk:
                raise ValueError(f"{self.table}.{column} needs a value: it has no default and is NOT NULL")
            return None
        if isinstance(field, fields.JSONField):
            return json.dumps(default)
        if hasattr(default, "value") and not isinstance(default, date | int | str):
            default = default.value  # an enum member
        return self.value(default)

    def value(self, v: Any) -> Any:
        """A Python value as the driver wants it: asyncpg takes dates and datetimes, SQLite text."""
        if self.postgres or v is None:
            return v
        if isinstance(v, datetime):
            return v.isoformat(sep=" ")
        if isinstance(v, date):
            return iso(v)
        return v

    def rows(self, values: Iterable[tuple]) -> list[tuple]:
        tail = self.tail
        return [v + tail for v in values]


@lru_cache(maxsize=4096)
def iso(d: date) -> str:
    return d.isoformat()


def prefetched(items: Iterable[Any], depth: int = 2) -> Iterator[Any]:
    """Iterate `items` in a thread of its own, `depth` ahead: rows are generated while the
    driver, which lets go of the interpreter lock while SQLite works, writes the previous batch."""
    box: queue.Queue = queue.Queue(maxsize=depth)
    done = object()
    failure: list[BaseException] = []

    def produce() -> None:
        try:
            for item in items:
                box.put(item)
        except BaseException as exc:  # handed to the consumer below
            failure.append(exc)
        finally:
            box.put(done)

    threading.Thread(target=produce, daemon=True).start()
    while (item := box.get()) is not done:
        yield item
    if failure:
        raise failure[0]


def sqlite_bulk(path: str, batches: Iterable[list[tuple[RawTable, list[tuple]]]], tables: Sequence[str]) -> None:
    """Write batches of rows with the stdlib driver, one transaction per batch. Plain indexes of
    `tables` are dropped first and built again at the end: sorting once beats inserting at random."""
    db = sqlite3.connect(path, isolation_level=None)
    try:
        for key, value in SQLITE_PRAGMAS.items():
            db.execute(f"PRAGMA {key}={value}")
        # Memory for the load and the index sorts only; the timed work opens its own connection.
        db.execute("PRAGMA cache_size=-1000000")
        marks = ", ".join("?" for _ in tables)
        indexes = db.execute(
            f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN ({marks})",
            list(tables)).fetchall()
        for name, _ in indexes:
            db.execute(f'DROP INDEX "{name}"')
        for batch in prefetched(batches):
            db.execute("BEGIN")
            for table, rows in batch:
                if rows:
                    db.executemany(table.insert, table.rows(rows))
            db.execute("COMMIT")
        for _, create in indexes:
            db.execute(create)
        # Leave nothing in the write-ahead log, so the timed work does not pay for the load.
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        db.close()


async def postgres_bulk(url: str, batches: Iterable[list[tuple[RawTable, list[tuple]]]],
                        tables: Sequence[str]) -> None:
    """As `sqlite_bulk`, on PostgreSQL: indexes that back no constraint are built after the load."""
    import asyncpg

    db = await asyncpg.connect(_asyncpg_dsn(url))
    try:
        indexes = await db.fetch(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.schemaname = current_schema() "
            "AND i.tablename = ANY($1::text[]) "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)",
            list(tables))
        for row in indexes:
            await db.execute(f'DROP INDEX "{row["indexname"]}"')
        for batch in batches:
            async with db.transaction():
                for table, rows in batch:
                    if rows:
                        await db.executemany(table.insert, table.rows(rows))
        for row in indexes:
            await db.execute(row["indexdef"])
        # What autovacuum would have done to a table loaded long ago: visibility map and statistics.
        await db.execute("VACUUM ANALYZE")
    finally:
        await db.close()
