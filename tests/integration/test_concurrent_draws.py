"""Many draws at once on one line: the limit holds under any interleaving."""

from __future__ import annotations

import asyncio
from decimal import Decimal

from tortoise import connections

from domain.commands import Drawdown
from domain.errors import InsufficientCredit
from domain.models import CreditLine, Loan
from domain.services.drawdown import drawdown
from tests.factories import make_borrower, make_line
from tests.integration import assert_books_agree, scalar  # noqa: F401 - autouse


async def test_fifty_concurrent_draws_never_take_a_line_over_its_limit(db):
    borrower = await make_borrower()
    line = await make_line(borrower, limit="10000.00")
    done = asyncio.Event()
    seen: list[int] = []
    open_transactions: list[int] = []
    client = connections.get("default")
    if db == "postgres":
        # Tortoise's default asyncpg pool holds 5 connections: room for draws to overlap.
        assert client.pool_maxsize >= 5

    async def watch() -> None:
        # Reads the line while the draws run: no moment may show it over the limit.
        while not done.is_set():
            seen.append((await CreditLine.get(id=line.id)).used_fen)
            if db == "postgres":
                open_transactions.append(await scalar(
                    "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND xact_start IS NOT NULL AND pid != pg_backend_pid()"))
            await asyncio.sleep(0)

    async def draw(n: int):
        try:
            return await drawdown(Drawdown(borrower.id, Decimal("300.00"), "EQUAL_INSTALLMENT", f"burst-{n}",
                                           term_months=3))
        except InsufficientCredit as exc:
            return exc

    watcher = asyncio.create_task(watch())
    results = await asyncio.gather(*(draw(n) for n in range(50)))
    done.set()
    await watcher

    loans = [r for r in results if isinstance(r, Loan)]
    refused = [r for r in results if isinstance(r, InsufficientCredit)]
    # 10,000.00 // 300.00 = 33 draws (9,900.00); 100.00 stays available for the other 17.
    assert len(loans) == 33
    assert len(refused) == 17
    assert {r.available for r in refused} == {Decimal("100.00")}
    assert len({loan.id for loan in loans}) == 33

    line = await CreditLine.get(id=line.id)
    assert line.used_fen == 990_000 == sum(loan.principal_fen for loan in await Loan.all())
    assert await Loan.all().count() == 33
    assert seen and max(seen) <= line.limit_fen
    if db == "postgres":
        # The draws really ran side by side: several transactions were open at one moment.
        assert max(open_transactions) >= 2
    await assert_books_agree()
