"""Re-scoring a borrower: a score-history row and a SCORE_UPDATED event, in one transaction."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from tortoise.transactions import in_transaction

from domain.errors import NotFound, ValidationFailed
from domain.models import CreditApplication, Event, Installment, ScoreRecord
from domain.services import model_registry, scoring
from tests.factories import make_borrower, make_line, make_loan

pytestmark = pytest.mark.db


@pytest.fixture(autouse=True)
def fresh_process():
    model_registry.forget()
    scoring.forget()
    yield
    model_registry.forget()
    scoring.forget()


async def test_rescoring_appends_a_history_row_and_a_score_updated_event(db):
    borrower = await make_borrower()
    first = await scoring.score_borrower(borrower.id, "REPAYMENT_RECEIVED")
    second = await scoring.score_borrower(borrower.id, "LOAN_PAID_OFF")
    history = await ScoreRecord.filter(borrower_id=borrower.id).order_by("id")
    assert [(r.score, r.reason, r.model_version) for r in history] == [
        (first.score, "REPAYMENT_RECEIVED", "v1"), (second.score, "LOAN_PAID_OFF", "v1")]
    assert 350 <= first.score <= 950 and 0.0 < history[0].pd < 1.0
    events = await Event.filter(type="SCORE_UPDATED", borrower_id=borrower.id).order_by("id")
    assert [e.data["reason"] for e in events] == ["REPAYMENT_RECEIVED", "LOAN_PAID_OFF"]
    assert events[0].data["previousScore"] is None
    assert events[1].data["previousScore"] == first.score
    assert events[1].data["modelVersion"] == "v1"


async def test_behaviour_on_the_platform_reaches_the_features(db):
    borrower = await make_borrower()
    await make_line(borrower, limit="20000.00")
    loan = await make_loan(borrower, "5000.00")  # drawn on 2026-01-05; instalments due on the 5th
    due = {i.number: i.due_date for i in await Installment.filter(loan_id=loan.id)}
    await Installment.filter(loan_id=loan.id, number__in=[1, 2]).update(status="PAID")
    for n in (1, 2):
        await Installment.filter(loan_id=loan.id, number=n).update(paid_on=due[n])
    await Installment.filter(loan_id=loan.id, number=3).update(status="PAID", paid_on=date(2026, 4, 15))
    await scoring.score_borrower(borrower.id, "CHECK", today=date(2026, 6, 1))
    f = (await ScoreRecord.get(borrower_id=borrower.id)).features
    # As of 1 June: instalments 1-2 paid on their due dates; 3 (due 5 Apr) paid 10 days late; 4 (due 5 May)
    # unpaid, 27 days late. 5,000 used of 20,000. Line opened 5 Jan: four whole months. No draw since 2 May.
    assert due[3] == date(2026, 4, 5) and due[4] == date(2026, 5, 5)
    assert (f["on_time_instalments"], f["late_instalments"], f["worst_dpd"]) == (2.0, 2.0, 27.0)
    assert (f["utilisation"], f["tenure_months"], f["recent_draws"]) == (0.25, 4.0, 0.0)
    assert f["age"] == 34.0  # born 14 March 1992


async def test_the_application_on_file_feeds_every_later_score(db):
    borrower = await make_borrower()
    await CreditApplication.create(
        borrower_id=borrower.id, monthly_income_fen=800_000, employment_type="SALARIED", employment_months=30,
        housing="RENT", monthly_debt_payments_fen=200_000, purpose="装修", device_id="d-1", id_number_hash="h",
        phone_hash="p", name_hash="n", age=33, business_date=date(2026, 1, 5), created_at=datetime.now(UTC),
        bureau={"account_status": "HEALTHY", "savings": "LOW", "credit_history": "CURRENT_ON_TIME",
                "other_instalment_plans": "NONE", "open_credits": 2, "outstanding_debt": "24000.00",
                "debt_term_months": 12})
    await scoring.score_borrower(borrower.id, "CHECK")
    f = (await ScoreRecord.get(borrower_id=borrower.id)).features
    assert (f["monthly_income"], f["debt_to_income"], f["purpose"], f["account_status"]) == (
        8000.0, 0.25, "HOME", "HEALTHY")
    assert f["debt_amount"] == 24000.0


async def test_many_borrowers_are_rescored_together_and_unknown_ones_skipped(db):
    a, b = await make_borrower(), await make_borrower()
    results = await scoring.score_borrowers([b.id, a.id, 987_654], "CLOSE_OF_BUSINESS")
    assert sorted(r.borrower_id for r in results) == sorted([a.id, b.id])
    assert await ScoreRecord.all().count() == 2
    assert await Event.filter(type="SCORE_UPDATED").count() == 2


async def test_scoring_an_unknown_borrower_is_refused_and_writes_nothing(db):
    with pytest.raises(NotFound):
        await scoring.score_borrower(987_654, "CHECK")
    with pytest.raises(ValidationFailed):
        await scoring.score_borrower(1, "")
    assert await ScoreRecord.all().count() == 0
    assert await Event.filter(type="SCORE_UPDATED").count() == 0


async def test_a_decision_records_its_score_inside_its_own_transaction(db):
    borrower = await make_borrower()

    class Abort(Exception):
        pass

    with pytest.raises(Abort):
        async with in_transaction() as tx:
            await scoring.record_score(borrower.id, features={"age": 30.0}, pd=0.1, score=640, model_version="v1",
                                       reason="APPLICATION", today=date(2026, 1, 5), using_db=tx)
            raise Abort
    assert await ScoreRecord.all().count() == 0
    result = await scoring.record_score(borrower.id, features={"age": 30.0}, pd=0.1, score=640, model_version="v1",
                                        reason="APPLICATION", today=date(2026, 1, 5))
    assert result.score == 640
    assert (await Event.get(type="SCORE_UPDATED")).data["score"] == 640
    assert Decimal(str((await ScoreRecord.get()).pd)) == Decimal("0.1")


async def test_a_score_off_the_scale_or_a_pd_outside_zero_to_one_is_refused(db):
    borrower = await make_borrower()
    with pytest.raises(ValidationFailed):
        await scoring.record_score(borrower.id, features={}, pd=1.2, score=640, model_version="v1",
                                   reason="APPLICATION", today=date(2026, 1, 5))
    with pytest.raises(ValidationFailed):
        await scoring.record_score(borrower.id, features={}, pd=0.1, score=990, model_version="v1",
                                   reason="APPLICATION", today=date(2026, 1, 5))
    assert await ScoreRecord.all().count() == 0
