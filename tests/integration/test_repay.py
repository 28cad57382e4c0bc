"""Repayments: where the money goes, what it settles, and what it refuses.

Loans here run at 0.05% a day, so 1.5% a month (30/360): an instalment period's interest is
the balance × 0.015, and a day's interest is the balance × 0.0005."""

from __future__ import annotations

import asyncio
import math
from decimal import Decimal

import numpy_financial as npf
import pytest

from domain.commands import Repay
from domain.errors import NotAllowed, Overpayment, ValidationFailed
from domain.models import CreditLine, Event, Installment, Loan, Repayment
from domain.services.cob import run_close
from domain.services.repay import quote_payoff, repay
from tests.factories import make_borrower, make_line, make_loan
from tests.integration import assert_books_agree, snapshot  # noqa: F401 - autouse

D = Decimal
MONTHLY = 0.015


def fen(value: float) -> int:
    """A reference amount from numpy-financial, rounded half-up to the fen."""
    return int(D(repr(float(value))).quantize(D("0.01"), rounding="ROUND_HALF_UP") * 100)


async def installments(loan: Loan) -> list[Installment]:
    return list(await Installment.filter(loan_id=loan.id).order_by("number"))


async def events_of(loan: Loan, type_: str) -> list[Event]:
    return list(await Event.filter(loan_id=loan.id, type=type_).order_by("id"))


async def test_a_repayment_pays_penalty_then_overdue_interest_principal_then_current_interest_principal(db):
    borrower = await make_borrower()
    line = await make_line(borrower)
    loan = await make_loan(borrower, "12000.00", months=12)  # drawn 2026-01-05, first due 2026-02-05
    # pmt(1.5%, 12, 12,000) = 1,100.1599 -> 1,100.16; instalment 1 is 180.00 interest + 920.16 principal.
    assert fen(npf.pmt(MONTHLY, 12, -12000)) == 110_016
    await run_close(41)  # business date 2026-02-15: instalment 1 is 10 days past due
    await loan.refresh_from_db()
    assert (loan.status, loan.dpd) == ("OVERDUE", 10)
    assert (await CreditLine.get(id=line.id)).status == "FROZEN"
    # Penalty: round(920.16 × 0.0005 × 1.5) = round(0.69012) = 0.69 a day, for 10 days from the due date.
    assert loan.penalty_receivable_fen == 690

    # 100.00 covers the penalty (6.90) and 93.10 of the overdue interest.
    first = await repay(Repay(borrower.id, loan.id, D("100.00"), "pay-1"))
    assert (first.penalty_fen, first.interest_fen, first.principal_fen) == (690, 9310, 0)
    assert first.allocation["penalty"] == 690 and first.allocation["overdue_interest"] == 9310
    await loan.refresh_from_db()
    assert loan.status == "OVERDUE"

    # Instalment 2 (due 2026-03-05): 11,079.84 × 0.015 = 166.1976 -> 166.20 interest, 933.96 principal.
    # 1,273.26 = 86.90 overdue interest + 920.16 overdue principal + 166.20 current interest + 100.00.
    second = await repay(Repay(borrower.id, loan.id, D("1273.26"), "pay-2"))
    parts = {k: v for k, v in second.allocation.items() if v}
    assert parts == {"overdue_interest": 8690, "overdue_principal": 92016, "current_interest": 16620,
                     "current_principal": 10000}
    assert (second.interest_fen, second.principal_fen, second.prepaid_principal_fen) == (25310, 102016, 0)

    await loan.refresh_from_db()
    assert (loan.status, loan.dpd, loan.classification) == ("ACTIVE", 0, "NORMAL")
    assert (loan.penalty_receivable_fen, loan.interest_receivable_fen, loan.overdue_principal_fen) == (0, 0, 0)
    assert loan.outstanding_principal_fen == 1_200_000 - 102_016
    first_two = (await installments(loan))[:2]
    assert [i.status for i in first_two] == ["PAID", "PENDING"]
    assert (first_two[1].paid_interest_fen, first_two[1].paid_principal_fen) == (16620, 10000)
    assert loan.next_due_on.isoformat() == "2026-03-05"
    # The overdue is cleared, so the line thaws and the loan is cured.
    line = await CreditLine.get(id=line.id)
    assert (line.status, line.frozen_reason, line.used_fen) == ("ACTIVE", None, 1_200_000 - 102_016)
    assert len(await events_of(loan, "LOAN_CURED")) == 1
    assert await Event.filter(type="CREDIT_LINE_UNFROZEN", borrower_id=borrower.id).count() == 1
    await assert_books_agree()


