"""`suixing insurer add|plan|list`: insurer partners and the plans that cover draws."""

from __future__ import annotations

import argparse
import asyncio
import sys

from domain.errors import DomainError


async def add_insurer(args: argparse.Namespace) -> int:
    from domain.services import insurance

    try:
        insurer = await insurance.create_insurer(args.name, args.partner)
    except DomainError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 1
    print(f"insurer {insurer.name!r} added" + (f" (partner {args.partner})" if args.partner else ""))
    return 0


async def add_plan(args: argparse.Namespace) -> int:
    from domain.services import insurance

    try:
        plan = await insurance.create_plan(
            args.name, insurer=args.insurer, premium_monthly=args.premium_monthly, cover=args.cover,
            methods=args.methods, min_amount=args.min_amount, max_amount=args.max_amount, priority=args.priority)
    except DomainError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 1
    print(f"plan added: {insurance.describe_plan(plan)}")
    return 0


async def list_insurers(args: argparse.Namespace) -> int:
    from domain.services import insurance

    summaries = await insurance.list_insurers()
    if not summaries:
        print("no insurers")
    for s in summaries:
        print(s.insurer.name + (f" (partner {s.partner_name})" if s.partner_name else ""))
        for plan in s.plans:
            print(f"  {insurance.describe_plan(plan)}")
    return 0


def _with_database(command):
    async def run(args: argparse.Namespace) -> int:
        from domain import db

        async with db.database():
            return await command(args)

    return lambda args: asyncio.run(run(args))


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Register `insurer` on the `suixing` command's subparsers."""
    insurer = subparsers.add_parser("insurer", help="insurer partners and their insurance plans")
    actions = insurer.add_subparsers(dest="insurer_command", required=True)

    add = actions.add_parser("add", help="add an insurer")
    add.add_argument("name")
    add.add_argument("--partner", help="the partner (see `suixing partner create`) the insurer reads events as")
    add.set_defaults(func=_with_database(add_insurer))

    plan = actions.add_parser("plan", help="add a plan of an insurer, offered at drawdown")
    plan.add_argument("name")
    plan.add_argument("--insurer", required=True, help="the insurer's name")
    plan.add_argument("--premium-monthly", required=True, help="premium a month on the principal, e.g. 0.003")
    plan.add_argument("--cover", required=True, help="insured share of what is owed at the claim, e.g. 0.8")
    plan.add_argument("--methods", default="", help="comma-separated repayment methods; default: every method")
    plan.add_argument("--min-amount", help="smallest draw covered, CNY")
    plan.add_argument("--max-amount", help="largest draw covered, CNY")
    plan.add_argument("--priority", default="100", help="lower goes first when several plans fit")
    plan.set_defaults(func=_with_database(add_plan))

    listing = actions.add_parser("list", help="list insurers and their plans")
    listing.set_defaults(func=_with_database(list_insurers))
    return insurer
