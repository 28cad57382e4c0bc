"""The ASGI application."""

from __future__ import annotations

from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from domain import db
from domain.settings import get_settings


async def healthz(request: Request) -> JSONResponse:
    try:
        await db.conn().execute_query("SELECT 1")
    except Exception as exc:  # noqa: BLE001 - any failure is "unhealthy"
        return JSONResponse({"status": "error", "database": str(exc)}, status_code=503)
    return JSONResponse({"status": "ok", "database": "ok"})


def create_app() -> Starlette:
    settings = get_settings()

    @asynccontextmanager
    async def lifespan(app: Starlette):
        await db.init_db(settings)
        try:
            yield
        finally:
            await db.close_db()

    return Starlette(routes=[Route("/healthz", healthz)], lifespan=lifespan)
