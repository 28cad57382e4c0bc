"""Light rows for the loan lists a dashboard reads in bulk.

The page of loans, their instalments and their repayments are read with plain SELECTs of the
columns the API shows, into small slotted records: building full ORM objects for hundreds of
instalments per request would cost more than the query. Single objects (a loan by id, the
result of a mutation) stay ORM models; the API types read either by attribute name.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from domain.db import conn, sql


def _date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


def _datetime(value: Any) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(value)


@dataclass(frozen=True, slots=True)
class LoanRow:
    id: int
    borrower_id: int
    method: str
    principal_fen: int
    outstanding_principal_fen: int
    daily_rate_ppm: int
    apr_ppm: int
    status: str
    classification: str
    dpd: int
    disbursed_on: date
    maturity_date: date


@dataclass(frozen=True, slots=True)
class InstallmentRow:
    loan_id: int
    number: int
    due_date: date
    principal_fen: int
    interest_fen: int
    fee_fen: int
    paid_principal_fen: int
    paid_interest_fen: int
    paid_fee_fen: int
    status: str


@dataclass(frozen=True, slots=True)
class RepaymentRow:
    id: int
    loan_id: int
    borrower_id: int
    amount_fen: int
    penalty_fen: int
    interest_fen: int
    fee_fen: int
    principal_fen: int
    received_at: datetime


LOAN_COLUMNS = ("id, borrower_id, method, principal_fen, outstanding_principal_fen, daily_rate_ppm, apr_ppm, "
                "status, classification, dpd, disbursed_on, maturity_date")


async def select(text: str, args: Sequence[Any]) -> list[Any]:
    client = conn()
    return list((await client.execute_query(sql(client, text), list(args)))[1])


def marks(values: Sequence[Any]) -> str:
    return ", ".join("?" for _ in values)


def loan_row(r: Any) -> LoanRow:
    return LoanRow(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], _date(r[10]), _date(r[11]))


async def installments_of(loan_ids: Sequence[int]) -> list[InstallmentRow]:
    rows = await select(
        "SELECT loan_id, number, due_date, principal_fen, interest_fen, fee_fen, paid_principal_fen, "
        f"paid_interest_fen, paid_fee_fen, status FROM installment WHERE loan_id IN ({marks(loan_ids)}) "
        "ORDER BY loan_id, number", loan_ids)
    return [InstallmentRow(r[0], r[1], _date(r[2]), r[3], r[4], r[5], r[6], r[7], r[8], r[9]) for r in rows]


async def repayments_of(loan_ids: Sequence[int]) -> list[RepaymentRow]:
    rows = await select(
        "SELECT id, loan_id, borrower_id, amount_fen, penalty_fen, interest_fen, fee_fen, principal_fen, "
        f"received_at FROM repayment WHERE loan_id IN ({marks(loan_ids)}) ORDER BY loan_id, id", loan_ids)
    return [RepaymentRow(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], _datetime(r[8])) for r in rows]
