"""The limit refresh and the model's updates, run as jobs: what they change."""

from __future__ import annotations

from domain.models import CreditLine, Installment, LearnedOutcome, ScoreRecord
from domain.services.calendar import set_business_date
from tests.factories import make_borrower, make_line, make_loan
from tests.integration._credit import champion  # noqa: F401 - autouse: the model's first version
from workers.jobs.learning import RESCORE_REASON, learn_outcomes
from workers.jobs.limits import refresh_limits


async def three_instalments_paid_on_time():
    borrower = await make_borrower()
    line = await make_line(borrower, limit="10000.00", rate="0.0005")
    loan = await make_loan(borrower, "3000.00", months=3)
    for inst in await Installment.filter(loan_id=loan.id):
        inst.status, inst.paid_on = "PAID", inst.due_date
        inst.paid_principal_fen, inst.paid_interest_fen = inst.principal_fen, inst.interest_fen
        await inst.save()
    last = await Installment.get(loan_id=loan.id, number=3)
    await set_business_date(last.due_date)
    return borrower, line, loan


async def test_the_limit_job_raises_a_line_after_three_instalments_paid_on_time(db, ctx):
    _, line, _ = await three_instalments_paid_on_time()
    assert await refresh_limits(ctx) == {"changed": 1}
    # 10,000.00 x 1.20 = 12,000.00 CNY.
    assert (await CreditLine.get(id=line.id)).limit_fen == 1_200_000
    assert await refresh_limits(ctx) == {"changed": 0}


async def test_the_learning_job_learns_each_matured_outcome_once_and_rescores_the_borrower(db, ctx):
    borrower, _, loan = await three_instalments_paid_on_time()
    assert await learn_outcomes(ctx, [borrower.id]) == {"learnt": 1, "rescored": 1}
    assert [o.kind for o in await LearnedOutcome.filter(loan_id=loan.id)] == ["GOOD"]
    assert await ScoreRecord.filter(borrower_id=borrower.id, reason=RESCORE_REASON).count() == 1
    assert (await learn_outcomes(ctx, []))["learnt"] == 0
