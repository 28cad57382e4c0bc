"""Integration tests: services on a real database (SQLite and PostgreSQL).

The helpers below are what several tests check: what the database holds, and whether the
ledger agrees with the loans and lines it accounts for."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from tortoise import connections

from domain import db as dbmod
from domain.services import ledger
from tests._database import all_tables, empty_tables, reset_database  # noqa: F401 - used by test modules

# Tables a command writes to; `counts` before and after a refused command must be equal.
WRITTEN_TABLES = ("loan", "installment", "repayment", "journal_entry", "posting", "event", "idempotency_record")


def _client():
    return connections.get("default")




async def rows(table: str) -> list[dict[str, Any]]:
    return await _client().execute_query_dict(f"SELECT * FROM {table} ORDER BY 1")


async def snapshot(tables: list[str] | tuple[str, ...] | None = None) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table (or of `tables`), in a fixed order: equal snapshots mean nothing changed."""
    return {table: await rows(table) for table in (tables or all_tables())}


async def counts() -> dict[str, int]:
    out = {}
    for table in WRITTEN_TABLES:
        result = await _client().execute_query_dict(f"SELECT COUNT(*) AS n FROM {table}")
        out[table] = int(result[0]["n"])
    return out


async def scalar(text: str, args: list[Any] | None = None) -> int:
    client = _client()
    result = await client.execute_query_dict(dbmod.sql(client, text), args or [])
    value = next(iter(result[0].values())) if result else None
    return int(value or 0)


async def assert_books_agree() -> None:
    """The ledger balances, entry by entry and in total, and agrees with the loans and lines."""
    unbalanced = await _client().execute_query_dict(
        "SELECT entry_id, SUM(debit_fen) AS d, SUM(credit_fen) AS c FROM posting "
        "GROUP BY entry_id HAVING SUM(debit_fen) != SUM(credit_fen)"
    )
    assert unbalanced == [], f"journal entries whose debits differ from their credits: {unbalanced}"
    assert await scalar("SELECT SUM(debit_fen) FROM posting") == await scalar("SELECT SUM(credit_fen) FROM posting")

    balances = await ledger.balances()
    loans = await rows("loan")
    on_books = [loan for loan in loans if loan["status"] not in ("WRITTEN_OFF", "CLAIMED")]
    assert balances["LOANS_RECEIVABLE"] == sum(loan["outstanding_principal_fen"] for loan in on_books)
    assert balances["INTEREST_RECEIVABLE"] == sum(loan["interest_receivable_fen"] for loan in on_books)
    assert balances["PENALTY_RECEIVABLE"] == sum(loan["penalty_receivable_fen"] for loan in on_books)
    fees_due = await scalar(
        "SELECT SUM(i.fee_fen - i.paid_fee_fen) FROM installment i JOIN loan l ON l.id = i.loan_id "
        "WHERE l.status NOT IN ('WRITTEN_OFF', 'CLAIMED') AND i.status != 'PENDING'")
    assert balances["FEE_RECEIVABLE"] == fees_due
    # A pool is owed exactly the principal of its loans still on the books.
    pooled = [loan for loan in on_books if loan["pool_id"] is not None]
    assert balances["POOL_PRINCIPAL"] == sum(loan["outstanding_principal_fen"] for loan in pooled)
    # Held for pools: their unspent purchase cash and what came in after their last period.
    held = sum(pool["cash_fen"] for pool in await rows("pool"))
    held += await scalar(
        "SELECT SUM(c.amount_fen) FROM pool_collection c JOIN pool p ON p.id = c.pool_id "
        "WHERE c.kind IN ('INTEREST', 'PRINCIPAL', 'RECOVERY', 'INSURANCE') AND c.business_date > "
        "COALESCE((SELECT MAX(end_date) FROM pool_period pp WHERE pp.pool_id = p.id), p.cut_off_date)")
    assert balances["POOL_CASH"] == held
    # Cash out: disbursements and what pools paid out; cash in: repayments, claims and pool sales.
    repaid = await scalar("SELECT SUM(amount_fen) FROM repayment")
    claimed = await scalar("SELECT SUM(paid_fen) FROM insurance_claim")
    sold = await scalar("SELECT SUM(cut_off_balance_fen) FROM pool")
    distributed = await scalar("SELECT SUM(paid_out_fen - servicer_fee_fen) FROM pool_period")
    assert balances["CASH"] == repaid + claimed + sold - distributed - sum(loan["principal_fen"] for loan in loans)

    used_by_line: dict[int, int] = defaultdict(int)
    for loan in loans:
        used_by_line[loan["credit_line_id"]] += loan["outstanding_principal_fen"]
    for line in await rows("credit_line"):
        assert line["used_fen"] == used_by_line[line["id"]], f"line {line['id']} used principal"
        assert 0 <= line["used_fen"] <= line["limit_fen"], f"line {line['id']} is over its limit"
