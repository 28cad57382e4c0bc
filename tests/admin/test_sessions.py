"""Sign-in, sessions and CSRF, tried from outside as an attacker would."""

from __future__ import annotations

from datetime import timedelta

import pytest

from admin.auth import SESSION_COOKIE, sign
from domain.models import CreditLine, StaffAction, StaffUser
from domain.services import staff as staff_service
from domain.services.calendar import utcnow
from tests.admin.conftest import _HASH, CSRF, PASSWORD, build_app, client_for
from tests.factories import make_borrower, make_line


@pytest.fixture
async def line(db):
    return await make_line(await make_borrower())


async def sign_in_form(client, username: str, password: str):
    page = await client.get("/admin/sign-in")
    token = CSRF.search(page.text).group(1)
    return await client.post("/admin/sign-in", data={"csrf_token": token, "username": username,
                                                     "password": password, "next": "/admin/borrowers"})


async def test_a_form_without_its_csrf_token_is_refused_and_changes_nothing(sign_in_as, line):
    operator = await sign_in_as("operator")

    missing = await operator.client.post(f"/admin/lines/{line.id}/freeze", data={"reason": "x"})
    wrong = await operator.client.post(f"/admin/lines/{line.id}/freeze", data={"csrf_token": "forged"})

    assert (missing.status_code, wrong.status_code) == (403, 403)
    assert (await CreditLine.get(id=line.id)).status == "ACTIVE"
    assert not await StaffAction.filter(action="line.freeze").exists()


async def test_another_sessions_csrf_token_is_refused(sign_in_as, line):
    mine, theirs = await sign_in_as("operator"), await sign_in_as("operator")

    response = await mine.client.post(f"/admin/lines/{line.id}/freeze", data={"csrf_token": theirs.csrf})

    assert response.status_code == 403
    assert (await CreditLine.get(id=line.id)).status == "ACTIVE"


async def test_the_sign_in_form_refuses_a_post_without_its_csrf_token(anonymous, db):
    await StaffUser.create(username="ops", role="operator", password_hash=_HASH)

    response = await anonymous.post("/admin/sign-in", data={"username": "ops", "password": PASSWORD})

    assert response.status_code == 403
    assert SESSION_COOKIE not in response.cookies


async def test_signing_in_sets_a_signed_httponly_lax_cookie_and_goes_where_asked(anonymous, db):
    await StaffUser.create(username="ops", role="operator", password_hash=_HASH)

    response = await sign_in_form(anonymous, "ops", PASSWORD)

    assert response.status_code == 303
    assert response.headers["location"] == "/admin/borrowers"
    cookie = next(h for h in response.headers.get_list("set-cookie") if h.startswith(SESSION_COOKIE + "="))
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie.replace("Lax", "lax") and "Max-Age=28800" in cookie
    assert "Secure" not in cookie  # development: plain http on a laptop
    assert (await anonymous.get("/admin/borrowers")).status_code == 200


async def test_outside_development_the_session_cookie_is_secure(db, admin_settings):
    from dataclasses import replace

    app = build_app(replace(admin_settings, env="production"))
    await StaffUser.create(username="ops", role="operator", password_hash=_HASH)
    async with client_for(app, "https") as client:
        response = await sign_in_form(client, "ops", PASSWORD)
    assert response.status_code == 303
    cookie = next(h for h in response.headers.get_list("set-cookie") if h.startswith(SESSION_COOKIE + "="))
    assert "Secure" in cookie


async def test_a_sign_in_never_redirects_outside_the_console(anonymous, db):
    await StaffUser.create(username="ops", role="operator", password_hash=_HASH)
    page = await anonymous.get("/admin/sign-in")
    token = CSRF.search(page.text).group(1)

    response = await anonymous.post("/admin/sign-in", data={"csrf_token": token, "username": "ops",
                                                            "password": PASSWORD, "next": "//evil.example/x"})

    assert response.headers["location"] == "/admin/"


async def test_a_wrong_password_is_refused_without_saying_which_part_was_wrong(anonymous, db):
    await StaffUser.create(username="ops", role="operator", password_hash=_HASH)

    wrong_password = await sign_in_form(anonymous, "ops", "not-the-password-1")
    unknown_user = await sign_in_form(anonymous, "nobody", PASSWORD)

    assert wrong_password.status_code == unknown_user.status_code == 401
    assert "用户名或密码错误" in wrong_password.text and "用户名或密码错误" in unknown_user.text


