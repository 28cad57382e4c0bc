"""The borrower dashboard over HTTP, against the same GraphQL stack answering from memory.

    python -m bench.api [--seconds S] [--concurrency C] [--loans N] [--database-url URL]

Seeds a borrower with N loans (default 20) of twelve instalments, each with a repayment, then
serves the app with uvicorn in a subprocess (one worker) and drives it from a separate load
process: C connections (default 4) asking the dashboard query for S seconds. In the same run it
measures the ceiling: the same query shape answered by the same schema and extensions, in this
process, from rows held in memory (no database, no HTTP), including encoding the answer as JSON.
The last line reads `api: X req/s, ceiling Y req/s, ratio Z, p99 W ms, sql/request Q`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

from bench._common import is_postgres, print_table, scratch_postgres, temp_sqlite
from domain import db as dbmod
from domain.commands import Drawdown, OpenCreditLine, RegisterBorrower, Repay
from domain.identity import make_resident_id
from domain.settings import load_settings

ROOT = Path(__file__).resolve().parents[1]
DASHBOARD = """
query Dashboard {
  me {
    name
    creditLine { id status limit available outstandingPrincipal dailyRate }
    loans(first: 50) {
      edges { cursor node { id method status principal outstandingPrincipal dailyRate apr daysPastDue
        disbursedOn maturityDate
        schedule { number dueDate principal interest fee total paid status }
        repayments { id amount penalty interest principal receivedAt } } }
      pageInfo { hasNextPage endCursor }
    }
  }
}"""


async def seed(url: str, loans: int) -> str:
    """A borrower with `loans` loans; returns a bearer token for them."""
    from datetime import date

    from domain.services import auth, ledger
    from domain.services.borrowers import register_borrower
    from domain.services.credit_lines import open_credit_line
    from domain.services.drawdown import drawdown
    from domain.services.repay import repay

    settings = load_settings({}, database_url=url)
    await dbmod.migrate(url)
    async with dbmod.database(settings):
        await ledger.ensure_chart()
        borrower = await register_borrower(RegisterBorrower(
            phone="13912340000", name="王小明", id_number=make_resident_id("110105", date(1990, 1, 1), "001"),
            agreement_version="2026-01"), settings=settings)
        await open_credit_line(OpenCreditLine(borrower.id, Decimal("200000.00"), Decimal("0.0004")),
                               settings=settings)
        for i in range(loans):
            loan = await drawdown(Drawdown(borrower.id, Decimal("1200.00"), "EQUAL_INSTALLMENT", f"seed-{i}",
                                           term_months=12), settings=settings)
            await repay(Repay(borrower.id, loan.id, Decimal("50.00"), f"seed-repay-{i}"), settings=settings)
        return await auth.start_session(borrower.id, settings)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(url: str, port: int) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SUIXING_")}
    env.update(SUIXING_DATABASE_URL=url, SUIXING_ENV="production", SUIXING_API_COUNT_SQL="true",
               PYTHONPATH=str(ROOT))
    return subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "api.app:create_app", "--factory", "--host", "127.0.0.1",
         "--port", str(port), "--log-level", "warning", "--no-access-log"],
        env=env, cwd=ROOT,
    )


async def wait_ready(base: str, process: subprocess.Popen) -> None:
    import httpx

    async with httpx.AsyncClient() as client:
        for _ in range(600):
            if process.poll() is not None:
                raise RuntimeError("the API server exited")
            try:
                if (await client.get(f"{base}/healthz", timeout=1)).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.1)
    raise RuntimeError("the API server did not start")


# The load process.

async def drive(base: str, token: str, seconds: float, concurrency: int, warmup: float) -> dict:
    import httpx

    latencies: list[float] = []
    statements: set[int] = set()
    body = json.dumps({"query": DASHBOARD, "operationName": "Dashboard"}).encode()
    headers = {"authorization": f"Bearer {token}", "content-type": "application/json"}
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as client:
        start = time.perf_counter()
        measure_from, stop_at = start + warmup, start + warmup + seconds

        async def worker() -> None:
            sent = 0
            while (now := time.perf_counter()) < stop_at:
                response = await client.post("/graphql", content=body, headers=headers)
                done = time.perf_counter()
                if response.status_code != 200:
                    raise RuntimeError(f"bad answer: {response.status_code} {response.text[:300]}")
                # Decoding 60 kB of JSON takes the load process's time; check every tenth answer.
                if sent % 10 == 0:
                    answer = response.json()
                    if answer.get("errors") or len(answer["data"]["me"]["loans"]["edges"]) == 0:
                        raise RuntimeError(f"bad answer: {str(answer)[:300]}")
                    statements.add(answer["extensions"]["sqlQueries"])
                sent += 1
                if now >= measure_from:
                    latencies.append(done - now)

        await asyncio.gather(*(worker() for _ in range(concurrency)))
    latencies.sort()
    return {"requests": len(latencies), "seconds": seconds,
            "p50": latencies[len(latencies) // 2], "p99": latencies[int(len(latencies) * 0.99)],
            "statements": sorted(statements)}


def load_main(argv: list[str]) -> None:
    base, token, seconds, concurrency, warmup = argv[0], argv[1], float(argv[2]), int(argv[3]), float(argv[4])
    print(json.dumps(asyncio.run(drive(base, token, seconds, concurrency, warmup))))


# The ceiling: the same schema and extensions answering from rows in memory.

async def ceiling(url: str, token: str, seconds: float) -> tuple[float, int]:
    from strawberry.dataloader import DataLoader

    from api.context import Context, Loaders
    from api.loans.loaders import LoanPage
    from api.schema import build_schema
    from domain.services import auth

    settings = load_settings({}, database_url=url, env="production")
    schema = build_schema(settings)
    async with dbmod.database(settings):
        claims = await auth.authenticate(token, settings)
        real = Loaders()
        borrower = await real.borrower_by_id.load(claims.borrower_id)
        line = await real.credit_line_by_borrower_id.load(borrower.id)
        loans = await real.loans_by_borrower_id.load(LoanPage(borrower.id, 51))
        installments = {loan.id: await real.installments_by_loan_id.load(loan.id) for loan in loans}
        repayments = {loan.id: await real.repayments_by_loan_id.load(loan.id) for loan in loans}

    def memory(table: dict):
        async def load(keys: list) -> list:
            return [table[k] for k in keys]
        return load

    def in_memory_loaders() -> Loaders:
        loaders = Loaders()
        loaders.borrower_by_id = DataLoader(memory({borrower.id: borrower}))
        loaders.credit_line_by_borrower_id = DataLoader(memory({borrower.id: line}))
        loaders.loans_by_borrower_id = DataLoader(memory({LoanPage(borrower.id, 51): loans}))
        loaders.installments_by_loan_id = DataLoader(memory(installments))
        loaders.repayments_by_loan_id = DataLoader(memory(repayments))
        return loaders

    async def answer() -> bytes:
        ctx = Context(settings=settings, borrower_id=borrower.id, session_id=claims.session_id,
                      loader_factory=in_memory_loaders)
        result = await schema.execute(DASHBOARD, context_value=ctx, operation_name="Dashboard")
        assert not result.errors, result.errors
        return json.dumps({"data": result.data}).encode()

    for _ in range(20):
        await answer()
    count, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        await answer()
        count += 1
    return count / (time.perf_counter() - start), len(loans)


async def run(args: argparse.Namespace) -> None:
    async def with_database(url: str) -> None:
        token = await seed(url, args.loans)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        server = start_server(url, port)
        try:
            await wait_ready(base, server)
            load = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bench.api", "--load", base, token, str(args.seconds), str(args.concurrency),
                str(args.warmup), cwd=ROOT, stdout=asyncio.subprocess.PIPE,
            )
            out, _ = await load.communicate()
            if load.returncode:
                raise RuntimeError("the load process failed")
            measured = json.loads(out.decode().strip().splitlines()[-1])
        finally:
            server.terminate()
            server.wait(10)
        top, loans = await ceiling(url, token, args.seconds)
        rate = measured["requests"] / measured["seconds"]
        statements = measured["statements"]
        q = statements[0] if len(statements) == 1 else "/".join(map(str, statements))
        print_table([
            ("database", "PostgreSQL" if is_postgres(url) else "SQLite"),
            ("query", f"dashboard: {loans} loans x 12 instalments, with repayments"),
            ("load", f"{args.concurrency} connections for {args.seconds:g} s (after {args.warmup:g} s warm-up)"),
            ("api (uvicorn, 1 worker)", f"{rate:,.1f} req/s"),
            ("  p50 / p99", f"{measured['p50'] * 1000:.1f} ms / {measured['p99'] * 1000:.1f} ms"),
            ("  SQL statements per request", f"{q} (token check included)"),
            ("ceiling (same schema, rows in memory)", f"{top:,.1f} req/s"),
            ("ratio", f"{rate / top:.2f}"),
        ], title="bench.api: the borrower dashboard")
        print(f"api: {rate:.1f} req/s, ceiling {top:.1f} req/s, ratio {rate / top:.2f}, "
              f"p99 {measured['p99'] * 1000:.1f} ms, sql/request {q}")

    if args.database_url and is_postgres(args.database_url):
        async with scratch_postgres(args.database_url) as url:
            await with_database(url)
    elif args.database_url:
        await with_database(args.database_url)
    else:
        async with temp_sqlite() as url:
            await with_database(url)


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "--load":
        load_main(argv[1:])
        return
    parser = argparse.ArgumentParser(prog="python -m bench.api", description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--loans", type=int, default=20)
    parser.add_argument("--database-url", default="")
    asyncio.run(run(parser.parse_args(argv)))


if __name__ == "__main__":
    main()
