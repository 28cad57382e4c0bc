"""Ninety business days of a small portfolio: the books still agree with the loans at the end."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from domain.commands import Drawdown, Repay
from domain.errors import InsufficientCredit, LineNotActive
from domain.models import CreditLine, Loan, Repayment
from domain.services.calendar import business_date
from domain.services.cob import run_close
from domain.services.drawdown import drawdown
from domain.services.repay import quote_payoff, repay
from tests.factories import make_borrower, make_line
from tests.integration import assert_books_agree  # noqa: F401 - autouse

BORROWERS = 30
DAYS = 90
OPEN = ("ACTIVE", "OVERDUE", "WRITTEN_OFF")


@dataclass
class Habit:
    # ON_TIME pays what falls due on the day; LATE pays it `lateness` days after; NEVER pays nothing;
    # EARLY pays ahead at random, part or all of what would settle the loan.
    kind: str
    lateness: int = 0
    draw_days: list[int] = field(default_factory=list)


def fen_to_yuan(fen: int) -> Decimal:
    return Decimal(fen) / 100


def a_draw(rng: random.Random, borrower_id: int, key: str) -> Drawdown:
    amount = Decimal(rng.randrange(50, 4000)) + Decimal(rng.randrange(100)) / 100
    method = rng.choice(["DAILY_INTEREST", "EQUAL_INSTALLMENT", "EQUAL_PRINCIPAL"])
    if method == "DAILY_INTEREST":
        return Drawdown(borrower_id, amount, method, key, term_days=rng.choice([7, 14, 30, 45, 60]))
    return Drawdown(borrower_id, amount, method, key, term_months=rng.choice([3, 6, 12]))


async def pay_for_the_day(rng: random.Random, loan: Loan, habit: Habit, today: date, key: str) -> bool:
    """What the borrower pays on this loan today, by habit. True if money was received."""
    if habit.kind == "NEVER":
        return False
    something_due = loan.next_due_on is not None and loan.next_due_on <= today
    if habit.kind == "ON_TIME" and not something_due:
        return False
    if habit.kind == "LATE" and loan.dpd < habit.lateness:
        return False
    if habit.kind == "EARLY" and not loan.dpd and rng.random() >= 0.1:
        return False
    dues = await quote_payoff(loan, today=today)
    overdue = dues.owed["penalty"] + sum(v for k, v in dues.owed.items() if k.startswith("overdue_"))
    falling_due = dues.current is not None and dues.current.due_date == today
    amount = 0
    if habit.kind == "ON_TIME" and (falling_due or overdue):
        amount = dues.due_now if falling_due else overdue
    elif habit.kind == "LATE":
        amount = overdue
    elif habit.kind == "EARLY":
        amount = dues.payoff if rng.random() < 0.3 else rng.randint(max(overdue, 1), dues.payoff)
    if amount <= 0:
        return False
    mode = rng.choice(["SHORTEN_TERM", "LOWER_INSTALLMENT"])
    await repay(Repay(loan.borrower_id, loan.id, fen_to_yuan(amount), key, prepayment_mode=mode))
    return True


async def test_ninety_days_of_draws_repayments_and_closes_leave_the_ledger_agreeing_with_the_loans(db):
    rng = random.Random(20260105)
    habits: dict[int, Habit] = {}
    for n in range(BORROWERS):
        borrower = await make_borrower(n=500 + n)
        await make_line(borrower, limit=f"{rng.randrange(5, 31) * 1000}.00",
                        rate=f"0.000{rng.choice([2, 3, 4, 5])}")
        kind = rng.choices(["ON_TIME", "LATE", "NEVER", "EARLY"], weights=[4, 3, 1, 3])[0]
        habits[borrower.id] = Habit(kind, lateness=rng.choice([2, 5, 12, 40]),
                                    draw_days=sorted(rng.sample(range(DAYS - 10), rng.randint(1, 3))))

    draws = refused = payments = 0
    for day in range(DAYS):
        today = await business_date()
        for borrower_id, habit in habits.items():
            if day in habit.draw_days:
                try:
                    await drawdown(a_draw(rng, borrower_id, f"d-{borrower_id}-{day}"))
                    draws += 1
                except (InsufficientCredit, LineNotActive):
                    refused += 1
        for loan in await Loan.filter(status__in=OPEN).order_by("id"):
            payments += await pay_for_the_day(rng, loan, habits[loan.borrower_id], today, f"r-{loan.id}-{day}")
        await run_close(1)
        if day % 30 == 29:
            await assert_books_agree()

    statuses = {loan.status for loan in await Loan.all()}
    # The simulation reached the states that matter, so agreement is not by emptiness.
    assert {"ACTIVE", "OVERDUE", "PAID_OFF"} <= statuses
    assert draws > 40 and payments > 30
    assert await Repayment.filter(prepaid_principal_fen__gt=0).exists()
    assert await Loan.filter(penalty_receivable_fen__gt=0).exists()
    assert await CreditLine.filter(status="FROZEN").exists()
    await assert_books_agree()
