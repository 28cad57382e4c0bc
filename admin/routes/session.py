"""Signing in and out, and the language choice."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from admin import auth
from admin.pages import redirect, render, translate
from domain.errors import ValidationFailed
from domain.services import staff as staff_service


def safe_next(request: Request, target: str | None) -> str:
    """A path inside the console to go to after signing in; anything else goes to the dashboard."""
    root = auth.root_of(request)
    if (not target or not target.startswith(root + "/") or target.startswith("//") or "\\" in target
            or "//" in target[len(root):]):
        return "/"
    return target[len(root):]


async def sign_in_page(request: Request, *, error: str = "", username: str = "", status: int = 200) -> Response:
    token, fresh = auth.pre_session_csrf(request)
    response = await render(request, "pages/sign_in.html", {
        "sign_in_csrf": token, "error": error, "username": username,
        "next": request.query_params.get("next", ""),
    }, status=status)
    if fresh:
        auth.set_pre_cookie(response, request, fresh)
    if "lang" in request.query_params:
        response.set_cookie(auth.LANG_COOKIE, auth.language_of(request), path=auth.root_of(request) or "/",
                            max_age=365 * 86400, httponly=True, samesite="lax",
                            secure=auth.settings_of(request).env != "development")
    return response


async def sign_in(request: Request) -> Response:
    if request.method == "GET":
        if await auth.current_staff(request):
            return redirect(request, safe_next(request, request.query_params.get("next")))
        return await sign_in_page(request)
    form = await request.form()
    if not auth.check_pre_session_csrf(request, form.get(auth.CSRF_FIELD)):
        return await sign_in_page(request, error=translate(request, "The form expired. Please sign in again."),
                                  status=403)
    username = str(form.get("username", ""))[:64]
    try:
        user = await staff_service.authenticate(username, str(form.get("password", ""))[:256])
    except staff_service.SignInThrottled as exc:
        message = translate(request, "Too many failed sign-ins. Try again in %(seconds)s seconds.") % {
            "seconds": exc.retry_after}
        response = await sign_in_page(request, error=message, username=username, status=429)
        response.headers["Retry-After"] = str(exc.retry_after)
        return response
    except staff_service.InvalidCredentials:
        return await sign_in_page(request, error=translate(request, "Wrong user name or password."),
                                  username=username, status=401)
    token, _session = await staff_service.open_session(user, ip=auth.client_ip(request))
    actor = staff_service.Actor(user.id, user.username, user.role, auth.client_ip(request))
    await staff_service.record_action(actor, "session.sign_in", "staff", user.id)
    response = redirect(request, safe_next(request, str(form.get("next", ""))))
    auth.set_session_cookie(response, request, token)
    auth.clear_cookie(response, request, auth.PRE_COOKIE)
    return response


@auth.guard("read")
async def sign_out(request: Request) -> Response:
    token = auth.session_token(request)
    if token:
        await staff_service.revoke_session(token)
    me = request.state.staff
    await staff_service.record_action(me.actor(request), "session.sign_out", "staff", me.staff.id)
    request.state.staff = None
    response = redirect(request, "/sign-in", "You are signed out.", "info")
    auth.clear_cookie(response, request, auth.SESSION_COOKIE)
    return response


@auth.guard("read")
async def language(request: Request) -> Response:
    form = await request.form()
    try:
        await staff_service.set_language(request.state.staff.staff.id, str(form.get("language", "")))
    except ValidationFailed:
        pass
    return redirect(request, safe_next(request, str(form.get("next", ""))))


routes = [
    Route("/sign-in", sign_in, methods=["GET", "POST"]),
    Route("/sign-out", sign_out, methods=["POST"]),
    Route("/language", language, methods=["POST"]),
]
