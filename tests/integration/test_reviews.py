"""The review queue: staff approve or decline what the engine could not, and every such
decision is recorded, evented and chained under the reviewer's name."""

from __future__ import annotations

from decimal import Decimal

import httpx
import pytest

from domain import audit
from domain.bureau import HttpBureau
from domain.commands import ApplyForCredit
from domain.errors import NotAllowed, ValidationFailed
from domain.models import AuditBlock, CreditApplication, CreditLine, Event
from domain.services.decisions import apply_for_credit
from domain.services.reviews import approve_application, decline_application, review_queue
from tests.factories import make_borrower
from tests.integration._credit import champion, good  # noqa: F401 - autouse


def _down(request: httpx.Request) -> httpx.Response:
    raise httpx.ConnectError("refused", request=request)


DOWN = HttpBureau("http://bureau.invalid/r", transport=httpx.MockTransport(_down))


async def in_review(income: str = "15000.00") -> CreditApplication:
    """A good applicant sent to review because the bureau was down (the policy's terms still offered)."""
    borrower = await make_borrower()
    decision = await apply_for_credit(good(borrower.id, device=f"device-{borrower.id}", monthly_income=Decimal(income)),
                                      bureau=DOWN)
    assert decision.outcome == "REVIEW"
    return await CreditApplication.get(id=decision.application_id)


async def test_the_queue_lists_applications_waiting_for_review_oldest_first(db):
    first, second = await in_review(), await in_review()
    borrower = await make_borrower()
    await apply_for_credit(ApplyForCredit(borrower.id, Decimal("4000.00"), "OTHER", 2, "RENT", Decimal("3000.00"),
                                          "cash", "device-x", None), bureau=DOWN)  # declined outright

    queue = await review_queue()

    assert [a.id for a in queue] == [first.id, second.id]
    assert [a.id for a in await review_queue(after_id=first.id)] == [second.id]


async def test_approving_at_the_policys_offer_opens_the_line_and_is_chained_as_a_manual_override(db):
    app = await in_review()

    decision = await approve_application(app.id, staff="risk.li", note="called employer, income confirmed")

    assert decision.outcome == "APPROVED"
    line = await CreditLine.get(borrower_id=app.borrower_id)
    assert (line.limit_fen, line.daily_rate_ppm) == (app.offered_limit_fen, app.offered_rate_ppm)
    app = await CreditApplication.get(id=app.id)
    assert (app.outcome, app.reviewer, app.credit_line_id) == ("APPROVED", "risk.li", line.id)
    assert app.review_note == "called employer, income confirmed" and app.reviewed_at is not None
    outcomes = [e.data["outcome"] for e in await Event.filter(type="CREDIT_DECISION").order_by("id")]
    assert outcomes == ["REVIEW", "APPROVED"]
    block = await AuditBlock.get(kind="MANUAL_OVERRIDE")
    payload = audit.payload_of(block)
    assert (payload["actor"], payload["outcome"], payload["previousOutcome"]) == ("risk.li", "APPROVED", "REVIEW")
    assert (await audit.verify_chain()).ok


async def test_a_reviewer_may_approve_at_their_own_terms_within_the_bounds(db):
    app = await in_review()
    await approve_application(app.id, staff="risk.li", limit=Decimal("3000.00"), daily_rate=Decimal("0.00045"))

    line = await CreditLine.get(borrower_id=app.borrower_id)
    assert (line.limit_fen, line.daily_rate_ppm) == (300_000, 450)


async def test_a_reviewer_cannot_approve_more_than_a_third_of_annual_income(db):
    # 6,000 a month: 72,000 a year, a third of it 24,000.
    app = await in_review(income="6000.00")
    with pytest.raises(ValidationFailed):
        await approve_application(app.id, staff="risk.li", limit=Decimal("24100.00"), daily_rate=Decimal("0.0004"))
    with pytest.raises(ValidationFailed):
        await approve_application(app.id, staff="risk.li", limit=Decimal("5000.00"), daily_rate=Decimal("0.0009"))

    assert (await CreditApplication.get(id=app.id)).outcome == "REVIEW"
    assert not await CreditLine.exists(borrower_id=app.borrower_id)
    assert await AuditBlock.filter(kind="MANUAL_OVERRIDE").count() == 0


async def test_declining_records_the_reviewers_reason_and_opens_nothing(db):
    app = await in_review()

    decision = await decline_application(app.id, staff="risk.wang", reason="income_not_verified",
                                         note="payslip was edited")

    assert decision.outcome == "DECLINED"
    assert decision.reasons[0] == "BUREAU_UNAVAILABLE" and decision.reasons[-1] == "INCOME_NOT_VERIFIED"
    app = await CreditApplication.get(id=app.id)
    assert (app.outcome, app.reviewer) == ("DECLINED", "risk.wang")
    assert not await CreditLine.exists(borrower_id=app.borrower_id)
    payload = audit.payload_of(await AuditBlock.get(kind="MANUAL_OVERRIDE"))
    assert (payload["actor"], payload["outcome"]) == ("risk.wang", "DECLINED")


async def test_a_decided_application_cannot_be_reviewed_again(db):
    app = await in_review()
    await decline_application(app.id, staff="risk.wang", reason="FRAUD_CONFIRMED")

    with pytest.raises(NotAllowed):
        await approve_application(app.id, staff="risk.li")
    with pytest.raises(NotAllowed):
        await decline_application(app.id, staff="risk.li", reason="DUPLICATE")


async def test_a_review_needs_a_staff_user_and_a_reason_code(db):
    app = await in_review()
    with pytest.raises(ValidationFailed):
        await decline_application(app.id, staff=" ", reason="FRAUD_CONFIRMED")
    with pytest.raises(ValidationFailed):
        await decline_application(app.id, staff="risk.li", reason="not a code!")
    assert (await CreditApplication.get(id=app.id)).outcome == "REVIEW"
