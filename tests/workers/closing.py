"""A small portfolio about to reach due dates, and snapshots to compare two closes by."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from tortoise.transactions import in_transaction

from domain.db import conn, sql
from domain.services import cob
from domain.services.calendar import set_business_date
from tests.factories import make_borrower, make_line, make_loan

DAILY_DUE = date(2026, 1, 15)  # ten days after the 5th, when the loans are drawn


async def portfolio(count: int = 6) -> list[int]:
    """Loans of both kinds; the daily-interest ones fall past grace in the close after `close_day()`."""
    ids = []
    for n in range(count):
        borrower = await make_borrower()
        await make_line(borrower)
        if n % 2:
            loan = await make_loan(borrower, f"{1000 + 100 * n}.00", "DAILY_INTEREST", days=10)
        else:
            loan = await make_loan(borrower, f"{2000 + 100 * n}.00", months=3)
        ids.append(loan.id)
    return ids


def close_day() -> date:
    # 2026-01-19 closes to the 20th: five days past the daily-interest loans' due date (grace is 3).
    return DAILY_DUE + timedelta(days=4)


async def jump_to(day: date) -> None:
    """As if every close up to `day` had run: loans stand closed through it."""
    client = conn()
    await client.execute_query(sql(client, "UPDATE loan SET closed_through = ?"),
                               [day if client.capabilities.dialect == "postgres" else day.isoformat()])
    await set_business_date(day)


LOAN_STATE = ("id, status, classification, dpd, outstanding_principal_fen, overdue_principal_fen, "
              "interest_receivable_fen, penalty_receivable_fen, interest_carried_fen, next_due_on, closed_through, "
              "written_off_on")


async def state(client=None) -> dict[str, Any]:
    """What a close changes, without row ids or times that differ between two runs of it."""
    client = client or conn()
    q = client.execute_query_dict
    return {
        "loans": await q(f"SELECT {LOAN_STATE} FROM loan ORDER BY id"),
        "installments": await q("SELECT loan_id, number, status FROM installment ORDER BY loan_id, number"),
        "lines": await q("SELECT id, status, frozen_reason, used_fen FROM credit_line ORDER BY id"),
        "balances": await q("SELECT account_id, SUM(debit_fen) AS d, SUM(credit_fen) AS c FROM posting "
                            "GROUP BY account_id ORDER BY account_id"),
        "events": await q("SELECT type, loan_id, borrower_id FROM event ORDER BY type, loan_id, borrower_id"),
        "business_date": await q("SELECT today FROM business_day"),
    }


class _Undo(Exception):
    pass


async def clean_close(settings, day: date) -> dict[str, Any]:
    """The state a close of `day` in one transaction leads to; the transaction is then rolled back."""
    box: dict[str, Any] = {}
    try:
        async with in_transaction() as tx:
            target = day + timedelta(days=1)
            await cob.close_loans(tx, target, settings)
            await cob.freeze_overdue_lines(tx, target)
            await tx.execute_query(sql(tx, "UPDATE business_day SET today = ?"),
                                   [target if tx.capabilities.dialect == "postgres" else target.isoformat()])
            box.update(await state(tx))
            raise _Undo()
    except _Undo:
        pass
    return box
