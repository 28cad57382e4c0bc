"""The `suixing` command."""

from __future__ import annotations

import argparse
import asyncio
import sys

from domain.settings import get_settings


def _run(coro) -> int:
    return asyncio.run(coro) or 0


async def _migrate(args) -> int:
    from domain import db
    from domain.services import ledger

    await db.migrate()
    async with db.database():
        await ledger.ensure_chart()
    print("database is up to date")
    return 0


async def _cob(args) -> int:
    from domain import db
    from domain.services.cob import run_close
    from domain.services.pooling.periods import close_due_periods

    async with db.database():
        for result in await run_close(args.days):
            s = result.stats
            print(
                f"closed {result.closed_date} -> {result.new_date}: {s.get('loans_closed', 0)} loans, "
                f"{s.get('installments_due', 0)} instalments due, {s.get('loans_overdue', 0)} newly overdue, "
                f"{s.get('loans_written_off', 0)} written off, {s.get('loans_claimed', 0)} claimed, "
                f"{s.get('lines_frozen', 0)} lines frozen"
            )
        for period in await close_due_periods():
            print(f"pool {period.pool_id}: period {period.number} to {period.end_date} closed")
    return 0


async def _demo(args) -> int:
    from domain import db
    from domain.demo import build_demo
    from domain.models import Borrower

    async with db.database():
        if args.if_empty and await Borrower.exists():
            print("demo portfolio already loaded")
            return 0
        summary = await build_demo(borrowers=args.borrowers, days=args.days, seed=args.seed)
        print(summary)
    return 0


def _serve(args) -> int:
    import uvicorn

    settings = get_settings()
    if settings.embedded and args.workers > 1:
        print("note: without SUIXING_REDIS_URL each worker process runs its own background jobs and "
              "serves only its own subscribers from its own relay", file=sys.stderr)
    uvicorn.run("api.app:create_app", factory=True, host=args.host, port=args.port, workers=args.workers,
                log_level=args.log_level, proxy_headers=args.proxy_headers, ws_max_size=settings.api_max_body_bytes)
    return 0


async def _partner_create(args) -> int:
    from domain import db
    from domain.errors import DomainError
    from domain.services.partners import create_partner

    async with db.database():
        try:
            partner, key = await create_partner(args.name, args.scopes)
        except DomainError as exc:
            print(f"error: {exc.message}", file=sys.stderr)
            return 1
    print(f"partner {partner.name!r} created with scopes {partner.scopes}")
    print("API key (shown only this once; store it now):")
    print(key)
    return 0


async def _partner_revoke(args) -> int:
    from domain import db
    from domain.errors import DomainError
    from domain.services.partners import revoke_partner

    async with db.database():
        try:
            partner = await revoke_partner(args.name)
        except DomainError as exc:
            print(f"error: {exc.message}", file=sys.stderr)
            return 1
    print(f"partner {partner.name!r} revoked; its key no longer works")
    return 0


def build_parser() -> argparse.ArgumentParser:
    settings = get_settings()
    parser = argparse.ArgumentParser(prog="suixing", description="Suixing consumer-credit core")
    sub = parser.add_subparsers(dest="command", required=True)

    sub.add_parser("migrate", help="apply database migrations").set_defaults(func=lambda a: _run(_migrate(a)))

    cob = sub.add_parser("cob", help="run close of business, advancing the business date")
    cob.add_argument("--days", type=int, default=1)
    cob.set_defaults(func=lambda a: _run(_cob(a)))

    demo = sub.add_parser("demo", help="build a demo portfolio and simulate business days")
    demo.add_argument("--borrowers", type=int, default=settings.demo_borrowers)
    demo.add_argument("--days", type=int, default=settings.demo_days)
    demo.add_argument("--seed", type=int, default=7)
    demo.add_argument("--if-empty", action="store_true", help="do nothing when borrowers exist")
    demo.set_defaults(func=lambda a: _run(_demo(a)))

    serve = sub.add_parser("serve", help="serve the API and admin")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1)
    serve.add_argument("--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"])
    serve.add_argument("--proxy-headers", action="store_true",
                       help="trust X-Forwarded-For from the proxy in front (client IPs for anti-fraud)")
    serve.set_defaults(func=_serve)

    partner = sub.add_parser("partner", help="manage partner systems and their API keys")
    partner_sub = partner.add_subparsers(dest="partner_command", required=True)
    create = partner_sub.add_parser("create", help="register a partner and print its API key once")
    create.add_argument("name")
    create.add_argument("--scopes", required=True, help="comma-separated: events:read, pools:read")
    create.set_defaults(func=lambda a: _run(_partner_create(a)))
    revoke = partner_sub.add_parser("revoke", help="revoke a partner's API key")
    revoke.add_argument("name")
    revoke.set_defaults(func=lambda a: _run(_partner_revoke(a)))

    from admin.cli import add_parser as add_staff_parser
    from api.cli_insurance import add_parser as add_insurer_parser
    from api.cli_ops import add_parsers as add_ops_parsers
    from api.cli_pools import add_parser as add_pool_parser
    from workers.cli import add_parser as add_worker_parser

    add_staff_parser(sub)
    add_worker_parser(sub)
    add_ops_parsers(sub)
    add_insurer_parser(sub)
    add_pool_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if getattr(args, "days", 1) is not None and getattr(args, "days", 1) < 1:
        print("--days must be at least 1", file=sys.stderr)
        return 2
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
