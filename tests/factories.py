"""Small builders for tests that need borrowers, lines and loans in the database."""

from __future__ import annotations

import itertools
from datetime import date
from decimal import Decimal

from domain.commands import Drawdown, OpenCreditLine, RegisterBorrower
from domain.identity import make_resident_id
from domain.models import Borrower, CreditLine, Loan
from domain.services.borrowers import register_borrower
from domain.services.credit_lines import open_credit_line
from domain.services.drawdown import drawdown

_seq = itertools.count(1)


def phone_for(n: int) -> str:
    return f"139{n:08d}"


def id_number_for(n: int, birth: date = date(1992, 3, 14)) -> str:
    return make_resident_id("110105", birth, f"{n % 1000:03d}") if n < 1000 else make_resident_id(
        f"{110105 + n // 1000}", birth, f"{n % 1000:03d}")


async def make_borrower(name: str = "王小明", *, n: int | None = None, birth: date = date(1992, 3, 14),
                        segment: str = "GENERAL", password_hash: str | None = None) -> Borrower:
    n = next(_seq) if n is None else n
    return await register_borrower(RegisterBorrower(
        phone=phone_for(n), name=name, id_number=id_number_for(n, birth), agreement_version="2026-01",
        password_hash=password_hash, segment=segment,
    ))


async def make_line(borrower: Borrower, limit: str = "20000.00", rate: str = "0.0005") -> CreditLine:
    return await open_credit_line(OpenCreditLine(borrower.id, Decimal(limit), Decimal(rate)))


async def make_loan(borrower: Borrower, amount: str = "1000.00", method: str = "EQUAL_INSTALLMENT", *,
                    months: int | None = 12, days: int | None = None, key: str | None = None) -> Loan:
    if method == "DAILY_INTEREST" and days is not None:
        months = None
    return await drawdown(Drawdown(borrower.id, Decimal(amount), method, key or f"draw-{next(_seq)}",
                                   term_months=months, term_days=days))
