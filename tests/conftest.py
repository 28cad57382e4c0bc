"""Shared fixtures. Every test that takes `db` runs once on SQLite and once on PostgreSQL."""

from __future__ import annotations

import os
import uuid
from datetime import date

import pytest
from tortoise import Tortoise, connections

from domain import db as dbmod
from domain.services import ledger
from domain.services.calendar import set_business_date
from domain.settings import load_settings

PG_ADMIN_URL = os.environ.get("SUIXING_TEST_PG_URL", "postgres://postgres@127.0.0.1:5432/test")
IN_CI = os.environ.get("CI", "").lower() == "true"
START = date(2026, 1, 5)


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
    await dbmod.init_db(database_url=url)
    yield request.param
    await Tortoise.close_connections()
    if request.param == "postgres":
        await _drop_pg_database(url)


@pytest.fixture
async def db(backend):
    """An empty database with the chart of accounts and a business date of 2026-01-05."""
    client = connections.get("default")
    tables = [m._meta.db_table for m in Tortoise.apps[dbmod.APP].values() if m._meta.db_table != "ledger_account"]
    if backend == "postgres":
        await client.execute_script(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")
    else:
        for table in tables:
            await client.execute_script(f"DELETE FROM {table}")
        await client.execute_script("DELETE FROM sqlite_sequence")
    await ledger.ensure_chart()
    await set_business_date(START)
    yield backend


@pytest.fixture
def settings():
    return load_settings({})
