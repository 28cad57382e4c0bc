"""`suixing pool`: preview and create pools, close their periods, read reports and projections."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from decimal import Decimal, InvalidOperation

from domain.pools.waterfall import PrincipalMode, TrancheKind


def _decimal(text: str) -> Decimal:
    try:
        return Decimal(text)
    except InvalidOperation as exc:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from exc


def _tranche(kind: TrancheKind):
    def parse(text: str):
        from domain.services.pooling.spec import TrancheSpec

        # NAME=SHARE@COUPON, e.g. A=0.80@0.045 (the subordinated tranche: NAME only).
        name, _, terms = text.partition("=")
        share, _, coupon = terms.partition("@")
        try:
            return TrancheSpec(name.strip(), kind, Decimal(share or "0"), Decimal(coupon or "0"))
        except InvalidOperation as exc:
            raise argparse.ArgumentTypeError(f"expected NAME=SHARE@COUPON, not {text!r}") from exc
    return parse


def _names(text: str | None) -> frozenset[str] | None:
    return None if not text else frozenset(x.strip() for x in text.split(",") if x.strip())


def _spec(args):
    from domain.services.pooling.spec import PoolSpec, TrancheSpec, make_criteria

    criteria = make_criteria(
        max_dpd=args.max_dpd, min_remaining_term_months=args.min_term, max_remaining_term_months=args.max_term,
        min_daily_rate=args.min_rate, max_daily_rate=args.max_rate, max_borrower_share=args.max_borrower_share,
        methods=_names(args.methods), score_bands=_names(args.score_bands), segments=_names(args.segments),
    )
    tranches = (*args.senior, *args.mezzanine, TrancheSpec(args.subordinated, TrancheKind.SUBORDINATED))
    return PoolSpec(
        name=args.name, criteria=criteria, tranches=tuple(tranches), revolving_months=args.revolving_months,
        principal_mode=PrincipalMode(args.principal_mode), turbo=args.turbo, trustee_fee=args.trustee_fee,
        servicer_fee=args.servicer_fee, trustee_fee_fixed=args.trustee_fee_fixed,
        servicer_fee_fixed=args.servicer_fee_fixed, max_default_rate=args.max_default_rate,
        min_oc_ratio=args.min_oc_ratio,
    )


def _print_preview(preview) -> None:
    total = preview.stats.total
    print(f"cut-off {preview.cut_off_date}: {total.count} loans, balance {total.balance}, "
          f"WA daily rate {total.wa_daily_rate}, WA remaining term {total.wa_remaining_term_months} months")
    for title, groups in (("method", preview.stats.by_method), ("score band", preview.stats.by_score_band),
                          ("segment", preview.stats.by_segment)):
        for key, g in groups.items():
            print(f"  by {title:<10} {key:<18} {g.count:>7} loans {g.balance:>16} ({g.share})")
    print("tranches: " + ", ".join(str(size) for size in preview.tranche_sizes))
    if preview.rejected_by_reason:
        print("left out: " + ", ".join(f"{k} {v}" for k, v in preview.rejected_by_reason.items()))


async def _pools(args) -> int:
    from domain import db
    from domain.errors import DomainError

    async with db.database():
        try:
            return await _act(args)
        except DomainError as exc:
            where = f" ({exc.field})" if exc.field else ""
            print(f"error{where}: {exc.message}", file=sys.stderr)
            return 1


async def _act(args) -> int:
    from domain.models import Pool, PoolPeriod
    from domain.services.pooling import build, periods, projection

    if args.action in ("preview", "create"):
        spec = _spec(args)
        if args.action == "preview":
            _print_preview(await build.preview_pool(spec))
        else:
            pool = await build.create_pool(spec, actor="cli")
            print(f"pool {pool.id} {pool.name!r} created: balance {pool.cut_off_balance_fen / 100:.2f}")
    elif args.action == "list":
        for pool in await Pool.all().order_by("id"):
            print(f"{pool.id:>4} {pool.name:<24} {pool.status:<11} cut-off {pool.cut_off_date} "
                  f"periods {pool.periods_closed} breached {pool.trigger_breached_on or '-'}")
    elif args.action == "close-periods":
        for period in await periods.close_due_periods():
            print(f"pool {period.pool_id} period {period.number} ({period.start_date}..{period.end_date}) closed: "
                  f"cash in {period.cash_in_fen / 100:.2f}, paid out {period.paid_out_fen / 100:.2f}")
    elif args.action == "report":
        found = PoolPeriod.filter(pool_id=args.pool_id)
        period = await (found.filter(number=args.period) if args.period else found.order_by("-number")).first()
        if period is None:
            print("no such period", file=sys.stderr)
            return 1
        print(json.dumps(period.report, indent=2, ensure_ascii=False))
    else:
        wanted = projection.assumptions(cdr=args.cdr, cpr=args.cpr, recovery_rate=args.recovery_rate,
                                        recovery_lag=args.recovery_lag, periods=args.periods)
        rows = (await projection.project_pool(args.pool_id, wanted)).rows()
        if rows:
            print("\t".join(rows[0]))
            for row in rows:
                print("\t".join(row.values()))
    return 0


def add_parser(sub) -> None:
    pool = sub.add_parser("pool", help="securitised pools: preview, create, close periods, reports, projections")
    actions = pool.add_subparsers(dest="action", required=True)
    for action, text in (("preview", "what a pool with these terms would hold today; changes nothing"),
                         ("create", "sell the loans these terms select today to a new pool")):
        p = actions.add_parser(action, help=text)
        if action == "create":
            p.add_argument("name")
        else:
            p.add_argument("--name", default="preview")
        p.add_argument("--senior", type=_tranche(TrancheKind.SENIOR), action="append", required=True,
                       metavar="NAME=SHARE@COUPON")
        p.add_argument("--mezzanine", type=_tranche(TrancheKind.MEZZANINE), action="append", default=[],
                       metavar="NAME=SHARE@COUPON")
        p.add_argument("--subordinated", default="Sub", metavar="NAME")
        p.add_argument("--revolving-months", type=int, default=12)
        p.add_argument("--principal-mode", choices=[m.value for m in PrincipalMode], default="SEQUENTIAL")
        p.add_argument("--turbo", action="store_true", help="amortisation: every fen left pays principal")
        p.add_argument("--trustee-fee", type=_decimal, default=Decimal("0"))
        p.add_argument("--servicer-fee", type=_decimal, default=Decimal("0"))
        p.add_argument("--trustee-fee-fixed", type=_decimal, default=Decimal("0"), help="CNY a period")
        p.add_argument("--servicer-fee-fixed", type=_decimal, default=Decimal("0"), help="CNY a period")
        p.add_argument("--max-default-rate", type=_decimal, default=Decimal("0.05"))
        p.add_argument("--min-oc-ratio", type=_decimal, default=Decimal("1"))
        p.add_argument("--max-dpd", type=int, default=0)
        p.add_argument("--min-term", type=int, default=1, help="shortest remaining term, months")
        p.add_argument("--max-term", type=int, default=None)
        p.add_argument("--min-rate", type=_decimal, default=None, help="lowest daily rate")
        p.add_argument("--max-rate", type=_decimal, default=None, help="highest daily rate")
        p.add_argument("--max-borrower-share", type=_decimal, default=None)
        p.add_argument("--methods", help="comma-separated repayment methods")
        p.add_argument("--score-bands", help="comma-separated score bands (A, B, ...)")
        p.add_argument("--segments", help="comma-separated borrower segments")
        p.set_defaults(func=lambda a: asyncio.run(_pools(a)))
    actions.add_parser("list", help="every pool").set_defaults(func=lambda a: asyncio.run(_pools(a)))
    actions.add_parser("close-periods", help="close every collection period that has ended").set_defaults(
        func=lambda a: asyncio.run(_pools(a)))
    report = actions.add_parser("report", help="a period's investor report as JSON (the last one by default)")
    report.add_argument("pool_id", type=int)
    report.add_argument("--period", type=int)
    report.set_defaults(func=lambda a: asyncio.run(_pools(a)))
    project = actions.add_parser("project", help="project the pool's cash flows and tranche payments")
    project.add_argument("pool_id", type=int)
    project.add_argument("--cdr", type=_decimal, default=Decimal("0"))
    project.add_argument("--cpr", type=_decimal, default=Decimal("0"))
    project.add_argument("--recovery-rate", type=_decimal, default=Decimal("0"))
    project.add_argument("--recovery-lag", type=int, default=0)
    project.add_argument("--periods", type=int)
    project.set_defaults(func=lambda a: asyncio.run(_pools(a)))
