"""The public information-disclosure page: operating data, no sign-in."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from admin import auth, integrations
from admin.pages import render


async def disclosure_page(request: Request) -> Response:
    request.state.staff = await auth.current_staff(request)
    service = integrations.module("domain.services.disclosure")
    data = await service.disclosure() if service is not None else None
    response = await render(request, "pages/disclosure.html", {"data": data}, section="disclosure")
    response.headers["Cache-Control"] = "public, max-age=300"
    if "lang" in request.query_params:
        response.set_cookie(auth.LANG_COOKIE, auth.language_of(request), path=auth.root_of(request) or "/",
                            max_age=365 * 86400, httponly=True, samesite="lax",
                            secure=auth.settings_of(request).env != "development")
    return response


routes = [Route("/disclosure", disclosure_page)]
