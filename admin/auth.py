"""Staff sessions in signed cookies, CSRF tokens, and the guard every page goes through.

The session cookie carries a random token, signed with a key derived from the application
secret; the server keeps only the token's hash with the session's expiry, so signing out or
disabling a member of staff ends the session at once. Each session has its own CSRF token,
which every form posts back; the sign-in form, which comes before any session, is protected
by a signed double-submit cookie instead."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import wraps
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from admin import i18n
from admin.roles import allowed
from domain.models import StaffSession, StaffUser
from domain.services import staff as staff_service
from domain.settings import Settings

SESSION_COOKIE = "suixing_admin"
PRE_COOKIE = "suixing_admin_pre"
FLASH_COOKIE = "suixing_admin_flash"
LANG_COOKIE = "suixing_admin_lang"
CSRF_FIELD = "csrf_token"

Endpoint = Callable[[Request], Awaitable[Response]]


@dataclass
class StaffContext:
    session: StaffSession

    @property
    def staff(self) -> StaffUser:
        return self.session.staff

    @property
    def role(self) -> str:
        return self.staff.role

    @property
    def csrf_token(self) -> str:
        return self.session.csrf_token

    def can(self, permission: str) -> bool:
        return allowed(self.role, permission)

    def actor(self, request: Request) -> staff_service.Actor:
        return staff_service.Actor(self.staff.id, self.staff.username, self.role, client_ip(request))


def settings_of(request: Request) -> Settings:
    return request.app.state.settings


def root_of(request: Request) -> str:
    return request.scope.get("root_path", "").rstrip("/")


def client_ip(request: Request) -> str | None:
    return request.client.host if request.client else None


def _key(settings: Settings, purpose: bytes) -> bytes:
    return hmac.new(settings.secret_key.encode(), b"suixing/admin/" + purpose, hashlib.sha256).digest()


def sign(value: str, settings: Settings, purpose: bytes = b"cookie") -> str:
    mac = hmac.new(_key(settings, purpose), value.encode(), hashlib.sha256).digest()
    return f"{value}.{base64.urlsafe_b64encode(mac).decode().rstrip('=')}"


def unsign(signed: str | None, settings: Settings, purpose: bytes = b"cookie") -> str | None:
    if not signed or "." not in signed:
        return None
    value = signed.rsplit(".", 1)[0]
    return value if hmac.compare_digest(sign(value, settings, purpose), signed) else None


def _cookie_args(request: Request, max_age: int | None) -> dict:
    return {"path": root_of(request) or "/", "httponly": True, "samesite": "lax", "max_age": max_age,
            "secure": settings_of(request).env != "development"}


def set_session_cookie(response: Response, request: Request, token: str) -> None:
    response.set_cookie(SESSION_COOKIE, sign(token, settings_of(request)),
                        **_cookie_args(request, staff_service.SESSION_HOURS * 3600))


def clear_cookie(response: Response, request: Request, name: str) -> None:
    response.delete_cookie(name, path=root_of(request) or "/", httponly=True, samesite="lax",
                           secure=settings_of(request).env != "development")


def session_token(request: Request) -> str | None:
    return unsign(request.cookies.get(SESSION_COOKIE), settings_of(request))


async def current_staff(request: Request) -> StaffContext | None:
    token = session_token(request)
    if token is None:
        return None
    session = await staff_service.load_session(token)
    return StaffContext(session) if session else None


def pre_session_csrf(request: Request) -> tuple[str, str | None]:
    """The sign-in form's CSRF token, and a new pre-session cookie value when one must be set."""
    settings = settings_of(request)
    nonce = unsign(request.cookies.get(PRE_COOKIE), settings, b"pre")
    fresh = None
    if nonce is None:
        nonce = secrets.token_urlsafe(24)
        fresh = sign(nonce, settings, b"pre")
    return sign(nonce, settings, b"pre-form"), fresh


def set_pre_cookie(response: Response, request: Request, value: str) -> None:
    response.set_cookie(PRE_COOKIE, value, **_cookie_args(request, 3600))


def check_pre_session_csrf(request: Request, submitted: str | None) -> bool:
    settings = settings_of(request)
    nonce = unsign(request.cookies.get(PRE_COOKIE), settings, b"pre")
    return bool(nonce and submitted) and hmac.compare_digest(sign(nonce, settings, b"pre-form"), submitted)


def language_of(request: Request) -> str:
    staff = getattr(request.state, "staff", None)
    if staff is not None:
        return i18n.pick(staff.staff.language)
    return i18n.pick(request.query_params.get("lang") or request.cookies.get(LANG_COOKIE))


def guard(permission: str = "read") -> Callable[[Endpoint], Endpoint]:
    """Signed in, allowed, and for a POST a valid CSRF token; otherwise the request changes nothing."""

    def decorate(endpoint: Endpoint) -> Endpoint:
        @wraps(endpoint)
        async def guarded(request: Request) -> Response:
            from admin.pages import forbidden

            ctx = await current_staff(request)
            if ctx is None:
                target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
                nxt = quote(target if request.method == "GET" else root_of(request) + "/", safe="")
                return RedirectResponse(f"{root_of(request)}/sign-in?next={nxt}", status_code=303)
            request.state.staff = ctx
            if not ctx.can(permission):
                return await forbidden(request, "role")
            if request.method == "POST":
                form = await request.form()
                submitted = form.get(CSRF_FIELD)
                if not isinstance(submitted, str) or not hmac.compare_digest(submitted, ctx.csrf_token):
                    return await forbidden(request, "csrf")
            return await endpoint(request)

        return guarded

    return decorate
