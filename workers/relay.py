"""The outbox relay: committed events, in id order, to subscribers and to the jobs they call for.

Each pass reads the events after the last one relayed, publishes them through a `Publisher` (the
Redis channel the API processes listen on, or the in-process broadcaster in embedded mode),
enqueues the jobs they call for, and only then marks them relayed (`event.relayed_at`). A failure
anywhere (Redis down) leaves them unmarked and the same batch goes again on the next pass:
delivery is at least once, in order, and nothing is lost while Redis is away.

Ids are handed out when a row is inserted, not when its transaction commits, so on PostgreSQL a
later id can be visible before an earlier one. Only an unbroken run of ids is relayed; a missing
id is waited for (`gap_grace`) before it is taken for a rolled-back transaction. Should it commit
after all, it is picked up late rather than lost."""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
import time
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any, Protocol

from domain.db import conn, dialect, sql
from domain.services.calendar import utcnow
from domain.services.event_feed import FeedEvent
from workers.queues import Enqueue

log = logging.getLogger("suixing.relay")

# Events that change what a borrower's limit should be.
LIMIT_EVENTS = frozenset({"REPAYMENT_RECEIVED", "LOAN_PAID_OFF", "LOAN_CURED", "LOAN_OVERDUE", "LOAN_WRITTEN_OFF",
                          "SCORE_UPDATED", "CREDIT_LINE_UNFROZEN"})
# Events that may mature an outcome the credit model learns from, or change a borrower's behaviour.
LEARNING_EVENTS = frozenset({"REPAYMENT_RECEIVED", "LOAN_PAID_OFF", "LOAN_CURED", "LOAN_OVERDUE",
                             "LOAN_CLASSIFIED", "LOAN_WRITTEN_OFF"})
# How long an id skipped as never committed is still looked for.
LATE_WINDOW_S = 600.0


class Publisher(Protocol):
    async def publish(self, events: Sequence[FeedEvent]) -> None:
        """Hand events to subscribers, in the order given; raise when they could not be."""


class NullPublisher:
    async def publish(self, events: Sequence[FeedEvent]) -> None:
        return None


class Lock(Protocol):
    async def acquire(self) -> bool: ...


class RedisLock:
    """One relay at a time among workers: a key with a time-to-live, renewed by its holder."""

    _RENEW = ("if redis.call('GET', KEYS[1]) == ARGV[1] then "
              "return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0")

    def __init__(self, redis, key: str, ttl_s: float = 5.0) -> None:
        self.redis, self.key, self.ttl_ms = redis, key, int(ttl_s * 1000)
        self.token = secrets.token_hex(8)

    async def acquire(self) -> bool:
        if await self.redis.set(self.key, self.token, nx=True, px=self.ttl_ms):
            return True
        return bool(await self.redis.eval(self._RENEW, 1, self.key, self.token, self.ttl_ms))


def jobs_for(events: Sequence[FeedEvent]) -> list[tuple[str, tuple[Any, ...]]]:
    """The jobs a batch of events calls for, each once per batch (the jobs are set-based)."""
    types = {e.type for e in events}
    jobs: list[tuple[str, tuple[Any, ...]]] = []
    if types & LEARNING_EVENTS:
        borrowers = sorted({e.borrower_id for e in events if e.type in LEARNING_EVENTS and e.borrower_id})
        jobs.append(("learn_outcomes", (borrowers,)))
    if types & LIMIT_EVENTS:
        jobs.append(("refresh_limits", ()))
    return jobs


def _to_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _to_datetime(value: Any) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


def _event(row: dict[str, Any]) -> FeedEvent:
    data = row["data"]
    if isinstance(data, str | bytes):
        data = json.loads(data)
    return FeedEvent(int(row["id"]), row["type"], _to_datetime(row["occurred_at"]), _to_date(row["business_date"]),
                     row["borrower_id"], row["loan_id"], data or {})


