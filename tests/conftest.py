"""Shared fixtures. Every test that takes `db` runs once on SQLite and once on PostgreSQL."""

from __future__ import annotations

import os
import uuid

import pytest
from tortoise import Tortoise
from tortoise.backends.base.executor import EXECUTOR_CACHE

from domain import db as dbmod
from domain.settings import load_settings
from tests._database import START, reset_database  # noqa: F401 - START is the date tests start on

PG_ADMIN_URL = os.environ.get("SUIXING_TEST_PG_URL", "postgres://postgres@127.0.0.1:5432/test")
IN_CI = os.environ.get("CI", "").lower() == "true"


def service_missing(what: str, exc: BaseException) -> None:
    message = f"{what} is not reachable: {exc}"
    if IN_CI:
        pytest.fail(message)
    pytest.skip(message)


async def _pg_database() -> str:
    import asyncpg

    name = f"suixing_test_{uuid.uuid4().hex[:8]}"
    try:
        admin = await asyncpg.connect(PG_ADMIN_URL.replace("postgres://", "postgresql://"), timeout=5)
    except Exception as exc:  # noqa: BLE001 - any failure means the service is missing
        service_missing("PostgreSQL", exc)
    await admin.execute(f'CREATE DATABASE "{name}"')
    await admin.close()
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    return f"{base}/{name}"


async def _drop_pg_database(url: str) -> None:
    import asyncpg

    name = url.rsplit("/", 1)[1]
    admin = await asyncpg.connect(PG_ADMIN_URL.replace("postgres://", "postgresql://"), timeout=5)
    await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    await admin.close()


@pytest.fixture(scope="session", params=["sqlite", "postgres"])
async def backend(request, tmp_path_factory):
    """A migrated database of each kind, opened once for the session."""
    if request.param == "sqlite":
        url = f"sqlite://{tmp_path_factory.mktemp('db')}/suixing.sqlite3"
    else:
        url = await _pg_database()
    await dbmod.migrate(url)
    await Tortoise.close_connections()
    # Tortoise caches each model's statements by connection name, not dialect: clear them
    # when the session moves from one database to the other.
    EXECUTOR_CACHE.clear()
    await dbmod.init_db(database_url=url)
    yield request.param
    await Tortoise.close_connections()
    if request.param == "postgres":
        await _drop_pg_database(url)


@pytest.fixture
async def db(backend):
    """An empty database with the chart of accounts and a business date of 2026-01-05."""
    await reset_database(backend)
    yield backend


@pytest.fixture
def settings():
    return load_settings({})
