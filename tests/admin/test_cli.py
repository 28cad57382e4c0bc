"""`suixing staff create`: an account from the command line, the password given or asked for."""

from __future__ import annotations

import argparse
import asyncio
import threading

import pytest

from admin import cli


def run_in_own_thread(fn):
    """Run `fn` in a fresh thread: the command opens its own event loop and database connection,
    which must not touch the ones the test session holds."""
    box: list = []
    thread = threading.Thread(target=lambda: box.append(fn()))
    thread.start()
    thread.join()
    return box[0]


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="suixing")
    cli.add_parser(parser.add_subparsers(dest="command", required=True))
    return parser.parse_args(argv)


@pytest.fixture
def database(tmp_path, monkeypatch):
    url = f"sqlite://{tmp_path}/cli.sqlite3"
    monkeypatch.setenv("SUIXING_DATABASE_URL", url)
    from domain import db
    from domain.settings import get_settings

    get_settings.cache_clear()

    async def migrate():
        from tortoise import Tortoise

        await db.migrate(url)
        await Tortoise.close_connections()  # an open SQLite connection's thread would keep the process alive

    run_in_own_thread(lambda: asyncio.run(migrate()))
    yield url
    get_settings.cache_clear()


def stored_user(url: str, username: str):
    from domain import db
    from domain.models import StaffUser

    async def fetch():
        async with db.database(database_url=url):
            return await StaffUser.get_or_none(username=username)

    return run_in_own_thread(lambda: asyncio.run(fetch()))


def test_staff_create_with_a_password_stores_an_argon2_hash(database, capsys):
    args = parse(["staff", "create", "Ops.Wang", "--role", "operator", "--password", "long-enough-1"])

    assert run_in_own_thread(lambda: args.func(args)) == 0

    user = stored_user(database, "ops.wang")
    assert user.role == "operator" and user.password_hash.startswith("$argon2id$")
    assert "created ops.wang (operator)" in capsys.readouterr().out


def test_staff_create_asks_for_the_password_twice_when_none_is_given(database, monkeypatch):
    answers = iter(["typed-password-9", "typed-password-9"])
    monkeypatch.setattr(cli.getpass, "getpass", lambda prompt="": next(answers))
    args = parse(["staff", "create", "risk.li", "--role", "risk"])

    assert run_in_own_thread(lambda: args.func(args)) == 0

    from domain.passwords import verify_password
    assert verify_password(stored_user(database, "risk.li").password_hash, "typed-password-9")


def test_staff_create_refuses_a_weak_password_and_an_unknown_role(database, capsys):
    weak = parse(["staff", "create", "someone", "--role", "viewer", "--password", "short"])
    assert run_in_own_thread(lambda: weak.func(weak)) == 2
    assert "password" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        parse(["staff", "create", "someone", "--role", "root"])
    assert stored_user(database, "someone") is None
