"""The decision chain: every credit decision, limit change, score change and manual override,
appended as a block that carries the hash of the block before it.

A block's hash covers its sequence number, kind, the previous block's hash, the SHA-256 of
its canonical JSON payload and the time it was recorded. Changing any stored byte of a block
breaks its own hash; removing or moving a block breaks the link of the block after it; cutting
blocks off the end no longer matches the chain head. Payloads name records by id and carry no
personal data, since a chain can never be edited afterwards.

Appends are serialised on the chain-head row (a row lock on PostgreSQL, the write lock on
SQLite), so concurrent appends queue up instead of forking the chain; the unique sequence
number and a retry are the backstop.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from tortoise.exceptions import IntegrityError, OperationalError
from tortoise.transactions import in_transaction

from domain.db import dialect
from domain.models import AuditBlock, AuditChainHead

CREDIT_DECISION = "CREDIT_DECISION"
LIMIT_CHANGE = "LIMIT_CHANGE"
SCORE_CHANGE = "SCORE_CHANGE"
MANUAL_OVERRIDE = "MANUAL_OVERRIDE"
KINDS = frozenset({CREDIT_DECISION, LIMIT_CHANGE, SCORE_CHANGE, MANUAL_OVERRIDE})

GENESIS = "0" * 64
_HEAD_ID = 1
_RETRIES = 5
_BATCH = 1000


class ChainBusy(RuntimeError):
    """The chain head kept moving under us; the caller's transaction should be retried."""


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat() if value.tzinfo else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, set | frozenset):
        return sorted(value)
    raise TypeError(f"{type(value).__name__} cannot go into a chain payload")


def canonical_json(payload: Any) -> str:
    """One text per value: sorted keys, no spaces, UTF-8, Decimal as its string."""
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_plain,
                      allow_nan=False)


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def block_hash(seq: int, kind: str, prev_hash: str, payload_hash: str, recorded_at: str) -> str:
    header = {"seq": seq, "kind": kind, "prev": prev_hash, "payload": payload_hash, "at": recorded_at}
    return sha256_hex(canonical_json(header))


def _timestamp() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


async def append_block(kind: str, payload: Mapping[str, Any], using_db=None, *,
                       borrower_id: int | None = None) -> AuditBlock:
    """Append one block. Inside the caller's transaction (pass it as `using_db`, or call from
    within `in_transaction()`) the block commits or rolls back with the change it records."""
    if kind not in KINDS:
        raise ValueError(f"unknown block kind {kind!r}")
    text = canonical_json(dict(payload))
    payload_hash = sha256_hex(text)
    last: Exception | None = None
    for _ in range(_RETRIES):
        try:
            async with (using_db._in_transaction() if using_db is not None else in_transaction()) as tx:
                seq, prev = await _lock_head(tx)
                at = _timestamp()
                digest = block_hash(seq + 1, kind, prev, payload_hash, at)
                block = await AuditBlock.create(
                    seq=seq + 1, kind=kind, payload=text, payload_hash=payload_hash, prev_hash=prev,
                    hash=digest, recorded_at=at, borrower_id=borrower_id, using_db=tx,
                )
                moved = await AuditChainHead.filter(id=_HEAD_ID, seq=seq).using_db(tx).update(
                    seq=seq + 1, hash=digest)
                if moved != 1:
                    raise IntegrityError("the chain head moved")
                return block
        except (IntegrityError, OperationalError) as exc:
            # Another appender won this sequence number (only possible when the lock was not
            # honoured, e.g. two processes on one SQLite file); read the new head and go again.
            last = exc
    raise ChainBusy("could not append to the decision chain") from last


