"""`suixing staff create USER --role ROLE [--password P]`: staff accounts from the command line."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys

from domain.errors import DomainError
from domain.services.staff import ROLES


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Register `staff` on the `suixing` command's subparsers."""
    staff = subparsers.add_parser("staff", help="manage staff accounts of the admin console")
    actions = staff.add_subparsers(dest="staff_command", required=True)
    create = actions.add_parser("create", help="create a staff account")
    create.add_argument("username")
    create.add_argument("--role", required=True, choices=ROLES)
    create.add_argument("--name", default="", help="display name")
    create.add_argument("--password", help="the password (prompted for when omitted)")
    create.set_defaults(func=run_create)
    return staff


def _read_password() -> str | None:
    first = getpass.getpass("Password: ")
    if first != getpass.getpass("Repeat password: "):
        print("the passwords differ", file=sys.stderr)
        return None
    return first


async def _create(username: str, role: str, password: str, name: str) -> int:
    from domain import db
    from domain.services import staff

    async with db.database():
        try:
            user = await staff.create_staff(username, role, password, display_name=name)
        except DomainError as exc:
            print(f"{exc.field or 'error'}: {exc.message}", file=sys.stderr)
            return 2
    print(f"created {user.username} ({user.role})")
    return 0


def run_create(args: argparse.Namespace) -> int:
    password = args.password if args.password is not None else _read_password()
    if password is None:
        return 2
    return asyncio.run(_create(args.username, args.role, password, args.name))