async def test_repeated_failures_are_slowed_then_refused_even_with_the_right_password(db):
    await StaffUser.create(username="ops", role="operator", password_hash=_HASH)
    t0 = utcnow()
    for i in range(staff_service.FREE_FAILURES):
        with pytest.raises(staff_service.InvalidCredentials):
            await staff_service.authenticate("ops", "wrong-1", now=t0 + timedelta(seconds=i))
    # The next failure is the first that costs a wait: 2 s after it nothing is tried.
    last = t0 + timedelta(seconds=10)
    with pytest.raises(staff_service.InvalidCredentials):
        await staff_service.authenticate("ops", "wrong-1", now=last)
    with pytest.raises(staff_service.SignInThrottled) as slowed:
        await staff_service.authenticate("ops", PASSWORD, now=last + timedelta(seconds=1))
    assert not slowed.value.locked and slowed.value.retry_after == 2

    # Keep failing, each time after the wait, until the name is locked.
    when = last
    for failures in range(staff_service.FREE_FAILURES + 1, staff_service.LOCK_AFTER):
        when += timedelta(seconds=2 ** (failures - staff_service.FREE_FAILURES) + 1)
        with pytest.raises(staff_service.InvalidCredentials):
            await staff_service.authenticate("ops", "wrong-1", now=when)
    with pytest.raises(staff_service.SignInThrottled) as locked:
        await staff_service.authenticate("ops", PASSWORD, now=when + timedelta(minutes=5))
    assert locked.value.locked

    # After the lock a right password works again and clears the count.
    later = when + timedelta(minutes=staff_service.LOCK_MINUTES, seconds=1)
    assert (await staff_service.authenticate("ops", PASSWORD, now=later)).username == "ops"
    assert (await staff_service.authenticate("ops", PASSWORD, now=later)).username == "ops"


async def test_the_sign_in_page_says_when_to_try_again(anonymous, db):
    for _ in range(staff_service.FREE_FAILURES + 1):
        await sign_in_form(anonymous, "ops", "wrong-1")

    response = await sign_in_form(anonymous, "ops", "wrong-1")

    assert response.status_code == 429
    assert int(response.headers["retry-after"]) >= 1


async def test_a_session_past_its_expiry_is_refused(app, admin_settings, line):
    user = await StaffUser.create(username="ops", role="operator", password_hash=_HASH)
    token, session = await staff_service.open_session(user, now=utcnow() - timedelta(hours=9), hours=8)
    async with client_for(app) as client:
        client.cookies.set(SESSION_COOKIE, sign(token, admin_settings), domain="console.test", path="/admin")
        page = await client.get("/admin/")
        action = await client.post(f"/admin/lines/{line.id}/freeze", data={"csrf_token": session.csrf_token})

    assert page.status_code == 303 and page.headers["location"].startswith("/admin/sign-in")
    assert action.status_code == 303 and action.headers["location"].startswith("/admin/sign-in")
    assert (await CreditLine.get(id=line.id)).status == "ACTIVE"


async def test_a_cookie_with_a_forged_signature_is_refused(app, db):
    user = await StaffUser.create(username="ops", role="operator", password_hash=_HASH)
    token, _ = await staff_service.open_session(user)
    async with client_for(app) as client:
        client.cookies.set(SESSION_COOKIE, f"{token}.forged", domain="console.test", path="/admin")
        response = await client.get("/admin/")
    assert response.status_code == 303


async def test_signing_out_ends_the_session_on_the_server(sign_in_as):
    viewer = await sign_in_as("viewer")
    stolen = dict(viewer.client.cookies)

    signed_out = await viewer.client.post("/admin/sign-out", data=viewer.form())

    assert signed_out.status_code == 303
    for name, value in stolen.items():
        viewer.client.cookies.set(name, value, domain="console.test", path="/admin")
    assert (await viewer.client.get("/admin/")).status_code == 303


async def test_disabling_a_member_of_staff_ends_their_sessions(sign_in_as):
    admin, viewer = await sign_in_as("admin"), await sign_in_as("viewer")

    await admin.client.post(f"/admin/staff/{viewer.user.id}", data=admin.form(role="viewer"))

    assert (await viewer.client.get("/admin/")).status_code == 303
    assert not (await StaffUser.get(id=viewer.user.id)).active
