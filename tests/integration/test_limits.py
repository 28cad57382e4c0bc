"""Limits that move: good repayment raises them, a falling score lowers them (never below
the principal in use), staff can set them; each move has a reason, an event and a chain block."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from domain import audit
from domain.commands import ApplyForCredit, Repay
from domain.errors import ValidationFailed
from domain.models import AuditBlock, Borrower, CreditLine, Event, Installment, Loan, ScoreRecord
from domain.services.calendar import business_date, utcnow
from domain.services.cob import run_close
from domain.services.decisions import apply_for_credit
from domain.services.limits import apply_score, change_limit, refresh_limits
from domain.services.repay import repay
from tests.factories import make_borrower, make_line, make_loan
from tests.integration._credit import StubBureau, champion  # noqa: F401 - autouse


async def close_until(day: date) -> None:
    await run_close((day - await business_date()).days)


async def pay_instalment_on_its_due_date(loan: Loan, number: int) -> None:
    inst = await Installment.get(loan_id=loan.id, number=number)
    await close_until(inst.due_date)
    due = Decimal(inst.principal_fen + inst.interest_fen - inst.paid_principal_fen - inst.paid_interest_fen) / 100
    await repay(Repay(loan.borrower_id, loan.id, due, f"pay-{loan.id}-{number}"))


async def mark_paid_on_time(loan: Loan, numbers: range) -> None:
    """Shortcut for tests about what happens after the repayments: instalments settled on their due dates."""
    for inst in await Installment.filter(loan_id=loan.id, number__in=list(numbers)):
        inst.status, inst.paid_on = "PAID", inst.due_date
        inst.paid_principal_fen, inst.paid_interest_fen = inst.principal_fen, inst.interest_fen
        await inst.save()


async def test_three_instalments_paid_on_time_raise_the_limit_and_lower_the_rate(db):
    borrower = await make_borrower()
    line = await make_line(borrower, limit="10000.00", rate="0.0005")
    loan = await make_loan(borrower, "3000.00", months=3)
    for number in (1, 2):
        await pay_instalment_on_its_due_date(loan, number)
    assert await refresh_limits() == []  # two are not enough

    await pay_instalment_on_its_due_date(loan, 3)
    changes = await refresh_limits()

    # 10,000.00 x 1.20 = 12,000.00; 0.05% - 0.002% = 0.048% a day.
    assert [(c.old_limit, c.new_limit, c.new_rate, c.reason) for c in changes] == [
        (Decimal("10000.00"), Decimal("12000.00"), Decimal("0.00048"), "ON_TIME_REPAYMENT")]
    line = await CreditLine.get(id=line.id)
    assert (line.limit_fen, line.daily_rate_ppm) == (1_200_000, 480)
    event = await Event.filter(type="CREDIT_LIMIT_CHANGED", borrower_id=borrower.id).order_by("-id").first()
    assert event.data["reason"] == "ON_TIME_REPAYMENT"
    assert (event.data["oldLimit"], event.data["newLimit"]) == ("10000.00", "12000.00")
    block = await AuditBlock.get(kind="LIMIT_CHANGE")
    assert audit.payload_of(block)["newLimit"] == "12000.00"
    assert (await audit.verify_chain()).ok


async def test_the_same_instalments_never_earn_a_second_raise(db):
    borrower = await make_borrower()
    line = await make_line(borrower, limit="10000.00")
    loan = await make_loan(borrower, "3000.00", months=3)
    await mark_paid_on_time(loan, range(1, 4))
    today = (await Installment.get(loan_id=loan.id, number=3)).due_date

    assert len(await refresh_limits(today)) == 1
    assert await refresh_limits(today) == []
    assert (await CreditLine.get(id=line.id)).limit_fen == 1_200_000


async def test_instalments_paid_late_or_not_yet_due_do_not_count(db):
    borrower = await make_borrower()
    line = await make_line(borrower, limit="10000.00")
    loan = await make_loan(borrower, "3000.00", months=3)
    await mark_paid_on_time(loan, range(1, 4))
    third = await Installment.get(loan_id=loan.id, number=3)
    third.paid_on = third.due_date + timedelta(days=2)
    await third.save()

    assert await refresh_limits(third.due_date + timedelta(days=5)) == []  # one was late
    assert await refresh_limits(third.due_date - timedelta(days=1)) == []  # one not yet due
    assert (await CreditLine.get(id=line.id)).limit_fen == 1_000_000


async def test_a_raise_stops_at_a_third_of_annual_income(db):
    borrower = await make_borrower()
    decision = await apply_for_credit(ApplyForCredit(
        borrower.id, Decimal("15000.00"), "SALARIED", 48, "OWN", Decimal("0.00"), "travel", "device-1", None),
        bureau=StubBureau())
    assert decision.outcome == "APPROVED"
    # 15,000 a month is 180,000 a year; a third is 60,000. Put the line just under it.
    await CreditLine.filter(id=decision.credit_line.id).update(limit_fen=5_500_000)
    loan = await make_loan(borrower, "3000.00", months=3)
    await mark_paid_on_time(loan, range(1, 4))

    [change] = await refresh_limits((await Installment.get(loan_id=loan.id, number=3)).due_date)
    assert change.new_limit == Decimal("60000.00")


async def test_a_frozen_line_earns_no_raise(db):
    borrower = await make_borrower()
    line = await make_line(borrower, limit="10000.00")
    loan = await make_loan(borrower, "3000.00", months=3)
    await mark_paid_on_time(loan, range(1, 4))
    await CreditLine.filter(id=line.id).update(status="FROZEN", frozen_reason="OVERDUE")

    assert await refresh_limits(date(2026, 6, 1)) == []


async def approved_line(income: str = "15000.00") -> tuple[int, CreditLine]:
    borrower = await make_borrower()
    decision = await apply_for_credit(ApplyForCredit(
        borrower.id, Decimal(income), "SALARIED", 48, "OWN", Decimal("0.00"), "travel", f"device-{borrower.id}",
        None), bureau=StubBureau())
    assert decision.outcome == "APPROVED"
    return borrower.id, decision.credit_line


async def test_a_score_that_collapses_lowers_the_limit_to_the_principal_in_use_and_no_further(db):
    borrower_id, line = await approved_line()
    limit = line.limit_fen
    used = limit - 10_000  # all but 100.00 drawn
    await make_loan(await Borrower.get(id=borrower_id), f"{Decimal(used) / 100:.2f}", months=6)

    change = await apply_score(borrower_id, 380)

    assert change is not None and change.reason == "SCORE_DECLINED"
    line = await CreditLine.get(id=line.id)
    assert line.limit_fen == line.used_fen == used  # available is zero, never negative
    assert line.daily_rate_ppm >= change.old_rate * 10**6
    event = await Event.filter(type="CREDIT_LIMIT_CHANGED", borrower_id=borrower_id).order_by("-id").first()
    assert event.data["reason"] == "SCORE_DECLINED"
    assert (await AuditBlock.filter(kind="LIMIT_CHANGE").count()) == 1


async def test_a_small_dip_in_score_changes_nothing(db):
    borrower_id, line = await approved_line()
    app_score = audit.payload_of(await AuditBlock.get(kind="CREDIT_DECISION"))["score"]
    assert await apply_score(borrower_id, app_score - 10) is None
    assert (await CreditLine.get(id=line.id)).limit_fen == line.limit_fen


async def test_staff_cannot_set_a_limit_above_a_third_of_the_borrowers_annual_income(db):
    borrower_id, line = await approved_line(income="15000.00")
    # 15,000 x 12 / 3 = 60,000.
    with pytest.raises(ValidationFailed):
        await change_limit(line.id, Decimal("60000.01"), staff="ops.zhao", reason="vip")
    change = await change_limit(line.id, Decimal("60000.00"), staff="ops.zhao", reason="vip")
    assert change.new_limit == Decimal("60000.00")


async def test_staff_can_set_a_limit_but_not_below_the_principal_in_use(db):
    borrower = await make_borrower()
    line = await make_line(borrower, limit="10000.00")
    await make_loan(borrower, "4000.00", months=3)

    with pytest.raises(ValidationFailed):
        await change_limit(line.id, Decimal("3999.99"), staff="ops.zhao", reason="customer request")
    change = await change_limit(line.id, Decimal("4000.00"), staff="ops.zhao", reason="customer request")

    assert change.new_limit == Decimal("4000.00") and change.reason == "MANUAL"
    payload = audit.payload_of(await AuditBlock.get(kind="MANUAL_OVERRIDE"))
    assert (payload["staff"], payload["newLimit"]) == ("ops.zhao", "4000.00")


async def test_the_daily_refresh_lowers_a_line_whose_latest_recorded_score_fell(db):
    borrower_id, line = await approved_line()
    base = audit.payload_of(await AuditBlock.get(kind="CREDIT_DECISION"))["score"]
    await ScoreRecord.create(borrower_id=borrower_id, score=base - 200, pd=0.5, model_version="test",
                             reason="BEHAVIOUR", business_date=date(2026, 1, 5), at=utcnow())

    changes = await refresh_limits()

    assert [(c.credit_line_id, c.reason) for c in changes] == [(line.id, "SCORE_DECLINED")]
    assert changes[0].new_limit < changes[0].old_limit
    assert await refresh_limits() == []  # the lowered limit now rests on the new score