class Relay:
    def __init__(self, publisher: Publisher | None = None, enqueue: Enqueue | None = None, *, batch: int = 1000,
                 gap_grace_s: float = 2.0, lock: Lock | None = None) -> None:
        self.publisher = publisher or NullPublisher()
        self.enqueue = enqueue
        self.batch = batch
        self.gap_grace_s = gap_grace_s
        self.lock = lock
        self.cursor: int | None = None
        self.relayed = 0
        self._gaps: dict[int, float] = {}
        self._late: dict[int, float] = {}
        self._busy = asyncio.Lock()

    async def relay_once(self) -> int:
        """Relay everything ready now; returns how many events went out."""
        if self._busy.locked():
            return 0  # a pass of this relay is under way (overlapping runs in one worker)
        async with self._busy:
            if self.lock is not None and not await self.lock.acquire():
                return 0
            return await self._pass()

    async def _pass(self) -> int:
        client = conn()
        if self.cursor is None:
            self.cursor = await self._start(client)
        total = await self._relay_late(client) if self._late else 0
        while True:
            rows = await client.execute_query_dict(
                sql(client, "SELECT id, type, occurred_at, business_date, borrower_id, loan_id, data, relayed_at "
                            "FROM event WHERE id > ? ORDER BY id LIMIT ?"),
                [self.cursor, self.batch],
            )
            ready = self._unbroken(rows, time.monotonic())
            if not ready:
                break
            fresh = [_event(r) for r in ready if r["relayed_at"] is None]
            if fresh:
                lo, hi = self.cursor + 1, int(ready[-1]["id"])
                # A range update is safe only without a skipped id inside: one that commits late must
                # not be marked relayed before it has gone out.
                await self._hand_out(client, fresh, lo=lo, hi=hi, by_range=len(ready) == hi - lo + 1)
                total += len(fresh)
            self.cursor = int(ready[-1]["id"])
            if len(ready) < len(rows) or len(rows) < self.batch:
                break
        return total

    async def run(self, stop: asyncio.Event, interval_s: float = 0.2) -> None:
        """Relay until `stop` is set, through passing database or Redis failures."""
        while not stop.is_set():
            try:
                await self.relay_once()
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - the events wait in the table; try again shortly
                log.warning("relay pass failed; the events wait in the table", exc_info=True)
            try:
                await asyncio.wait_for(stop.wait(), timeout=interval_s)
            except TimeoutError:
                pass

    async def _start(self, client) -> int:
        rows = await client.execute_query_dict("SELECT MIN(id) AS lo FROM event WHERE relayed_at IS NULL")
        if rows and rows[0]["lo"] is not None:
            return int(rows[0]["lo"]) - 1
        rows = await client.execute_query_dict("SELECT MAX(id) AS hi FROM event")
        return int(rows[0]["hi"] or 0) if rows else 0

    def _unbroken(self, rows: list[dict[str, Any]], now: float) -> list[dict[str, Any]]:
        expected = (self.cursor or 0) + 1
        ready: list[dict[str, Any]] = []
        for row in rows:
            rid = int(row["id"])
            if rid != expected:
                seen = self._gaps.setdefault(expected, now)
                if now - seen < self.gap_grace_s:
                    break
                log.info("events %s..%s not committed after %.1fs; going on without them", expected, rid - 1,
                         self.gap_grace_s)
                for missing in range(expected, min(rid, expected + 1000)):
                    self._late[missing] = now
            ready.append(row)
            expected = rid + 1
        if ready:
            last = int(ready[-1]["id"])
            self._gaps = {k: v for k, v in self._gaps.items() if k > last}
        return ready

    async def _hand_out(self, client, events: list[FeedEvent], *, lo: int, hi: int, by_range: bool = True) -> None:
        await self.publisher.publish(events)
        if self.enqueue is not None:
            last = events[-1].id
            for job, args in jobs_for(events):
                await self.enqueue(job, *args, job_id=f"{job}:after-event:{last}")
        marker = "CAST(? AS TIMESTAMPTZ)" if dialect(client) == "postgres" else "?"
        now = utcnow()
        at = now if dialect(client) == "postgres" else now.isoformat(sep=" ", timespec="microseconds")
        if by_range:
            where, args = "id >= ? AND id <= ?", [lo, hi]
        else:
            where, args = f"id IN ({', '.join('?' for _ in events)})", [e.id for e in events]
        await client.execute_query(
            sql(client, f"UPDATE event SET relayed_at = {marker} WHERE {where} AND relayed_at IS NULL"), [at, *args])
        self.relayed += len(events)

    async def _relay_late(self, client) -> int:
        """Events that committed after their ids were given up on: relayed late rather than lost."""
        now = time.monotonic()
        self._late = {k: v for k, v in self._late.items() if now - v < LATE_WINDOW_S}
        ids = sorted(self._late)
        if not ids:
            return 0
        marks = ", ".join("?" for _ in ids)
        rows = await client.execute_query_dict(
            sql(client, "SELECT id, type, occurred_at, business_date, borrower_id, loan_id, data, relayed_at "
                        f"FROM event WHERE id IN ({marks}) AND relayed_at IS NULL ORDER BY id"),
            ids,
        )
        for row in rows:
            await self._hand_out(client, [_event(row)], lo=int(row["id"]), hi=int(row["id"]))
            self._late.pop(int(row["id"]), None)
        return len(rows)
