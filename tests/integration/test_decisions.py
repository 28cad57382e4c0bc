"""Applying for a credit line: good, bad, fraudulent and student applicants, and a bureau that
is down. Each profile gets the outcome and the reasons a credit officer would expect."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import date, timedelta
from decimal import Decimal

import httpx
import pytest

from domain import audit, fraud
from domain.bureau import BureauReport, HttpBureau, simulated_report
from domain.commands import ApplyForCredit, Guardian
from domain.crypto import cipher_for
from domain.errors import NotAllowed, ValidationFailed
from domain.models import AuditBlock, CreditApplication, CreditLine, Event, ScoreRecord
from domain.services.calendar import utcnow
from domain.services.decisions import apply_for_credit
from domain.settings import load_settings
from tests._database import START
from tests.factories import id_number_for, make_borrower, phone_for
from tests.integration import counts  # noqa: F401 - autouse
from tests.integration._credit import StubBureau, champion, good, over_indebted  # noqa: F401 - autouse


async def test_a_good_applicant_is_approved_with_a_line_inside_the_product_bounds(db):
    borrower = await make_borrower()
    decision = await apply_for_credit(good(borrower.id), bureau=StubBureau())

    assert decision.outcome == "APPROVED" and decision.reasons == []
    assert 350 <= decision.score <= 950
    line = await CreditLine.get(borrower_id=borrower.id)
    assert decision.credit_line.id == line.id
    # Initial limit 500-30,000 and at most a third of annual income (15,000 x 12 / 3 = 60,000).
    assert 50_000 <= line.limit_fen <= 3_000_000
    assert 200 <= line.daily_rate_ppm <= 500
    app = await CreditApplication.get(id=decision.application_id)
    assert (app.outcome, app.credit_line_id, app.bureau["delinquencies"]) == ("APPROVED", line.id, 0)
    event = await Event.get(type="CREDIT_DECISION", borrower_id=borrower.id)
    assert event.data["outcome"] == "APPROVED" and event.data["creditLineId"] == line.id
    block = await AuditBlock.get(kind="CREDIT_DECISION")
    assert audit.payload_of(block)["applicationId"] == app.id
    assert (await audit.verify_chain()).ok


async def test_an_over_indebted_applicant_is_declined_for_debt_to_income(db):
    borrower = await make_borrower()
    decision = await apply_for_credit(over_indebted(borrower.id), bureau=StubBureau())

    assert decision.outcome == "DECLINED"
    assert "DEBT_TO_INCOME_TOO_HIGH" in decision.reasons
    assert decision.credit_line is None and not await CreditLine.exists(borrower_id=borrower.id)
    assert await AuditBlock.filter(kind="CREDIT_DECISION").count() == 1


async def test_an_applicant_with_repeated_delinquencies_at_other_lenders_is_declined(db):
    borrower = await make_borrower()
    poor = BureauReport(credit_accounts=9, delinquencies=4, inquiries_6m=9, total_debt=Decimal("400000.00"),
                        source="stub")
    cmd = ApplyForCredit(borrower.id, Decimal("6000.00"), "OTHER", 4, "RENT", Decimal("2500.00"), "cash",
                         "device-poor", None)
    decision = await apply_for_credit(cmd, bureau=StubBureau(poor))

    assert decision.outcome == "DECLINED" and decision.reasons == ["BUREAU_DELINQUENCIES"]
    assert not await CreditLine.exists(borrower_id=borrower.id)


async def test_the_sixth_application_from_one_device_within_an_hour_goes_to_review_for_velocity(db):
    borrower = await make_borrower()
    decisions = [await apply_for_credit(over_indebted(borrower.id, device="device-busy"), bureau=StubBureau())
                 for _ in range(6)]

    assert all("VELOCITY_DEVICE" not in d.reasons for d in decisions[:5])
    assert "VELOCITY_DEVICE" in decisions[5].reasons
    hits = (await CreditApplication.get(id=decisions[5].application_id)).fraud_hits
    assert any(h["code"] == "VELOCITY_DEVICE" and h["severity"] == "REVIEW" for h in hits)


async def test_applications_older_than_the_window_do_not_count_towards_velocity(db):
    borrower = await make_borrower()
    for _ in range(5):
        await apply_for_credit(over_indebted(borrower.id, device="device-old"), bureau=StubBureau())
    await CreditApplication.all().update(created_at=utcnow() - timedelta(minutes=61))

    decision = await apply_for_credit(over_indebted(borrower.id, device="device-old"), bureau=StubBureau())
    assert "VELOCITY_DEVICE" not in decision.reasons


async def test_a_device_used_by_a_third_identity_sends_that_application_to_review(db):
    people = [await make_borrower(n=n) for n in (11, 12, 13)]
    first, second, third = [await apply_for_credit(good(p.id, device="device-shared"), bureau=StubBureau())
                            for p in people]

    assert first.outcome == second.outcome == "APPROVED"
    assert third.outcome == "REVIEW" and "DEVICE_SHARED" in third.reasons
    assert third.credit_line is None
    app = await CreditApplication.get(id=third.application_id)
    # The reviewer sees the terms the policy would give.
    assert app.offered_limit_fen and app.offered_rate_ppm


async def test_a_blacklisted_phone_is_declined_without_asking_the_bureau(db):
    borrower = await make_borrower(n=21)
    await fraud.add_to_blacklist("PHONE", phone_for(21), reason="confirmed identity theft", actor="risk-1")
    bureau = StubBureau()

    decision = await apply_for_credit(good(borrower.id), bureau=bureau)

    assert decision.outcome == "DECLINED" and decision.reasons == ["BLACKLIST_PHONE"]
    assert bureau.asked == []


async def test_a_blacklisted_device_is_declined(db):
    borrower = await make_borrower()
    await fraud.add_to_blacklist("DEVICE", "rooted-emulator-1", reason="emulator farm", actor="risk-1")

    decision = await apply_for_credit(good(borrower.id, device="rooted-emulator-1"), bureau=StubBureau())
    assert decision.outcome == "DECLINED" and "BLACKLIST_DEVICE" in decision.reasons


async def test_an_id_number_seen_with_another_name_and_phone_goes_to_review(db, settings):
    borrower = await make_borrower(n=31)
    earlier = await make_borrower("李四", n=32)
    # An earlier application under this ID number, with another name and phone on file.
    cipher = cipher_for(settings)
    await CreditApplication.create(
        borrower_id=earlier.id, monthly_income_fen=800_000, employment_type="SALARIED", employment_months=12,
        housing="RENT", monthly_debt_payments_fen=0, purpose="x", device_id="device-elsewhere",
        id_number_hash=borrower.id_number_hash, phone_hash=earlier.phone_hash,
        name_hash=cipher.blind_index("李四"), age=33, outcome="DECLINED", business_date=START,
        created_at=utcnow() - timedelta(days=30))

    decision = await apply_for_credit(good(borrower.id), bureau=StubBureau())

    assert decision.outcome == "REVIEW"
    assert {"ID_NAME_MISMATCH", "ID_PHONE_MISMATCH"} <= set(decision.reasons)


async def test_a_phone_used_by_another_identity_goes_to_review(db):
    borrower = await make_borrower(n=41)
    other = await make_borrower("赵六", n=42)
    await CreditApplication.create(
        borrower_id=other.id, monthly_income_fen=800_000, employment_type="SALARIED", employment_months=12,
        housing="RENT", monthly_debt_payments_fen=0, purpose="x", device_id="device-other",
        id_number_hash=other.id_number_hash, phone_hash=borrower.phone_hash, name_hash="n",
        age=33, outcome="DECLINED", business_date=START, created_at=utcnow() - timedelta(days=3))

    decision = await apply_for_credit(good(borrower.id), bureau=StubBureau())
    assert decision.outcome == "REVIEW" and "PHONE_SHARED" in decision.reasons


async def test_an_applicant_past_sixty_is_declined_by_the_identity_check(db):
    # Sixty on the day of sign-up (born 1965-06-01, business date 2026-01-05), sixty-one when applying.
    borrower = await make_borrower(n=51, birth=date(1965, 6, 1))
    decision = await apply_for_credit(good(borrower.id), today=date(2026, 7, 1), bureau=StubBureau())
    assert decision.outcome == "DECLINED" and "AGE_OUT_OF_RANGE" in decision.reasons


async def test_a_student_is_declined_by_default_policy(db):
    borrower = await make_borrower(n=61, birth=date(2005, 9, 1))
    bureau = StubBureau()
    cmd = good(borrower.id, employment_type="STUDENT", monthly_income=Decimal("3000.00"),
               monthly_debt_payments=Decimal("0.00"))

    decision = await apply_for_credit(cmd, bureau=bureau)

    assert (decision.outcome, decision.reasons) == ("DECLINED", ["STUDENT_LENDING_RESTRICTED"])
    assert bureau.asked == []


async def test_a_student_segment_borrower_is_declined_whatever_employment_they_state(db):
    borrower = await make_borrower(n=62, segment="STUDENT")
    decision = await apply_for_credit(good(borrower.id), bureau=StubBureau())
    assert decision.reasons == ["STUDENT_LENDING_RESTRICTED"]


async def test_where_the_licence_allows_a_student_needs_a_guardian(db):
    settings = load_settings({}, student_lending_enabled=True)
    borrower = await make_borrower(n=63, birth=date(2005, 9, 1))
    cmd = good(borrower.id, employment_type="STUDENT", monthly_income=Decimal("3000.00"),
               monthly_debt_payments=Decimal("0.00"))

    decision = await apply_for_credit(cmd, settings=settings, bureau=StubBureau())
    assert (decision.outcome, decision.reasons) == ("DECLINED", ["GUARDIAN_REQUIRED"])


async def test_where_the_licence_allows_a_student_with_a_guardian_gets_a_capped_line(db):
    settings = load_settings({}, student_lending_enabled=True, student_max_limit=Decimal("2000.00"))
    borrower = await make_borrower(n=64, birth=date(2005, 9, 1))
    guardian = Guardian("王大明", "13700000064", id_number_for(964, date(1975, 4, 2)))
    base = good(borrower.id, employment_type="STUDENT", employment_months=12, monthly_income=Decimal("6000.00"),
                monthly_debt_payments=Decimal("0.00"))
    cmd = dataclasses.replace(base, guardian=guardian)

    decision = await apply_for_credit(cmd, settings=settings, bureau=StubBureau())

    assert decision.outcome == "APPROVED"
    line = await CreditLine.get(borrower_id=borrower.id)
    assert 50_000 <= line.limit_fen <= 200_000  # the student cap of 2,000.00
    app = await CreditApplication.get(id=decision.application_id)
    assert app.segment == "STUDENT" and app.guardian["relationship"] == "PARENT"
    assert "13700000064" not in str(app.guardian)  # the guardian's phone is stored encrypted


async def test_a_guardian_with_an_invalid_id_number_is_a_validation_error(db):
    settings = load_settings({}, student_lending_enabled=True)
    borrower = await make_borrower(n=65, birth=date(2005, 9, 1))
    base = good(borrower.id, employment_type="STUDENT")
    cmd = dataclasses.replace(base,
                              guardian=Guardian("王大明", "13700000065", "110105197504020011"))
    with pytest.raises(ValidationFailed) as err:
        await apply_for_credit(cmd, settings=settings, bureau=StubBureau())
    assert err.value.field == "guardian.idNumber"


async def test_when_the_bureau_is_down_the_application_goes_to_review(db):
    borrower = await make_borrower()

    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    down = HttpBureau("http://bureau.invalid/reports", transport=httpx.MockTransport(refuse))
    decision = await apply_for_credit(good(borrower.id), bureau=down)

    assert decision.outcome == "REVIEW" and decision.reasons[0] == "BUREAU_UNAVAILABLE"
    assert not await CreditLine.exists(borrower_id=borrower.id)
    assert (await CreditApplication.get(id=decision.application_id)).bureau is None


async def test_a_bureau_that_does_not_answer_in_time_sends_the_application_to_review(db):
    borrower = await make_borrower()

    def slow(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    decision = await apply_for_credit(good(borrower.id), bureau=HttpBureau(
        "http://bureau.invalid/reports", transport=httpx.MockTransport(slow)))
    assert decision.outcome == "REVIEW" and "BUREAU_UNAVAILABLE" in decision.reasons


async def test_the_configured_http_bureau_on_a_closed_port_gives_review_not_an_error(db):
    settings = load_settings({}, bureau_provider="http", bureau_url="http://127.0.0.1:9/reports")
    borrower = await make_borrower()
    decision = await apply_for_credit(good(borrower.id), settings=settings)
    assert decision.outcome == "REVIEW" and "BUREAU_UNAVAILABLE" in decision.reasons


async def test_the_default_simulated_bureau_reports_the_same_summary_for_the_same_person(db):
    borrower = await make_borrower(n=71)
    decision = await apply_for_credit(over_indebted(borrower.id))
    app = await CreditApplication.get(id=decision.application_id)
    assert app.bureau == simulated_report(id_number_for(71)).summary()


async def test_invalid_input_is_refused_and_writes_nothing(db):
    borrower = await make_borrower()
    before = await counts()
    for bad in (good(borrower.id, monthly_income=Decimal("0")), good(borrower.id, device_id=" "),
                good(borrower.id, housing="CASTLE"), good(borrower.id, ip="not-an-ip"),
                good(borrower.id, monthly_income=Decimal("1000.001"))):
        with pytest.raises(ValidationFailed):
            await apply_for_credit(bad, bureau=StubBureau())
    assert await counts() == before
    assert await CreditApplication.all().count() == 0 and await AuditBlock.all().count() == 0


async def test_a_borrower_with_a_line_cannot_apply_again(db):
    borrower = await make_borrower()
    await apply_for_credit(good(borrower.id), bureau=StubBureau())
    with pytest.raises(NotAllowed):
        await apply_for_credit(good(borrower.id), bureau=StubBureau())


async def test_two_applications_of_one_borrower_at_once_open_one_line(db):
    borrower = await make_borrower()

    async def attempt():
        try:
            return await apply_for_credit(good(borrower.id), bureau=StubBureau())
        except NotAllowed as exc:
            return exc

    results = await asyncio.gather(attempt(), attempt())

    assert await CreditLine.filter(borrower_id=borrower.id).count() == 1
    assert sum(not isinstance(r, NotAllowed) and r.outcome == "APPROVED" for r in results) == 1
    assert (await audit.verify_chain()).ok


async def test_every_decision_is_also_the_borrowers_first_score(db):
    borrower = await make_borrower()
    decision = await apply_for_credit(good(borrower.id), bureau=StubBureau())

    record = await ScoreRecord.get(borrower_id=borrower.id)
    assert (record.score, record.reason) == (decision.score, "APPLICATION")
    assert await Event.filter(type="SCORE_UPDATED", borrower_id=borrower.id).count() == 1
