"""Database wiring: the Tortoise configuration, start-up, migrations, and the few places
where SQLite and PostgreSQL spell SQL differently."""

from __future__ import annotations

from contextlib import asynccontextmanager
from typing import Any

from tortoise import Tortoise, connections
from tortoise.backends.base.client import BaseDBAsyncClient

from domain.settings import Settings, get_settings

APP = "models"
MODEL_MODULES = ["domain.models"]
MIGRATIONS = "domain.migrations"


def normalize_url(url: str) -> str:
    # Accept the usual postgresql:// spelling as well as Tortoise's postgres://.
    if url.startswith("postgresql://"):
        return "postgres://" + url[len("postgresql://") :]
    return url


def tortoise_config(database_url: str | None = None) -> dict[str, Any]:
    url = normalize_url(database_url or get_settings().database_url)
    return {
        "connections": {"default": url},
        "apps": {APP: {"models": MODEL_MODULES, "default_connection": "default", "migrations": MIGRATIONS}},
        "use_tz": True,
        "timezone": "UTC",
    }


# The name Tortoise's own command line looks for.
TORTOISE_ORM = tortoise_config()


async def init_db(settings: Settings | None = None, *, database_url: str | None = None) -> None:
    url = database_url or (settings or get_settings()).database_url
    await Tortoise.init(config=tortoise_config(url))


async def close_db() -> None:
    await Tortoise.close_connections()


@asynccontextmanager
async def database(settings: Settings | None = None, *, database_url: str | None = None):
    await init_db(settings, database_url=database_url)
    try:
        yield
    finally:
        await close_db()


async def migrate(database_url: str | None = None) -> None:
    """Apply every committed migration that the database has not seen yet."""
    from tortoise.migrations.api import migrate as run_migrations

    await run_migrations(config=tortoise_config(database_url))


def conn() -> BaseDBAsyncClient:
    return connections.get("default")


def dialect(client: BaseDBAsyncClient | None = None) -> str:
    """'sqlite' or 'postgres'."""
    return (client or conn()).capabilities.dialect


def param(client: BaseDBAsyncClient, n: int) -> str:
    """The n-th (1-based) bind parameter marker."""
    return f"${n}" if dialect(client) == "postgres" else "?"


def sql(client: BaseDBAsyncClient, text: str) -> str:
    """Write SQL with ``?`` markers; PostgreSQL gets $1, $2, ... instead."""
    if dialect(client) != "postgres":
        return text
    out, n = [], 0
    for ch in text:
        if ch == "?":
            n += 1
            out.append(f"${n}")
        else:
            out.append(ch)
    return "".join(out)


def days_between_sql(client: BaseDBAsyncClient, later: str, earlier: str) -> str:
    """An SQL expression for the whole days from `earlier` to `later` (both date expressions)."""
    if dialect(client) == "postgres":
        return f"(({later})::date - ({earlier})::date)"
    return f"CAST(julianday({later}) - julianday({earlier}) AS INTEGER)"


def date_param(client: BaseDBAsyncClient, marker: str = "?") -> str:
    return f"CAST({marker} AS DATE)" if dialect(client) == "postgres" else marker