async def test_an_overpayment_is_refused_with_the_payoff_amount_and_changes_nothing(db):
    borrower = await make_borrower()
    await make_line(borrower)
    loan = await make_loan(borrower, "1200.00", months=12)
    await run_close(10)  # 2026-01-15
    before = await snapshot()
    with pytest.raises(Overpayment) as caught:
        await repay(Repay(borrower.id, loan.id, D("1206.01"), "too-much"))
    # 1,200.00 + 1,200.00 × 0.0005 × 10 days = 1,206.00
    assert caught.value.payoff == D("1206.00")
    assert caught.value.field == "amount"
    assert await snapshot() == before


async def test_an_instalment_loan_settled_early_pays_only_the_days_used(db):
    borrower = await make_borrower()
    line = await make_line(borrower)
    loan = await make_loan(borrower, "1200.00", months=12)
    await run_close(10)  # 2026-01-15, ten days into the first period (priced at 18.00 for the month)
    await loan.refresh_from_db()
    assert (await quote_payoff(loan)).payoff == 120_600  # 1,200.00 + 1,200.00 × 0.0005 × 10 = 1,206.00
    paid = await repay(Repay(borrower.id, loan.id, D("1206.00"), "settle"))
    assert (paid.interest_fen, paid.principal_fen) == (600, 120_000)

    await loan.refresh_from_db()
    assert (loan.status, loan.paid_off_on.isoformat(), loan.outstanding_principal_fen) == ("PAID_OFF", "2026-01-15", 0)
    assert {i.status for i in await installments(loan)} == {"PAID"}
    assert sum(i.interest_fen for i in await installments(loan)) == 600
    assert (await CreditLine.get(id=line.id)).used_fen == 0
    [received] = await events_of(loan, "REPAYMENT_RECEIVED")
    assert received.data["interest"] == "6.00" and received.data["outstandingPrincipal"] == "0.00"
    [paid_off] = await events_of(loan, "LOAN_PAID_OFF")
    assert paid_off.data == {"paidOffOn": "2026-01-15"}
    await assert_books_agree()


async def test_an_overdue_loan_settled_early_pays_the_running_period_from_its_last_due_date(db):
    borrower = await make_borrower()
    await make_line(borrower)
    loan = await make_loan(borrower, "12000.00", months=12)
    await run_close(41)  # 2026-02-15: instalment 1 (due 2026-02-05) is 10 days late
    # Penalty 6.90 (10 days × 0.69) + instalment 1 (180.00 + 920.16) + the 11,079.84 left, with interest
    # for the 10 days since 2026-02-05: 11,079.84 × 0.0005 × 10 = 55.3992 -> 55.40.
    payoff = 690 + 18_000 + 92_016 + 1_107_984 + 5540
    await loan.refresh_from_db()
    assert (await quote_payoff(loan)).payoff == payoff
    await repay(Repay(borrower.id, loan.id, D(payoff) / 100, "settle"))
    await loan.refresh_from_db()
    assert loan.status == "PAID_OFF"
    await assert_books_agree()


async def test_a_daily_interest_loan_repaid_after_ten_days_pays_ten_days_of_interest(db):
    borrower = await make_borrower()
    line = await make_line(borrower)
    loan = await make_loan(borrower, "5000.00", "DAILY_INTEREST", days=30)
    await run_close(10)  # 2026-01-15
    # 5,000.00 × 0.0005 × 10 days = 25.00
    await loan.refresh_from_db()
    assert (await quote_payoff(loan)).payoff == 502_500
    paid = await repay(Repay(borrower.id, loan.id, D("5025.00"), "settle"))
    assert (paid.interest_fen, paid.principal_fen) == (2500, 500_000)

    await loan.refresh_from_db()
    assert (loan.status, loan.interest_receivable_fen, loan.next_due_on) == ("PAID_OFF", 0, None)
    [only] = await installments(loan)
    assert (only.status, only.interest_fen, only.paid_interest_fen) == ("PAID", 2500, 2500)
    assert (await CreditLine.get(id=line.id)).used_fen == 0
    assert len(await events_of(loan, "LOAN_PAID_OFF")) == 1
    # Closing more days changes nothing on a settled loan.
    await run_close(40)
    await loan.refresh_from_db()
    assert (loan.status, loan.dpd, loan.penalty_receivable_fen) == ("PAID_OFF", 0, 0)
    await assert_books_agree()


async def test_a_daily_interest_loan_partly_repaid_accrues_on_what_is_left(db):
    borrower = await make_borrower()
    await make_line(borrower)
    loan = await make_loan(borrower, "5000.00", "DAILY_INTEREST", days=30)
    await run_close(10)
    # 25.00 interest so far, then 2,000.00 of principal.
    await repay(Repay(borrower.id, loan.id, D("2025.00"), "part"))
    await run_close(10)  # 2026-01-25
    # 3,000.00 × 0.0005 × 10 days = 15.00
    await loan.refresh_from_db()
    assert (await quote_payoff(loan)).payoff == 301_500
    await repay(Repay(borrower.id, loan.id, D("3015.00"), "rest"))
    await loan.refresh_from_db()
    assert loan.status == "PAID_OFF"
    await assert_books_agree()