async def _lock_head(tx) -> tuple[int, str]:
    """Lock the chain head for the rest of the transaction and return (seq, hash)."""
    pg = dialect(tx) == "postgres"
    for _ in range(2):
        if pg:
            rows = await tx.execute_query_dict("SELECT seq, hash FROM audit_chain_head WHERE id = 1 FOR UPDATE")
        else:
            # A write first: SQLite takes its write lock now, not at the first insert, so no
            # other writer can slip in between reading the head and moving it.
            touched, _ = await tx.execute_query("UPDATE audit_chain_head SET seq = seq WHERE id = 1")
            rows = await tx.execute_query_dict("SELECT seq, hash FROM audit_chain_head WHERE id = 1") \
                if touched else []
        if rows:
            return int(rows[0]["seq"]), str(rows[0]["hash"])
        mark = "$1, $2" if pg else "?, ?"
        await tx.execute_query(
            f"INSERT INTO audit_chain_head (id, seq, hash) VALUES (1, {mark}) ON CONFLICT (id) DO NOTHING",
            [0, GENESIS])
    raise ChainBusy("the chain head row could not be created")


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    blocks: int
    head_seq: int
    head_hash: str
    bad_seq: int | None = None
    problem: str | None = None  # BLOCK_MISSING, PAYLOAD_CHANGED, BLOCK_CHANGED, BLOCK_MOVED, BROKEN_LINK, TRUNCATED
    message: str = ""

    def __str__(self) -> str:
        return self.message


async def verify_chain() -> VerifyResult:
    """Walk the whole chain in order and name the first block that does not hold."""
    head = await AuditChainHead.get_or_none(id=_HEAD_ID)
    head_seq, head_hash = (head.seq, head.hash) if head else (0, GENESIS)
    expected, prev, count = 1, GENESIS, 0
    while True:
        batch = await AuditBlock.filter(seq__gte=expected).order_by("seq").limit(_BATCH)
        if not batch:
            break
        for block in batch:
            problem = await _check(block, expected, prev)
            if problem is not None:
                code, message = problem
                return VerifyResult(False, count, head_seq, head_hash, expected, code, message)
            count += 1
            expected, prev = block.seq + 1, block.hash
    if expected - 1 != head_seq or prev != head_hash:
        return VerifyResult(
            False, count, head_seq, head_hash, expected, "TRUNCATED",
            f"the chain ends at block {expected - 1} but its head is block {head_seq}: "
            f"block {expected} onwards was removed or the head was changed",
        )
    return VerifyResult(True, count, head_seq, head_hash, message=f"chain intact: {count} blocks, head {head_hash}")


async def _check(block: AuditBlock, expected: int, prev: str) -> tuple[str, str] | None:
    if block.seq != expected:
        return "BLOCK_MISSING", f"block {expected} is missing: the chain jumps from block {expected - 1} to {block.seq}"
    if sha256_hex(block.payload) != block.payload_hash:
        return "PAYLOAD_CHANGED", f"block {expected} was changed: its payload no longer matches its hash"
    if block_hash(block.seq, block.kind, block.prev_hash, block.payload_hash, block.recorded_at) != block.hash:
        written_at = await _original_position(block)
        if written_at is not None and written_at != expected:
            return "BLOCK_MOVED", (f"block {expected} holds the block written as number {written_at}: "
                                   "blocks were reordered")
        return "BLOCK_CHANGED", f"block {expected} was changed: its header no longer matches its hash"
    if block.prev_hash != prev:
        return "BROKEN_LINK", f"block {expected} does not link to block {expected - 1}: a block was changed or replaced"
    return None


async def _original_position(block: AuditBlock) -> int | None:
    """Where a block was first written, read from the block its link points at."""
    if block.prev_hash == GENESIS:
        position = 1
    else:
        before = await AuditBlock.filter(hash=block.prev_hash).first()
        if before is None:
            return None
        position = before.seq + 1
    digest = block_hash(position, block.kind, block.prev_hash, block.payload_hash, block.recorded_at)
    return position if digest == block.hash else None


async def chain_head() -> tuple[int, str]:
    """(sequence number, hash) of the last block: publish it and any later rewrite shows."""
    head = await AuditChainHead.get_or_none(id=_HEAD_ID)
    return (head.seq, head.hash) if head else (0, GENESIS)


def payload_of(block: AuditBlock) -> dict[str, Any]:
    return json.loads(block.payload)
