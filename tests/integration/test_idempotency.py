"""A draw or a repayment sent twice with one idempotency key happens once."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest

from domain.commands import Drawdown, Repay
from domain.errors import IdempotencyConflict
from domain.models import CreditLine, Event, JournalEntry, Loan, Repayment
from domain.services.drawdown import drawdown
from domain.services.repay import repay
from tests.factories import make_borrower, make_line, make_loan
from tests.integration import assert_books_agree, snapshot  # noqa: F401 - autouse


def draw(borrower_id: int, amount: str = "1000.00", key: str = "draw-1") -> Drawdown:
    return Drawdown(borrower_id, Decimal(amount), "EQUAL_INSTALLMENT", key, term_months=6)


async def test_a_replayed_draw_returns_the_first_loan_and_disburses_once(db):
    borrower = await make_borrower()
    await make_line(borrower)
    first = await drawdown(draw(borrower.id))
    again = await drawdown(draw(borrower.id))

    assert again.id == first.id
    assert await Loan.all().count() == 1
    assert await Event.filter(type="LOAN_DISBURSED").count() == 1
    assert await JournalEntry.filter(kind="DISBURSEMENT").count() == 1
    assert (await CreditLine.get(borrower_id=borrower.id)).used_fen == 100_000
    await assert_books_agree()


async def test_the_same_amount_written_with_fewer_places_is_the_same_draw(db):
    borrower = await make_borrower()
    await make_line(borrower)
    first = await drawdown(draw(borrower.id, "1000.00"))
    again = await drawdown(draw(borrower.id, "1000"))
    assert again.id == first.id
    assert await Loan.all().count() == 1


async def test_the_same_draw_key_with_another_amount_is_a_conflict_and_changes_nothing(db):
    borrower = await make_borrower()
    await make_line(borrower)
    await drawdown(draw(borrower.id, "1000.00"))
    before = await snapshot()
    with pytest.raises(IdempotencyConflict):
        await drawdown(draw(borrower.id, "1500.00"))
    assert await snapshot() == before


async def test_one_key_belongs_to_one_borrower(db):
    alice, bob = await make_borrower("李娜"), await make_borrower("张伟")
    await make_line(alice)
    await make_line(bob)
    a = await drawdown(draw(alice.id, "1000.00", key="shared"))
    b = await drawdown(draw(bob.id, "2000.00", key="shared"))
    assert a.id != b.id
    assert (b.borrower_id, b.principal_fen) == (bob.id, 200_000)


async def test_five_identical_draws_at_once_make_one_loan(db):
    borrower = await make_borrower()
    await make_line(borrower)
    loans = await asyncio.gather(*(drawdown(draw(borrower.id, key="tap-tap-tap")) for _ in range(5)))
    assert {loan.id for loan in loans} == {loans[0].id}
    assert await Loan.all().count() == 1
    assert await Event.filter(type="LOAN_DISBURSED").count() == 1
    assert (await CreditLine.get(borrower_id=borrower.id)).used_fen == 100_000
    await assert_books_agree()


async def test_a_replayed_repayment_returns_the_first_and_takes_the_money_once(db):
    borrower = await make_borrower()
    await make_line(borrower)
    loan = await make_loan(borrower, "1000.00", months=6)
    pay = Repay(borrower.id, loan.id, Decimal("300.00"), "pay-1")
    first = await repay(pay)
    again = await repay(pay)

    assert again.id == first.id
    assert await Repayment.all().count() == 1
    assert await Event.filter(type="REPAYMENT_RECEIVED").count() == 1
    assert await JournalEntry.filter(kind="REPAYMENT").count() == 1
    await loan.refresh_from_db()
    assert loan.outstanding_principal_fen == 100_000 - first.principal_fen
    await assert_books_agree()


async def test_the_same_repayment_key_with_another_amount_is_a_conflict_and_changes_nothing(db):
    borrower = await make_borrower()
    await make_line(borrower)
    loan = await make_loan(borrower, "1000.00", months=6)
    await repay(Repay(borrower.id, loan.id, Decimal("300.00"), "pay-1"))
    before = await snapshot()
    with pytest.raises(IdempotencyConflict):
        await repay(Repay(borrower.id, loan.id, Decimal("400.00"), "pay-1"))
    with pytest.raises(IdempotencyConflict):
        await repay(Repay(borrower.id, loan.id, Decimal("300.00"), "pay-1", prepayment_mode="LOWER_INSTALLMENT"))
    assert await snapshot() == before


async def test_five_identical_repayments_at_once_take_the_money_once(db):
    borrower = await make_borrower()
    await make_line(borrower)
    loan = await make_loan(borrower, "1000.00", months=6)
    pay = Repay(borrower.id, loan.id, Decimal("300.00"), "double-click")
    results = await asyncio.gather(*(repay(pay) for _ in range(5)))
    assert {r.id for r in results} == {results[0].id}
    assert await Repayment.all().count() == 1
    assert await Event.filter(type="REPAYMENT_RECEIVED").count() == 1
    await assert_books_agree()