@pytest.mark.parametrize("mode", ["SHORTEN_TERM", "LOWER_INSTALLMENT"])
async def test_a_partial_prepayment_shortens_the_term_or_lowers_the_instalment(db, mode):
    borrower = await make_borrower()
    line = await make_line(borrower)
    loan = await make_loan(borrower, "12000.00", months=12)
    # Instalment 1 (1,100.16: 180.00 interest, 920.16 principal) and 3,000.00 more.
    paid = await repay(Repay(borrower.id, loan.id, D("4100.16"), "prepay", prepayment_mode=mode))
    assert (paid.prepaid_principal_fen, paid.prepayment_mode) == (300_000, mode)
    balance = 12000 - 920.16 - 3000  # 8,079.84 over the 11 due dates left

    schedule = await installments(loan)
    assert schedule[0].status == "PAID"
    after = schedule[1:]
    assert sum(i.principal_fen for i in after) == fen(balance)
    assert [i.number for i in after] == list(range(2, len(after) + 2))
    totals = [i.principal_fen + i.interest_fen for i in after]
    if mode == "SHORTEN_TERM":
        # The instalment stays 1,100.16; nper(1.5%, 1,100.16, 8,079.84) = 7.84 -> 8 instalments.
        assert len(after) == math.ceil(npf.nper(MONTHLY, -1100.16, balance)) == 8
        assert set(totals[:-1]) == {110_016}
        assert totals[-1] < 110_016
    else:
        # Every due date stays; pmt(1.5%, 11, 8,079.84) = 802.2784 -> 802.28.
        assert len(after) == 11
        assert set(totals[:-1]) == {fen(npf.pmt(MONTHLY, 11, -balance))} == {80_228}
        assert abs(totals[-1] - 80_228) <= 2
    # The first new period's interest is on the lower balance: 8,079.84 × 0.015 = 121.1976 -> 121.20.
    assert after[0].interest_fen == 12_120
    await loan.refresh_from_db()
    assert loan.maturity_date == after[-1].due_date
    assert loan.outstanding_principal_fen == fen(balance)
    assert (await CreditLine.get(id=line.id)).used_fen == fen(balance)
    await assert_books_agree()


async def test_repaid_principal_frees_the_limit(db):
    borrower = await make_borrower()
    line = await make_line(borrower, limit="20000.00")
    loan = await make_loan(borrower, "12000.00", months=12)
    assert (await CreditLine.get(id=line.id)).used_fen == 1_200_000
    paid = await repay(Repay(borrower.id, loan.id, D("1100.16"), "first"))
    assert paid.principal_fen == 92_016
    assert (await CreditLine.get(id=line.id)).used_fen == 1_200_000 - 92_016


async def test_a_borrower_cannot_repay_someone_elses_loan(db):
    owner, stranger = await make_borrower("李娜"), await make_borrower("张伟")
    await make_line(owner)
    await make_line(stranger)
    loan = await make_loan(owner, "1000.00", months=6)
    before = await snapshot()
    with pytest.raises(NotAllowed):
        await repay(Repay(stranger.id, loan.id, D("100.00"), "not-mine"))
    with pytest.raises(NotAllowed):
        await repay(Repay(owner.id, loan.id + 1000, D("100.00"), "no-such-loan"))
    assert await snapshot() == before


@pytest.mark.parametrize("amount", ["100.001", "0.00", "-5.00"])
async def test_a_repayment_of_a_malformed_amount_is_refused_and_changes_nothing(db, amount):
    borrower = await make_borrower()
    await make_line(borrower)
    loan = await make_loan(borrower, "1000.00", months=6)
    before = await snapshot()
    with pytest.raises(ValidationFailed) as caught:
        await repay(Repay(borrower.id, loan.id, D(amount), "odd"))
    assert caught.value.field == "amount"
    assert await snapshot() == before


async def test_a_paid_off_loan_takes_no_more_money(db):
    borrower = await make_borrower()
    await make_line(borrower)
    loan = await make_loan(borrower, "1000.00", months=6)
    await repay(Repay(borrower.id, loan.id, D("1000.00"), "settle"))  # same day: no interest used
    before = await snapshot()
    with pytest.raises(ValidationFailed):
        await repay(Repay(borrower.id, loan.id, D("1.00"), "again"))
    assert await snapshot() == before


async def test_two_payoffs_sent_at_once_settle_the_loan_once(db):
    borrower = await make_borrower()
    line = await make_line(borrower)
    loan = await make_loan(borrower, "1000.00", months=6)
    results = await asyncio.gather(
        *(repay(Repay(borrower.id, loan.id, D("1000.00"), f"app-{n}")) for n in range(2)), return_exceptions=True
    )
    assert sorted(type(r).__name__ for r in results) == ["Repayment", "ValidationFailed"]
    assert await Repayment.all().count() == 1
    assert (await CreditLine.get(id=line.id)).used_fen == 0
    await assert_books_agree()
