"""Each role against each action: what it may do happens; what it may not is refused with 403
and changes nothing."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from domain.models import CreditApplication, CreditLine, ModelVersion, Notification, StaffAction, StaffUser
from domain.services.calendar import business_date
from tests.admin.conftest import failed_reminder, review_application
from tests.factories import make_borrower, make_line, make_loan

ROLES = ("viewer", "operator", "risk", "admin")


@dataclass
class World:
    line: CreditLine
    frozen_line: CreditLine
    loan_id: int
    application: CreditApplication
    reminder: Notification


@pytest.fixture
async def world(db) -> World:
    borrower = await make_borrower("韩梅梅")
    line = await make_line(borrower)
    loan = await make_loan(borrower, "500.00")
    other = await make_borrower("李雷")
    frozen = await make_line(other)
    await CreditLine.filter(id=frozen.id).update(status="FROZEN", frozen_reason="MANUAL")
    applicant = await make_borrower("张三")
    await ModelVersion.create(version="v1", pipeline="test", model="", is_champion=True)
    await ModelVersion.create(version="v2", pipeline="test", model="")
    return World(line, frozen, loan.id, await review_application(applicant), await failed_reminder(loan))


# action -> (method, path, form fields, the lowest role allowed)
ACTIONS = {
    "read the dashboard": ("GET", lambda w: "/admin/", {}, "viewer"),
    "search borrowers": ("GET", lambda w: "/admin/borrowers?q=韩", {}, "viewer"),
    "freeze a line": ("POST", lambda w: f"/admin/lines/{w.line.id}/freeze", {"reason": "call"}, "operator"),
    "unfreeze a line": ("POST", lambda w: f"/admin/lines/{w.frozen_line.id}/unfreeze", {}, "operator"),
    "change a limit": ("POST", lambda w: f"/admin/lines/{w.line.id}/limit",
                       {"limit": "25000", "reason": "good history"}, "operator"),
    "resend a reminder": ("POST", lambda w: f"/admin/reminders/{w.reminder.id}/resend", {}, "operator"),
    "run close of business": ("POST", lambda w: "/admin/business-date/close", {"days": "1"}, "operator"),
    "decide a review": ("POST", lambda w: f"/admin/reviews/{w.application.id}/decide",
                        {"decision": "decline", "reason": "FRAUD_CONFIRMED"}, "risk"),
    "read the activity log": ("GET", lambda w: "/admin/activity", {}, "risk"),
    "promote a model": ("POST", lambda w: "/admin/models/promote", {"version": "v2"}, "admin"),
    "list staff": ("GET", lambda w: "/admin/staff", {}, "admin"),
    "create staff": ("POST", lambda w: "/admin/staff/new",
                     {"username": "newbie", "role": "viewer", "password": "secret-pass-1"}, "admin"),
}
async def snapshot(world: World) -> tuple:
    line = await CreditLine.get(id=world.line.id)
    frozen = await CreditLine.get(id=world.frozen_line.id)
    app = await CreditApplication.get(id=world.application.id)
    reminder = await Notification.get(id=world.reminder.id)
    return (line.status, line.limit_fen, frozen.status, app.outcome, reminder.status, await business_date(),
            await StaffUser.filter(username="newbie").count(), await ModelVersion.get(is_champion=True),
            await StaffAction.exclude(action__startswith="session.").count())


@pytest.mark.parametrize("action", list(ACTIONS), ids=[a.replace(" ", "_") for a in ACTIONS])
async def test_each_role_may_do_only_what_its_rank_allows(sign_in_as, world, action):
    """Roles below the lowest allowed are refused first and change nothing; then each allowed
    role is let through, and the first of them changes what the action changes."""
    method, path, fields, lowest = ACTIONS[action]
    for role in ROLES:
        staff = await sign_in_as(role)
        before = await snapshot(world)
        if method == "GET":
            response = await staff.client.get(path(world))
        else:
            response = await staff.client.post(path(world), data=staff.form(**fields))
        if ROLES.index(role) < ROLES.index(lowest):
            assert response.status_code == 403, (role, response.status_code)
            assert await snapshot(world) == before, role
        else:
            # A repeat by a higher role may be refused on its merits (400), never for the role.
            assert response.status_code in (200, 303, 400), (role, response.text[:500])
            if method == "POST" and role == lowest:
                assert await snapshot(world) != before, f"{role} was let through but nothing changed"
