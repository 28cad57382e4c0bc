"""What staff do through the pages: each change happens through its domain service, and is
recorded with who, when, and the record before and after."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from domain import audit
from domain.models import AuditBlock, CreditApplication, CreditLine, Event, Notification, StaffAction, StaffUser
from domain.services.calendar import business_date
from tests.admin.conftest import build_app, client_for, failed_reminder, review_application
from tests.factories import make_borrower, make_line, make_loan


@pytest.fixture
async def line(db):
    borrower = await make_borrower("韩梅梅")
    line = await make_line(borrower, "20000.00")
    await make_loan(borrower, "3000.00")
    return await CreditLine.get(id=line.id)


async def test_freezing_and_unfreezing_a_line_is_audited_with_before_and_after(sign_in_as, line):
    operator = await sign_in_as("operator", username="ops.wang")

    frozen = await operator.client.post(f"/admin/lines/{line.id}/freeze", data=operator.form(reason="客户来电挂失"))
    assert frozen.status_code == 303
    assert (await CreditLine.get(id=line.id)).status == "FROZEN"
    page = await operator.client.get(frozen.headers["location"])
    assert "额度已冻结" in page.text  # the flash message, once

    await operator.client.post(f"/admin/lines/{line.id}/unfreeze", data=operator.form())
    assert (await CreditLine.get(id=line.id)).status == "ACTIVE"

    actions = await StaffAction.filter(target_type="credit_line").order_by("id")
    assert [a.action for a in actions] == ["line.freeze", "line.unfreeze"]
    assert (actions[0].username, actions[0].borrower_id, actions[0].reason) == ("ops.wang", line.borrower_id,
                                                                               "客户来电挂失")
    assert (actions[0].before["status"], actions[0].after["status"]) == ("ACTIVE", "FROZEN")
    frozen_event = await Event.get(type="CREDIT_LINE_FROZEN")
    assert (frozen_event.data["actor"], frozen_event.data["reason"]) == ("ops.wang", "MANUAL")


async def test_a_limit_change_goes_into_the_audit_log_the_events_and_the_decision_chain(sign_in_as, line):
    risk = await sign_in_as("risk", username="risk.li")

    response = await risk.client.post(f"/admin/lines/{line.id}/limit",
                                      data=risk.form(limit="25,000.00", reason="six months paid on time"))

    assert response.status_code == 303
    assert (await CreditLine.get(id=line.id)).limit_fen == 2_500_000
    action = await StaffAction.get(action="line.limit")
    assert (action.before["limit"], action.after["limit"], action.reason) == ("20000.00", "25000.00",
                                                                            "six months paid on time")
    event = await Event.filter(type="CREDIT_LIMIT_CHANGED").order_by("-id").first()
    assert (event.data["oldLimit"], event.data["newLimit"], event.data["reason"]) == ("20000.00", "25000.00", "MANUAL")
    block = await AuditBlock.filter(borrower_id=line.borrower_id, kind=audit.MANUAL_OVERRIDE).get()
    assert audit.payload_of(block)["newLimit"] == "25000.00"
    assert (await audit.verify_chain()).ok


@pytest.mark.parametrize(("limit", "reason", "field", "message"), [
    ("2999.99", "too low", "limit", "额度不能低于已用本金"),  # 3,000.00 is drawn
    ("12,5", "typo", "limit", "请输入金额"),
    ("25000", "", "reason", "请填写原因"),
])
async def test_a_bad_limit_change_is_shown_next_to_its_field_and_changes_nothing(sign_in_as, line, limit, reason,
                                                                                field, message):
    operator = await sign_in_as("operator")

    response = await operator.client.post(f"/admin/lines/{line.id}/limit",
                                          data=operator.form(limit=limit, reason=reason))

    assert response.status_code == 400
    assert f'id="f-{field}-error"' in response.text and message in response.text
    assert (await CreditLine.get(id=line.id)).limit_fen == 2_000_000
    assert not await StaffAction.filter(action="line.limit").exists()


async def test_approving_a_review_opens_the_line_and_names_the_reviewer(sign_in_as, db):
    applicant = await make_borrower("周杰")
    application = await review_application(applicant, limit_fen=600_000, rate_ppm=400)
    risk = await sign_in_as("risk", username="risk.li")

    queue = await risk.client.get("/admin/reviews")
    assert f"申请 #{application.id}" in queue.text and "SHARED_DEVICE" in queue.text

    response = await risk.client.post(f"/admin/reviews/{application.id}/decide",
                                      data=risk.form(decision="approve", note="called the employer"))

    assert response.status_code == 303
    line = await CreditLine.get(borrower_id=applicant.id)
    assert (line.limit_fen, line.daily_rate_ppm) == (600_000, 400)
    decided = await CreditApplication.get(id=application.id)
    assert (decided.outcome, decided.reviewer, decided.review_note) == ("APPROVED", "risk.li", "called the employer")
    action = await StaffAction.get(action="review.approve")
    assert action.borrower_id == applicant.id and action.after["limit"] == "6000.00"


async def test_declining_a_review_needs_a_listed_reason(sign_in_as, db):
    application = await review_application(await make_borrower("周杰"))
    risk = await sign_in_as("risk")

    refused = await risk.client.post(f"/admin/reviews/{application.id}/decide",
                                     data=risk.form(decision="decline", reason="BECAUSE"))
    assert (await CreditApplication.get(id=application.id)).outcome == "REVIEW"
    assert "请选择原因" in (await risk.client.get(refused.headers["location"])).text

    await risk.client.post(f"/admin/reviews/{application.id}/decide",
                           data=risk.form(decision="decline", reason="INCOME_NOT_VERIFIED", note="payslip fake"))
    declined = await CreditApplication.get(id=application.id)
    assert declined.outcome == "DECLINED" and "INCOME_NOT_VERIFIED" in declined.reasons


async def test_running_close_of_business_moves_the_business_date_and_is_audited(sign_in_as, line):
    operator = await sign_in_as("operator")
    start = await business_date()

    response = await operator.client.post("/admin/business-date/close", data=operator.form(days="3"))

    assert response.status_code == 303
    assert (await business_date() - start).days == 3
    action = await StaffAction.get(action="cob.run")
    assert (action.before["businessDate"], action.after["businessDate"]) == ("2026-01-05", "2026-01-08")


async def test_close_of_business_by_hand_is_refused_in_production(db, admin_settings):
    from domain.passwords import hash_password
    from domain.services import staff as staff_service

    app = build_app(replace(admin_settings, env="production"))
    user = await StaffUser.create(username="ops", role="admin", password_hash=hash_password("x-password-1"))
    token, session = await staff_service.open_session(user)
    from admin.auth import SESSION_COOKIE, sign

    async with client_for(app, "https") as client:
        client.cookies.set(SESSION_COOKIE, sign(token, app.routes[0].app.state.settings), domain="console.test",
                           path="/admin")
        page = await client.get("/admin/business-date")
        response = await client.post("/admin/business-date/close", data={"csrf_token": session.csrf_token,
                                                                         "days": "1"})
    assert 'action="/admin/business-date/close"' not in page.text
    assert response.status_code == 303
    assert await business_date() == date(2026, 1, 5)


@pytest.mark.parametrize("days", ["0", "abc", "400"])
async def test_a_bad_number_of_days_is_shown_next_to_the_field(sign_in_as, db, days):
    operator = await sign_in_as("operator")

    response = await operator.client.post("/admin/business-date/close", data=operator.form(days=days))

    assert response.status_code == 400 and 'id="f-days-error"' in response.text
    assert await business_date() == date(2026, 1, 5)


async def test_a_failed_reminder_can_be_sent_again(sign_in_as, db):
    borrower = await make_borrower()
    await make_line(borrower)
    reminder = await failed_reminder(await make_loan(borrower))
    operator = await sign_in_as("operator")

    listed = await operator.client.get("/admin/reminders", params={"status": "FAILED"})
    assert "gateway answered 500" in listed.text
    await operator.client.post(f"/admin/reminders/{reminder.id}/resend", data=operator.form())

    again = await Notification.get(id=reminder.id)
    assert (again.status, again.attempts) == ("PENDING", 0)
    assert (await StaffAction.get(action="reminder.resend")).before["status"] == "FAILED"


async def test_an_admin_creates_a_staff_account_that_can_sign_in(sign_in_as, db):
    admin = await sign_in_as("admin")

    bad = await admin.client.post("/admin/staff/new", data=admin.form(username="x", role="viewer", password="short"))
    assert bad.status_code == 400 and 'id="f-username-error"' in bad.text

    await admin.client.post("/admin/staff/new", data=admin.form(username="Zhao.Risk", display_name="赵",
                                                                role="risk", password="long-enough-1"))
    user = await StaffUser.get(username="zhao.risk")
    assert user.role == "risk" and user.password_hash.startswith("$argon2id$")
    assert (await StaffAction.get(action="staff.create")).after == {"username": "zhao.risk", "role": "risk",
                                                                   "active": True}


async def test_the_last_admin_cannot_demote_themselves(sign_in_as, db):
    admin = await sign_in_as("admin")

    await admin.client.post(f"/admin/staff/{admin.user.id}", data=admin.form(role="viewer", active="on"))

    assert (await StaffUser.get(id=admin.user.id)).role == "admin"


async def test_the_language_choice_is_kept_per_user(sign_in_as, db):
    viewer = await sign_in_as("viewer")

    response = await viewer.client.post("/admin/language", data=viewer.form(language="en", next="/admin/borrowers"))

    assert response.headers["location"] == "/admin/borrowers"
    assert (await StaffUser.get(id=viewer.user.id)).language == "en"
    assert "Search borrowers" in (await viewer.client.get("/admin/borrowers")).text


async def test_the_disclosure_page_is_public(anonymous, db):
    borrower = await make_borrower()
    await make_line(borrower)
    await make_loan(borrower, "1000.00")

    page = await anonymous.get("/admin/disclosure")

    assert page.status_code == 200
    assert "信息披露" in page.text and "1,000.00" in page.text
    assert "English" in page.text and 'class="sidebar"' not in page.text
    assert "Cumulative loan amount" in (await anonymous.get("/admin/disclosure?lang=en")).text
