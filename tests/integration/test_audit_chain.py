"""The decision chain on a real database: an intact chain verifies; a changed, removed or
reordered block is found and named; concurrent appends never fork it."""

from __future__ import annotations

import asyncio
import hashlib
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from tortoise import connections
from tortoise.transactions import in_transaction

from domain import audit
from domain.db import sql
from domain.models import AuditBlock, AuditChainHead, Event


async def append(n: int) -> list[AuditBlock]:
    return [await audit.append_block(audit.CREDIT_DECISION, {"applicationId": i, "limit": Decimal("1000.00")})
            for i in range(1, n + 1)]


async def execute(text: str, args: list) -> None:
    client = connections.get("default")
    await client.execute_query(sql(client, text), args)


async def test_an_untouched_chain_verifies_and_links_each_block_to_the_one_before(db):
    blocks = await append(5)

    result = await audit.verify_chain()

    assert result.ok and result.blocks == 5 and result.bad_seq is None
    assert [b.seq for b in blocks] == [1, 2, 3, 4, 5]
    assert blocks[0].prev_hash == audit.GENESIS
    assert all(later.prev_hash == earlier.hash for earlier, later in zip(blocks, blocks[1:], strict=False))
    assert await audit.chain_head() == (5, blocks[-1].hash)


async def test_an_empty_chain_verifies(db):
    result = await audit.verify_chain()
    assert result.ok and result.blocks == 0


async def test_a_changed_payload_is_found_and_its_block_named(db):
    await append(5)
    await execute("UPDATE audit_block SET payload = ? WHERE seq = ?", ['{"applicationId":3,"limit":"9000.00"}', 3])

    result = await audit.verify_chain()

    assert not result.ok
    assert (result.bad_seq, result.problem) == (3, "PAYLOAD_CHANGED")
    assert "block 3" in result.message


async def test_a_changed_payload_with_a_recomputed_payload_hash_is_still_found(db):
    await append(5)
    forged = '{"applicationId":3,"limit":"9000.00"}'
    await execute("UPDATE audit_block SET payload = ?, payload_hash = ? WHERE seq = ?",
                  [forged, hashlib.sha256(forged.encode()).hexdigest(), 3])

    result = await audit.verify_chain()
    assert (result.ok, result.bad_seq, result.problem) == (False, 3, "BLOCK_CHANGED")


async def test_a_block_rewritten_with_every_hash_recomputed_breaks_the_link_of_the_next(db):
    blocks = await append(5)
    forged = '{"applicationId":3,"limit":"9000.00"}'
    payload_hash = hashlib.sha256(forged.encode()).hexdigest()
    b = blocks[2]
    new_hash = audit.block_hash(3, b.kind, b.prev_hash, payload_hash, b.recorded_at)
    await execute("UPDATE audit_block SET payload = ?, payload_hash = ?, hash = ? WHERE seq = ?",
                  [forged, payload_hash, new_hash, 3])

    result = await audit.verify_chain()
    assert (result.ok, result.bad_seq, result.problem) == (False, 4, "BROKEN_LINK")


async def test_a_removed_block_is_found_and_named(db):
    await append(5)
    await AuditBlock.filter(seq=3).delete()

    result = await audit.verify_chain()

    assert (result.ok, result.bad_seq, result.problem) == (False, 3, "BLOCK_MISSING")
    assert "block 3 is missing" in result.message


async def test_a_removed_first_block_is_found(db):
    await append(3)
    await AuditBlock.filter(seq=1).delete()
    result = await audit.verify_chain()
    assert (result.ok, result.bad_seq, result.problem) == (False, 1, "BLOCK_MISSING")


async def test_blocks_cut_off_the_end_are_found_against_the_chain_head(db):
    await append(5)
    await AuditBlock.filter(seq__gte=4).delete()

    result = await audit.verify_chain()
    assert (result.ok, result.bad_seq, result.problem) == (False, 4, "TRUNCATED")


async def test_reordered_blocks_are_found_and_the_first_out_of_place_is_named(db):
    await append(5)
    # Swap blocks 2 and 4 (through a free number, as the sequence is unique).
    await execute("UPDATE audit_block SET seq = ? WHERE seq = ?", [99, 2])
    await execute("UPDATE audit_block SET seq = ? WHERE seq = ?", [2, 4])
    await execute("UPDATE audit_block SET seq = ? WHERE seq = ?", [4, 99])

    result = await audit.verify_chain()

    assert (result.ok, result.bad_seq, result.problem) == (False, 2, "BLOCK_MOVED")
    assert "written as number 4" in result.message


async def test_twenty_concurrent_appends_give_one_unbroken_chain(db):
    await asyncio.gather(*(audit.append_block(audit.SCORE_CHANGE, {"borrowerId": n, "score": 600 + n})
                           for n in range(20)))

    blocks = list(await AuditBlock.all().order_by("seq"))
    assert [b.seq for b in blocks] == list(range(1, 21))
    assert len({b.prev_hash for b in blocks}) == 20
    assert sorted(audit.payload_of(b)["borrowerId"] for b in blocks) == list(range(20))
    assert (await audit.verify_chain()).ok


async def test_twenty_concurrent_transactions_each_appending_with_their_change_give_one_chain(db):
    async def decide(n: int) -> None:
        async with in_transaction() as tx:
            await Event.create(type="CREDIT_DECISION", occurred_at=datetime.now(UTC),
                               business_date=date(2026, 1, 5), data={"n": n}, using_db=tx)
            await asyncio.sleep(0)
            await audit.append_block(audit.CREDIT_DECISION, {"n": n}, tx)

    await asyncio.gather(*(decide(n) for n in range(20)))

    result = await audit.verify_chain()
    assert result.ok and result.blocks == 20
    assert (await AuditChainHead.get(id=1)).seq == 20


async def test_a_block_rolled_back_with_its_transaction_leaves_no_trace(db):
    await append(2)
    with pytest.raises(RuntimeError):
        async with in_transaction() as tx:
            await audit.append_block(audit.LIMIT_CHANGE, {"creditLineId": 1}, tx)
            raise RuntimeError("the change failed")
    block = await audit.append_block(audit.LIMIT_CHANGE, {"creditLineId": 1})

    assert block.seq == 3
    assert (await audit.verify_chain()).ok


async def test_an_unknown_kind_is_refused(db):
    with pytest.raises(ValueError):
        await audit.append_block("WHATEVER", {})
