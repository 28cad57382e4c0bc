"""The staff console as a Starlette application, to be mounted at /admin."""

from __future__ import annotations

from pathlib import Path

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

from admin.pages import not_found
from admin.routes import (
    borrowers,
    business_date,
    chain,
    dashboard,
    disclosure,
    insurance,
    lines,
    loans,
    models,
    pools,
    reminders,
    reviews,
    session,
    staff,
)
from domain.settings import Settings, get_settings

STATIC = Path(__file__).parent / "static"


async def _not_found(request: Request, exc: Exception) -> Response:
    return await not_found(request)


def create_admin_app(settings: Settings | None = None) -> Starlette:
    """The console's pages. It expects the database to be initialised by the app that mounts it."""
    routes = [
        *session.routes, *dashboard.routes, *borrowers.routes, *lines.routes, *loans.routes, *reviews.routes,
        *models.routes, *reminders.routes, *chain.routes, *disclosure.routes, *business_date.routes,
        *staff.routes, *pools.routes, *insurance.routes,
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]
    app = Starlette(routes=routes, exception_handlers={404: _not_found, HTTPException: _http_error})
    app.state.settings = settings or get_settings()
    return app


async def _http_error(request: Request, exc: Exception) -> Response:
    if isinstance(exc, HTTPException) and exc.status_code == 404:
        return await not_found(request)
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    return Response(str(getattr(exc, "detail", "error")), status_code=status)
