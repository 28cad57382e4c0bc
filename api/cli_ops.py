"""Operations commands of `suixing`: the credit model registry and the decision chain."""

from __future__ import annotations

import asyncio
import json


async def _model(args) -> int:
    from domain import db
    from domain.errors import NotFound
    from domain.services import model_registry

    async with db.database():
        if args.action == "bootstrap":
            version = await model_registry.bootstrap()
            print(f"model {version.version} ({version.pipeline}) champion={version.is_champion}")
            print(json.dumps(version.metrics, indent=2, default=str))
        elif args.action == "versions":
            for v in await model_registry.list_versions():
                m = v.metrics or {}
                # Bootstrapped versions report progressive metrics, online ones their rolling window.
                window = m.get("window") or m.get("progressive") or {}
                mark = "*" if v.is_champion else " "
                print(f"{mark} {v.version:<8} {v.pipeline:<16} updates={v.n_updates:<6} {v.created_at:%Y-%m-%d %H:%M} "
                      f"auc={window.get('auc', '-')} n={window.get('n', '-')} "
                      f"default_rate={window.get('default_rate', '-')}")
        else:
            if not args.version:
                print("promote needs a VERSION")
                return 2
            try:
                version = await model_registry.promote(args.version)
            except NotFound as exc:
                print(exc.message)
                return 1
            print(f"model {version.version} is the champion")
    return 0


async def _audit(args) -> int:
    from domain import audit, db

    async with db.database():
        result = await audit.verify_chain()
    print(result.message)
    return 0 if result.ok else 1


def add_parsers(sub) -> None:
    model = sub.add_parser("model", help="the credit model registry")
    model.add_argument("action", choices=["bootstrap", "versions", "promote"])
    model.add_argument("version", nargs="?")
    model.set_defaults(func=lambda a: asyncio.run(_model(a)))

    audit = sub.add_parser("audit", help="the tamper-evident decision chain")
    audit.add_argument("action", choices=["verify"])
    audit.set_defaults(func=lambda a: asyncio.run(_audit(a)))
