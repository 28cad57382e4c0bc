"""Whatever borrowers do, the ledger balances and agrees with the loans (hypothesis)."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.commands import Drawdown, Repay
from domain.errors import InsufficientCredit, LineNotActive
from domain.models import Loan
from domain.services.cob import run_close
from domain.services.drawdown import drawdown
from domain.services.repay import quote_payoff, repay
from domain.settings import load_settings
from tests.factories import make_borrower, make_line
from tests.integration import assert_books_agree, reset_database  # noqa: F401 - autouse

BORROWERS = 3
# Write-off comes after 30 days past due here rather than 180, so that short sequences reach it.
SETTINGS = load_settings({}, write_off_dpd=30)

draws = st.tuples(
    st.just("draw"),
    st.integers(0, BORROWERS - 1),
    st.integers(5_000, 600_000),  # fen: 50.00 to 6,000.00
    st.sampled_from([("DAILY_INTEREST", None, 10), ("DAILY_INTEREST", None, 45), ("DAILY_INTEREST", 3, None),
                     ("EQUAL_INSTALLMENT", 3, None), ("EQUAL_INSTALLMENT", 12, None),
                     ("EQUAL_PRINCIPAL", 6, None)]),
)
repayments = st.tuples(
    st.just("repay"),
    st.integers(0, 50),  # which open loan, modulo their number
    st.sampled_from(["due", "payoff", "part"]),
    st.integers(1, 99),  # for "part": this percent of what settles the loan
    st.sampled_from(["SHORTEN_TERM", "LOWER_INSTALLMENT"]),
)
closes = st.tuples(st.just("close"), st.sampled_from([1, 3, 5, 20, 45]))
steps = st.lists(st.one_of(draws, repayments, closes), min_size=1, max_size=10)


async def apply(step: tuple, borrowers: list[int], n: int) -> None:
    kind = step[0]
    if kind == "draw":
        _, who, amount, (method, months, days) = step
        try:
            await drawdown(Drawdown(borrowers[who], Decimal(amount) / 100, method, f"d-{n}",
                                    term_months=months, term_days=days), settings=SETTINGS)
        except (InsufficientCredit, LineNotActive):
            pass
    elif kind == "repay":
        _, pick, how, percent, mode = step
        open_loans = list(await Loan.filter(status__in=("ACTIVE", "OVERDUE", "WRITTEN_OFF")).order_by("id"))
        if not open_loans:
            return
        loan = open_loans[pick % len(open_loans)]
        dues = await quote_payoff(loan)
        amount = {"due": dues.due_now, "payoff": dues.payoff, "part": dues.payoff * percent // 100}[how]
        amount = min(amount, dues.payoff)
        if amount > 0:
            await repay(Repay(loan.borrower_id, loan.id, Decimal(amount) / 100, f"r-{n}", prepayment_mode=mode),
                        settings=SETTINGS)
    else:
        await run_close(step[1], settings=SETTINGS)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=steps)
async def test_after_any_draws_repayments_and_closes_the_ledger_balances_and_agrees_with_the_loans(db, steps):
    await reset_database(db)
    borrowers = []
    for n in range(BORROWERS):
        borrower = await make_borrower(n=700 + n)
        await make_line(borrower, limit="10000.00")
        borrowers.append(borrower.id)
    for n, step in enumerate(steps):
        await apply(step, borrowers, n)
    await assert_books_agree()
