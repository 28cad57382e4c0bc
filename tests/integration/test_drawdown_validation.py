"""A draw that breaks a rule is refused with a typed error and writes nothing."""

from __future__ import annotations

from decimal import Decimal

import pytest

from domain.commands import ChangeLineStatus, Drawdown
from domain.errors import InsufficientCredit, LineNotActive, NotAllowed, ValidationFailed
from domain.models import CreditLine
from domain.services.credit_lines import freeze
from domain.services.drawdown import drawdown
from tests.factories import make_borrower, make_line
from tests.integration import counts, snapshot  # noqa: F401 - autouse

REFUSED = [
    # (what is wrong, amount, method, months, days, error, field)
    ("below 50 CNY", "49.99", "EQUAL_INSTALLMENT", 6, None, ValidationFailed, "amount"),
    ("more than two decimals", "100.001", "EQUAL_INSTALLMENT", 6, None, ValidationFailed, "amount"),
    ("a negative amount", "-100.00", "EQUAL_INSTALLMENT", 6, None, ValidationFailed, "amount"),
    ("an unknown method", "100.00", "BALLOON", 6, None, ValidationFailed, "method"),
    ("daily interest over 12 months", "100.00", "DAILY_INTEREST", 13, None, ValidationFailed, "termMonths"),
    ("daily interest over a year of days", "100.00", "DAILY_INTEREST", None, 400, ValidationFailed, "termDays"),
    ("daily interest with no term", "100.00", "DAILY_INTEREST", None, None, ValidationFailed, "termDays"),
    ("five instalments", "100.00", "EQUAL_INSTALLMENT", 5, None, ValidationFailed, "termMonths"),
    ("no instalment term", "100.00", "EQUAL_PRINCIPAL", None, None, ValidationFailed, "termMonths"),
    ("more than is available", "5000.01", "EQUAL_INSTALLMENT", 6, None, InsufficientCredit, None),
]


@pytest.mark.parametrize(("wrong", "amount", "method", "months", "days", "error", "field"), REFUSED,
                         ids=[r[0] for r in REFUSED])
async def test_a_draw_that_breaks_a_rule_is_refused_and_writes_nothing(
        db, wrong, amount, method, months, days, error, field):
    borrower = await make_borrower()
    line = await make_line(borrower, limit="5000.00")
    before = await snapshot()
    with pytest.raises(error) as caught:
        await drawdown(Drawdown(borrower.id, Decimal(amount), method, "k-1", term_months=months, term_days=days))
    assert caught.value.field == field
    assert await snapshot() == before
    # Nothing held on to the key either: the same key now makes a valid draw.
    loan = await drawdown(Drawdown(borrower.id, Decimal("100.00"), "EQUAL_INSTALLMENT", "k-1", term_months=6))
    assert loan.credit_line_id == line.id


async def test_a_draw_for_exactly_the_available_amount_goes_through(db):
    borrower = await make_borrower()
    await make_line(borrower, limit="5000.00")
    await drawdown(Drawdown(borrower.id, Decimal("5000.00"), "DAILY_INTEREST", "all", term_days=30))
    assert (await CreditLine.get(borrower_id=borrower.id)).used_fen == 500_000


async def test_a_draw_on_a_frozen_line_is_refused_and_writes_nothing(db):
    borrower = await make_borrower()
    line = await make_line(borrower)
    await freeze(ChangeLineStatus(line.id, reason="MANUAL", actor="risk-officer"))
    before = await counts()
    with pytest.raises(LineNotActive):
        await drawdown(Drawdown(borrower.id, Decimal("100.00"), "EQUAL_INSTALLMENT", "k-1", term_months=6))
    assert await counts() == before
    assert (await CreditLine.get(id=line.id)).used_fen == 0


async def test_a_draw_without_a_credit_line_is_refused_and_writes_nothing(db):
    borrower = await make_borrower()
    before = await counts()
    with pytest.raises(NotAllowed):
        await drawdown(Drawdown(borrower.id, Decimal("100.00"), "EQUAL_INSTALLMENT", "k-1", term_months=6))
    assert await counts() == before


async def test_a_draw_with_an_empty_idempotency_key_is_refused(db):
    borrower = await make_borrower()
    await make_line(borrower)
    before = await counts()
    with pytest.raises(ValidationFailed) as caught:
        await drawdown(Drawdown(borrower.id, Decimal("100.00"), "EQUAL_INSTALLMENT", "  ", term_months=6))
    assert caught.value.field == "idempotencyKey"
    assert await counts() == before
