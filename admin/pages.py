"""Rendering pages: the layout's context, flash messages, redirects and error pages."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse

from admin import auth, i18n
from admin.templating import environment
from domain.services.calendar import business_date


@dataclass(frozen=True)
class NavItem:
    key: str
    path: str
    label: str  # an English msgid, translated in the layout
    permission: str = "read"
    soon: bool = False


def N_(message: str) -> str:  # noqa: N802 - the name catalogue extraction looks for
    """Marks a message for the catalogue; it is translated where it is shown."""
    return message


NAV: tuple[tuple[str, tuple[NavItem, ...]], ...] = (
    (N_("Overview"), (NavItem("dashboard", "/", N_("Dashboard")),)),
    (N_("Operations"), (
        NavItem("borrowers", "/borrowers", N_("Borrowers")),
        NavItem("reviews", "/reviews", N_("Review queue")),
        NavItem("reminders", "/reminders", N_("Reminders")),
        NavItem("business-date", "/business-date", N_("Business date")),
    )),
    (N_("Risk"), (
        NavItem("models", "/models", N_("Credit model")),
        NavItem("chain", "/chain", N_("Decision chain")),
    )),
    (N_("Funding"), (
        NavItem("pools", "/pools", N_("Pools")),
        NavItem("insurance", "/insurance", N_("Insurance")),
        NavItem("disclosure", "/disclosure", N_("Disclosure")),
    )),
    (N_("Administration"), (
        NavItem("staff", "/staff", N_("Staff"), "staff.manage"),
        NavItem("activity", "/activity", N_("Activity log"), "audit.read"),
    )),
)


def _visible_nav(me: auth.StaffContext | None) -> list[tuple[str, list[NavItem]]]:
    """The navigation this member of staff may use; a group with nothing in it is left out."""
    if me is None:
        return []
    groups = [(group, [item for item in items if me.can(item.permission)]) for group, items in NAV]
    return [(group, items) for group, items in groups if items]


def translate(request: Request, message: str) -> str:
    return i18n.gettext(auth.language_of(request), message)


def _read_flash(request: Request) -> dict[str, str] | None:
    raw = auth.unsign(request.cookies.get(auth.FLASH_COOKIE), auth.settings_of(request), b"flash")
    if raw is None:
        return None
    try:
        data = json.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
    except ValueError:
        return None
    return {"kind": str(data.get("k", "info")), "message": str(data.get("m", ""))}


async def render(request: Request, template: str, context: dict[str, Any] | None = None, *,
                 status: int = 200, section: str | None = None) -> HTMLResponse:
    me: auth.StaffContext | None = getattr(request.state, "staff", None)
    language = auth.language_of(request)
    flash = _read_flash(request)
    data: dict[str, Any] = {
        "request": request,
        "root": auth.root_of(request),
        "me": me,
        "can": (lambda permission: me is not None and me.can(permission)),
        "csrf_token": me.csrf_token if me else "",
        "nav": _visible_nav(me),
        "section": section,
        "flash": flash,
        "env_name": auth.settings_of(request).env,
        "business_date": await business_date() if me else None,
        "params": dict(request.query_params),
    }
    data.update(context or {})
    html = environment(language).get_template(template).render(data)
    response = HTMLResponse(html, status_code=status)
    if flash:
        auth.clear_cookie(response, request, auth.FLASH_COOKIE)
    return response


def redirect(request: Request, path: str, message: str | None = None, kind: str = "success") -> RedirectResponse:
    """Post/redirect/get: send the browser on, with a one-time message for the next page."""
    response = RedirectResponse(auth.root_of(request) + path, status_code=303)
    if message:
        payload = json.dumps({"k": kind, "m": translate(request, message)}, ensure_ascii=False)
        value = base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")
        response.set_cookie(auth.FLASH_COOKIE, auth.sign(value, auth.settings_of(request), b"flash"),
                            path=auth.root_of(request) or "/", httponly=True, samesite="lax", max_age=60,
                            secure=auth.settings_of(request).env != "development")
    return response


async def forbidden(request: Request, why: str = "role") -> HTMLResponse:
    return await render(request, "pages/error.html", {"code": 403, "why": why}, status=403)


async def not_found(request: Request) -> HTMLResponse:
    return await render(request, "pages/error.html", {"code": 404, "why": "missing"}, status=404)


def int_param(request: Request, name: str, default: int = 1, *, low: int = 1, high: int = 10_000) -> int:
    try:
        value = int(request.query_params.get(name, default))
    except ValueError:
        return default
    return min(max(value, low), high)


def path_id(request: Request, name: str = "id") -> int | None:
    try:
        value = int(request.path_params[name])
    except (KeyError, ValueError):
        return None
    return value if 0 < value < 2**63 else None
