"""The dashboard's figures against a portfolio small enough to add up by hand."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from domain.commands import Repay
from domain.models import Loan, ScoreRecord
from domain.services import portfolio
from domain.services.calendar import utcnow
from domain.services.repay import quote_payoff, repay
from tests.factories import make_borrower, make_line, make_loan

JAN5 = date(2026, 1, 5)


async def test_the_dashboard_adds_up_a_hand_made_portfolio(db):
    a, b, c, d = [await make_borrower(name) for name in ("甲一", "乙二", "丙三", "丁四")]
    for who in (a, b, c, d):
        await make_line(who, "20000.00")
    await make_loan(a, "1000.00", months=3)
    loan_b = await make_loan(b, "2000.00", months=3)
    loan_c = await make_loan(c, "500.00", "DAILY_INTEREST", days=30)
    loan_d = await make_loan(d, "500.00", "DAILY_INTEREST", days=30)
    # D settles the same day; B and C are made late by hand: 45 and 95 days past due.
    payoff = await quote_payoff(loan_d)
    await repay(Repay(d.id, loan_d.id, Decimal(payoff.payoff) / 100, "settle-d"))
    await Loan.filter(id=loan_b.id).update(dpd=45, status="OVERDUE", classification="SPECIAL_MENTION")
    await Loan.filter(id=loan_c.id).update(dpd=95, status="OVERDUE", classification="SUBSTANDARD")
    for who, score in ((a, 612), (a, 655), (b, 540), (c, 951)):
        await ScoreRecord.create(borrower_id=who.id, score=score, pd=0.05, model_version="v1", reason="TEST",
                                 business_date=JAN5, at=utcnow())

    board = await portfolio.dashboard()

    # Open: A 1,000 + B 2,000 + C 500 = 3,500.00 in three loans; D is paid off.
    assert (board.open_loans, board.outstanding_fen, board.overdue_loans) == (3, 350_000, 2)
    assert (board.borrowers, board.borrowers_with_loans, board.lines, board.limit_fen) == (4, 3, 4, 8_000_000)
    buckets = {x.key: (x.count, x.amount_fen) for x in board.dpd}
    assert buckets == {"CURRENT": (1, 100_000), "M1": (0, 0), "M2": (1, 200_000), "M3": (0, 0),
                       "M3_PLUS": (1, 50_000)}
    classes = {x.key: (x.count, x.amount_fen) for x in board.classes}
    assert classes["NORMAL"] == (1, 100_000) and classes["SPECIAL_MENTION"] == (1, 200_000)
    assert classes["SUBSTANDARD"] == (1, 50_000) and classes["LOSS"] == (0, 0)
    # Past due: 2,000 + 500 of 3,500 = 0.714285... -> 714,285 parts per million.
    assert board.overdue_rate_ppm == 714_285
    # Thirty business days ending today; everything happened today.
    assert len(board.flows) == 30 and board.flows[0].day == JAN5 - timedelta(days=29)
    today = board.flows[-1]
    assert (today.day, today.disbursed_count, today.disbursed_fen) == (JAN5, 4, 400_000)
    assert (today.repaid_count, today.repaid_fen) == (1, payoff.payoff)
    assert sum(f.disbursed_fen for f in board.flows[:-1]) == 0
    # Latest score per borrower: A 655 (band 650), B 540 (500), C 951 (kept in the top band, 900).
    bands = dict(board.scores)
    assert (bands[500], bands[650], bands[900]) == (1, 1, 1) and sum(bands.values()) == 3


async def test_with_no_scores_the_distribution_is_absent_not_zero(db):
    assert (await portfolio.dashboard()).scores is None
