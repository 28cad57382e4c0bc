"""Emptying the test database between tests: fast on both backends, ids restarted."""

from __future__ import annotations

from datetime import date

from tortoise import Tortoise, connections

from domain import db as dbmod
from domain.services import ledger
from domain.services.calendar import set_business_date

START = date(2026, 1, 5)


def all_tables() -> list[str]:
    return sorted(m._meta.db_table for m in Tortoise.apps[dbmod.APP].values())


async def empty_tables(backend: str) -> None:
    """Empty every table but the chart of accounts and restart their ids, as tests/conftest.py
    means to, with the foreign keys switched off while the rows go."""
    client = connections.get("default")
    tables = [t for t in all_tables() if t != "ledger_account"]
    if backend == "postgres":
        try:
            await client.execute_script(_pg_fast_empty(tables))
        except Exception:  # noqa: BLE001 - a role that may not switch triggers off truncates instead
            await client.execute_script(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")
        return
    await client.execute_script("PRAGMA foreign_keys = OFF")
    try:
        for table in tables:
            await client.execute_script(f"DELETE FROM {table}")
        await client.execute_script("DELETE FROM sqlite_sequence")
    finally:
        await client.execute_script("PRAGMA foreign_keys = ON")


def _pg_fast_empty(tables: list[str]) -> str:
    # TRUNCATE rewrites every table's files (over half a second for the whole schema); deleting the
    # few rows a test leaves, with foreign-key triggers off, and rewinding the id sequences owned
    # by those tables takes milliseconds.
    names = ", ".join(f"'{t}'" for t in tables)
    return (
        "BEGIN; SET LOCAL session_replication_role = replica; "
        + "".join(f"DELETE FROM {t}; " for t in tables)
        + "SELECT setval(d.objid::regclass, 1, false) FROM pg_depend d "
        "JOIN pg_class s ON s.oid = d.objid AND s.relkind = 'S' JOIN pg_class t ON t.oid = d.refobjid "
        f"WHERE d.deptype IN ('a', 'i') AND t.relname IN ({names}); COMMIT;"
    )


async def reset_database(backend: str) -> None:
    """What the `db` fixture gives a test, again: for tests that run many examples in one."""
    await empty_tables(backend)
    await ledger.ensure_chart()
    await set_business_date(START)


