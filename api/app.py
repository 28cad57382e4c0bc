"""The ASGI application: GraphQL, health, metrics, and the event plumbing's lifecycle."""

from __future__ import annotations

import logging
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Mount, Route, WebSocketRoute
from tortoise import Tortoise

from admin.app import create_admin_app
from api.background import BackgroundRunner, jobs_for
from api.metrics import Metrics
from api.middleware import BodySizeLimit, RequestId
from api.schema import build_schema
from api.state import AppState
from api.view import GraphQLView
from domain import db
from domain.outbox import LocalSink, make_relay, make_sink
from domain.settings import Settings, get_settings

log = logging.getLogger("suixing.api")


def build_state(settings: Settings) -> AppState:
    state = AppState(settings=settings)
    sink = make_sink(settings, state.broadcaster)
    if not isinstance(sink, LocalSink):
        state.fanout = sink
    if settings.embedded or settings.relay_in_api:
        state.relay = make_relay(settings, sink)
    state.metrics = Metrics(state)
    return state


def create_app(settings: Settings | None = None) -> Starlette:
    settings = settings or get_settings()
    state = build_state(settings)
    view = GraphQLView(build_schema(settings), state)
    runner = BackgroundRunner()
    if settings.api_count_sql:
        from api import sqlcount

        sqlcount.install()

    async def healthz(request: Request) -> JSONResponse:
        report, ok = {"database": "ok"}, True
        try:
            await db.conn().execute_query("SELECT 1")
        except Exception:  # noqa: BLE001 - any failure means unhealthy
            log.exception("health check: the database did not answer")
            report["database"], ok = "unavailable", False
        if state.fanout is not None:
            try:
                await state.fanout.ping()
                report["redis"] = "ok"
            except Exception:  # noqa: BLE001
                log.exception("health check: redis did not answer")
                report["redis"], ok = "unavailable", False
        if state.relay is not None:
            # How far the outbox relay has published: with the table's top, its lag.
            report["relayPublishedThrough"] = state.relay.last
        return JSONResponse({"status": "ok" if ok else "error", **report}, status_code=200 if ok else 503)

    @asynccontextmanager
    async def lifespan(app: Starlette):
        # Requests run in other tasks than the lifespan, so they need the global fallback context.
        await Tortoise.init(config=db.tortoise_config(settings.database_url), _enable_global_fallback=True)
        try:
            if state.fanout is not None:
                await state.fanout.start()
            if state.relay is not None:
                # Fix the feed's starting position before the first subscriber arrives; if that
                # fails now, the relay's own loop keeps trying.
                try:
                    await state.relay.publish_pending()
                except Exception:  # noqa: BLE001 - serve queries even while Redis is away
                    log.exception("the outbox relay could not start yet")
            runner.start(jobs_for(state), state)
            yield
        finally:
            await runner.stop()
            if state.fanout is not None:
                await state.fanout.stop()
            await db.close_db()

    app = Starlette(
        routes=[
            Route("/graphql", view, methods=["GET", "POST"]),
            WebSocketRoute("/graphql", view),
            Route("/healthz", healthz),
            Route("/metrics", state.metrics.endpoint),
            Mount("/admin", app=create_admin_app(settings)),
        ],
        middleware=[Middleware(RequestId), Middleware(BodySizeLimit, max_bytes=settings.api_max_body_bytes)],
        lifespan=lifespan,
    )
    app.state.suixing = state
    return app
