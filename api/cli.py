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

    async with db.database():
        for result in await run_close(args.days):
            s = result.stats
            print(
                f"closed {result.closed_date} -> {result.new_date}: {s.get('loans_closed', 0)} loans, "
                f"{s.get('installments_due', 0)} instalments due, {s.get('loans_overdue', 0)} newly overdue, "
                f"{s.get('loans_written_off', 0)} written off, {s.get('lines_frozen', 0)} lines frozen"
            )
    return 0


async def _demo(args) -> int:
    from domain.demo import build_demo

    from domain import db
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

    uvicorn.run("api.app:create_app", factory=True, host=args.host, port=args.port, workers=args.workers,
                log_level="info")
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
    serve.set_defaults(func=_serve)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if getattr(args, "days", 1) is not None and getattr(args, "days", 1) < 1:
        print("--days must be at least 1", file=sys.stderr)
        return 2
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
