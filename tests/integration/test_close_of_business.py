"""Close of business: dues, days past due, penalty interest, classification, freezing, write-off.

Loans here run at 0.05% a day (1.5% a month, 30/360), drawn on the first business date,
2026-01-05. Penalty is 1.5 × 0.05% = 0.075% of the overdue principal a day, rounded to the fen
each day, counted from the due date once the 3-day grace has passed."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from tortoise.transactions import in_transaction

from domain.commands import Repay
from domain.models import CreditLine, Event, Installment, Loan
from domain.services import ledger
from domain.services.calendar import business_date
from domain.services.cob import close_business_day, close_loans, run_close
from domain.services.repay import quote_payoff, repay
from domain.settings import get_settings
from tests.factories import make_borrower, make_line, make_loan
from tests.integration import assert_books_agree, snapshot  # noqa: F401 - autouse

D = Decimal


async def close_until(day: date) -> None:
    """Run close of business until the business date is `day`."""
    await run_close((day - await business_date()).days)
    assert await business_date() == day


async def fresh(loan: Loan) -> Loan:
    await loan.refresh_from_db()
    return loan


async def test_an_instalment_falls_due_on_its_date_and_its_interest_is_recognised(db):
    borrower = await make_borrower()
    await make_line(borrower)
    loan = await make_loan(borrower, "12000.00", months=12)
    await close_until(date(2026, 2, 4))
    first = await Installment.get(loan_id=loan.id, number=1)
    assert first.status == "PENDING"
    assert (await fresh(loan)).interest_receivable_fen == 0

    await close_until(date(2026, 2, 5))
    await first.refresh_from_db()
    assert first.status == "DUE"
    loan = await fresh(loan)
    # Instalment 1's interest: 12,000.00 × 0.015 = 180.00, recognised on its due date.
    assert (loan.interest_receivable_fen, loan.dpd, loan.status, loan.classification) == (18_000, 0, "ACTIVE",
                                                                                          "NORMAL")
    books = await ledger.balances()
    assert (books["INTEREST_RECEIVABLE"], books["INTEREST_INCOME"]) == (18_000, 18_000)
    await assert_books_agree()


async def test_a_loan_turns_overdue_after_the_grace_period_and_penalty_runs_from_the_due_date(db):
    borrower = await make_borrower()
    line = await make_line(borrower)
    loan = await make_loan(borrower, "12000.00", months=12)  # instalment 1: 920.16 principal, due 2026-02-05

    await close_until(date(2026, 2, 8))  # 3 days past due: still within grace
    loan = await fresh(loan)
    assert (loan.status, loan.dpd, loan.penalty_receivable_fen) == ("ACTIVE", 3, 0)
    assert loan.classification == "SPECIAL_MENTION"
    assert loan.overdue_principal_fen == 92_016
    assert (await CreditLine.get(id=line.id)).status == "ACTIVE"

    await close_until(date(2026, 2, 9))  # 4 days: past grace
    loan = await fresh(loan)
    assert (loan.status, loan.dpd) == ("OVERDUE", 4)
    # round(920.16 × 0.00075) = round(0.69012) = 0.69 a day, for the 4 days since the due date.
    assert loan.penalty_receivable_fen == 4 * 69
    assert (await Installment.get(loan_id=loan.id, number=1)).status == "OVERDUE"
    line = await CreditLine.get(id=line.id)
    assert (line.status, line.frozen_reason) == ("FROZEN", "OVERDUE")
    assert await Event.filter(type="LOAN_OVERDUE", loan_id=loan.id).count() == 1
    assert await Event.filter(type="CREDIT_LINE_FROZEN", borrower_id=borrower.id).count() == 1

    await close_until(date(2026, 3, 5))  # 28 days past due (February 2026 has 28 days)
    assert (await fresh(loan)).penalty_receivable_fen == 28 * 69
    await close_until(date(2026, 3, 10))
    loan = await fresh(loan)
    # Instalment 2 (933.96 principal) is overdue from 2026-03-06: overdue principal 1,854.12,
    # round(1,854.12 × 0.00075) = round(1.39059) = 1.39 a day for 5 more days.
    assert loan.overdue_principal_fen == 92_016 + 93_396
    assert loan.penalty_receivable_fen == 28 * 69 + 5 * 139 == 2627
    assert loan.dpd == 33
    await assert_books_agree()

    # Repaying everything overdue cures the loan and thaws the line.
    dues = await quote_payoff(loan)
    overdue = sum(v for k, v in dues.owed.items() if k == "penalty" or k.startswith("overdue_"))
    await repay(Repay(borrower.id, loan.id, D(overdue) / 100, "catch-up"))
    loan = await fresh(loan)
    assert (loan.status, loan.dpd, loan.classification, loan.penalty_receivable_fen) == ("ACTIVE", 0, "NORMAL", 0)
    line = await CreditLine.get(id=line.id)
    assert (line.status, line.frozen_reason) == ("ACTIVE", None)
    await close_until(date(2026, 3, 12))
    assert (await CreditLine.get(id=line.id)).status == "ACTIVE"
    await assert_books_agree()


async def test_the_overdue_event_reports_the_overdue_principal(db):
    borrower = await make_borrower()
    await make_line(borrower)
    loan = await make_loan(borrower, "12000.00", months=12)
    await close_until(date(2026, 2, 9))
    [event] = await Event.filter(type="LOAN_OVERDUE", loan_id=loan.id)
    # Only instalment 1's principal is overdue, not the 12,000.00 still outstanding.
    assert event.data == {"daysPastDue": 4, "overduePrincipal": "920.16"}


async def test_a_loan_repaid_within_grace_owes_no_penalty(db):
    borrower = await make_borrower()
    await make_line(borrower)
    loan = await make_loan(borrower, "1200.00", months=3)
    await close_until(date(2026, 2, 8))  # 3 days late
    dues = await quote_payoff(await fresh(loan))
    assert dues.owed["penalty"] == 0
    await repay(Repay(borrower.id, loan.id, D(dues.due_now) / 100, "late-but-in-grace"))
    await close_until(date(2026, 2, 12))
    loan = await fresh(loan)
    assert (loan.status, loan.dpd, loan.penalty_receivable_fen) == ("ACTIVE", 0, 0)
    assert await Event.filter(type="LOAN_OVERDUE").count() == 0
    await assert_books_agree()


async def test_a_loan_is_classified_by_days_past_due_and_written_off_after_180(db):
    borrower = await make_borrower()
    line = await make_line(borrower)
    written = await make_loan(borrower, "5000.00", "DAILY_INTEREST", days=30)  # due 2026-02-04
    other = await make_loan(borrower, "1200.00", months=12)  # first due 2026-02-05
    due = date(2026, 2, 4)

    await close_until(due + timedelta(days=90))
    assert ((await fresh(written)).classification, written.status) == ("SPECIAL_MENTION", "OVERDUE")
    await close_until(due + timedelta(days=91))
    assert (await fresh(written)).classification == "SUBSTANDARD"
    moves = [e.data for e in await Event.filter(type="LOAN_CLASSIFIED", loan_id=written.id).order_by("id")]
    assert moves == [{"from": "NORMAL", "to": "SPECIAL_MENTION", "daysPastDue": 1},
                     {"from": "SPECIAL_MENTION", "to": "SUBSTANDARD", "daysPastDue": 91}]

    await close_until(due + timedelta(days=180))
    assert (await fresh(written)).status == "OVERDUE"
    await close_until(due + timedelta(days=181))  # 2026-08-04
    written = await fresh(written)
    assert (written.status, written.dpd, written.written_off_on) == ("WRITTEN_OFF", 181, date(2026, 8, 4))
    # Interest 5,000.00 × 0.0005 × 30 = 75.00, none after the due date; penalty
    # 5,000.00 × 0.00075 = 3.75 a day for 181 days = 678.75.
    assert (written.interest_receivable_fen, written.penalty_receivable_fen) == (7500, 67_875)
    books = await ledger.balances()
    assert books["CREDIT_LOSS"] == 500_000 + 7500 + 67_875
    other = await fresh(other)
    assert books["LOANS_RECEIVABLE"] == other.outstanding_principal_fen
    assert books["INTEREST_RECEIVABLE"] == other.interest_receivable_fen
    assert books["PENALTY_RECEIVABLE"] == other.penalty_receivable_fen
    assert await Event.filter(type="LOAN_WRITTEN_OFF", loan_id=written.id).count() == 1
    await assert_books_agree()

    # Catching up on the other loan does not thaw a line that carries a written-off loan.
    dues = await quote_payoff(other)
    overdue = sum(v for k, v in dues.owed.items() if k == "penalty" or k.startswith("overdue_"))
    await repay(Repay(borrower.id, other.id, D(overdue) / 100, "catch-up"))
    assert ((await fresh(other)).status, other.dpd) == ("ACTIVE", 0)
    assert (await CreditLine.get(id=line.id)).status == "FROZEN"

    # Money later received on the written-off loan is a recovery, and settling it thaws the line.
    await repay(Repay(borrower.id, written.id, D("5753.75"), "recovery"))
    assert (await fresh(written)).status == "PAID_OFF"
    books = await ledger.balances()
    assert books["RECOVERY_INCOME"] == 575_375
    line = await CreditLine.get(id=line.id)
    assert (line.status, line.used_fen) == ("ACTIVE", other.outstanding_principal_fen)
    await assert_books_agree()


async def portfolio_with_every_state() -> None:
    """Loans of each method, current and overdue, some part-repaid."""
    for n, (amount, method, months, days) in enumerate([
        ("1000.00", "DAILY_INTEREST", None, 20),
        ("3000.00", "EQUAL_INSTALLMENT", 3, None),
        ("2400.00", "EQUAL_PRINCIPAL", 6, None),
        ("800.00", "DAILY_INTEREST", None, 60),
    ]):
        borrower = await make_borrower(n=900 + n)
        await make_line(borrower)
        loan = await make_loan(borrower, amount, method, months=months, days=days)
        if n == 3:
            await repay(Repay(borrower.id, loan.id, D("300.00"), "part"))
    await close_until(date(2026, 2, 10))


async def test_closing_the_same_date_twice_changes_nothing_the_second_time(db):
    await portfolio_with_every_state()
    today = await business_date()
    first = await close_business_day(expected=today)
    assert not first.skipped and first.new_date == today + timedelta(days=1)
    after_first = await snapshot()
    again = await close_business_day(expected=today)
    assert again.skipped
    assert await snapshot() == after_first
    await assert_books_agree()


async def test_running_the_loan_close_again_for_a_date_already_closed_changes_nothing(db):
    await portfolio_with_every_state()
    before = await snapshot()
    async with in_transaction() as tx:
        stats = await close_loans(tx, await business_date(), get_settings())
    assert stats["loans_closed"] == 0
    assert await snapshot() == before


async def test_a_close_that_stopped_after_some_loans_finishes_the_rest_without_counting_twice(db):
    twins = []
    for n in (1, 2):
        borrower = await make_borrower(n=800 + n)
        await make_line(borrower)
        twins.append(await make_loan(borrower, "2000.00", "DAILY_INTEREST", days=10))
    await close_until(date(2026, 1, 19))  # 4 days past due tomorrow
    # The first loan's share of tomorrow's close was committed before the run stopped.
    async with in_transaction() as tx:
        await close_loans(tx, date(2026, 1, 20), get_settings(), lo=twins[0].id, hi=twins[0].id)
    await close_business_day(expected=date(2026, 1, 19))
    first, second = [await fresh(loan) for loan in twins]
    assert (first.dpd, first.penalty_receivable_fen, first.interest_receivable_fen, first.status) == (
        second.dpd, second.penalty_receivable_fen, second.interest_receivable_fen, second.status)
    # 2,000.00 × 0.00075 = 1.50 a day for the 5 days since 2026-01-15.
    assert second.penalty_receivable_fen == 750
    await assert_books_agree()
