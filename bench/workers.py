"""Background work: reminders planned and delivered, and the outbox relay beside raw Redis publishing.

    python -m bench.workers [--instalments 100000] [--events 50000] [--database-url URL]

Reminders: 100,000 unpaid instalments sit in the stage windows of one business date (one SMS each);
the reminder job plans them (one INSERT ... SELECT) and delivers them through the `log` provider.
Relay: the same number of events is relayed from the event table to a Redis channel, beside the
baseline of publishing those events straight to Redis (one PUBLISH each, pipelined a batch at a
time, no database), both against a redis-server this run starts on a free port. SQLite in a
temporary directory unless --database-url is given (an empty, migrated PostgreSQL database, say).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import shutil
import socket
import subprocess
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import redis.asyncio as aioredis

from domain import db
from domain.models import Borrower, CreditLine, Event, Installment, Loan
from domain.outbox.broadcaster import Broadcaster
from domain.outbox.redis_fanout import RedisFanout
from domain.rules.reminders import LATEST
from domain.services import ledger
from domain.services.calendar import set_business_date
from domain.services.event_feed import FeedEvent
from domain.services.reminders import plan_reminders
from domain.settings import load_settings
from workers.jobs.reminders import quiet_hours, send_reminders
from workers.notifiers import LogNotifier
from workers.relay import Relay

TODAY = date(2026, 3, 2)
NOON = datetime(2026, 3, 2, 12, tzinfo=ZoneInfo("Asia/Shanghai")).astimezone(UTC)
PER_BORROWER = 5


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_redis() -> tuple[subprocess.Popen, str]:
    port = _free_port()
    binary = shutil.which("redis-server")
    if binary is None:
        raise SystemExit("redis-server is not installed")
    proc = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                             "--daemonize", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
            return proc, f"redis://127.0.0.1:{port}/0"
        except OSError:
            time.sleep(0.05)
    raise SystemExit("redis-server did not start")


async def instalments_due(count: int) -> None:
    """`count` loans with one unpaid instalment each, due dates spread over every stage window."""
    now = datetime.now(UTC)
    borrowers = (count + PER_BORROWER - 1) // PER_BORROWER
    await Borrower.bulk_create([
        Borrower(name=f"借款人{n}", id_number_enc="x", id_number_hash=f"id{n}", id_last4="0000", phone_enc="x",
                 phone_hash=f"ph{n}", phone_last4="0000", birth_date=date(1990, 1, 1), sex="F",
                 reminder_channels="SMS", agreement_version="2026-01", consented_at=now)
        for n in range(borrowers)], batch_size=5000)
    bids = [b["id"] for b in await Borrower.all().order_by("id").values("id")]
    await CreditLine.bulk_create([CreditLine(borrower_id=b, limit_fen=10_000_000, used_fen=0, daily_rate_ppm=400,
                                             opened_on=TODAY) for b in bids], batch_size=5000)
    lines = {r["borrower_id"]: r["id"] for r in await CreditLine.all().values("id", "borrower_id")}
    spread = [TODAY - timedelta(days=d) for d in range(-3, LATEST + 1)]
    await Loan.bulk_create([
        Loan(borrower_id=bids[n // PER_BORROWER], credit_line_id=lines[bids[n // PER_BORROWER]],
             method="EQUAL_INSTALLMENT", principal_fen=100_000, daily_rate_ppm=400, apr_ppm=146_000, term_months=3,
             disbursed_on=TODAY - timedelta(days=60), maturity_date=TODAY + timedelta(days=30),
             outstanding_principal_fen=100_000, next_due_on=spread[n % len(spread)], closed_through=TODAY)
        for n in range(count)], batch_size=5000)
    loans = await Loan.all().order_by("id").values("id", "next_due_on")
    await Installment.bulk_create([
        Installment(loan_id=r["id"], number=1, due_date=r["next_due_on"], principal_fen=33_333, interest_fen=1_200)
        for r in loans], batch_size=5000)


async def events(count: int) -> None:
    now = datetime.now(UTC)
    await Event.bulk_create([
        Event(type="REPAYMENT_RECEIVED", occurred_at=now, business_date=TODAY, borrower_id=n % 997 + 1,
              loan_id=n + 1, data={"repaymentId": n + 1, "amount": "123.45", "principal": "100.00"})
        for n in range(count)], batch_size=5000)


async def raw_publish(url: str, count: int, batch: int) -> float:
    """The baseline: the same events straight to Redis, no database."""
    rows = await Event.all().order_by("id").limit(count)
    payloads = [json.dumps(FeedEvent.from_model(e).to_wire(), separators=(",", ":")) for e in rows]
    client = aioredis.from_url(url)
    started = time.perf_counter()
    for start in range(0, len(payloads), batch):
        async with client.pipeline(transaction=False) as pipe:
            for p in payloads[start:start + batch]:
                pipe.publish("bench:raw", p)
            await pipe.execute()
    elapsed = time.perf_counter() - started
    await client.aclose()
    return elapsed


async def main(args: argparse.Namespace) -> None:
    logging.getLogger("suixing").setLevel(logging.WARNING)
    workdir = tempfile.mkdtemp(prefix="bench-workers-")
    url = args.database_url or f"sqlite://{workdir}/bench.sqlite3"
    settings = load_settings({}, database_url=url, reminder_batch_size=5000, relay_batch_size=args.batch)
    redis_proc, redis_url = start_redis()
    try:
        await db.migrate(url)
        await db.init_db(database_url=url)
        await ledger.ensure_chart()
        await set_business_date(TODAY)
        t = time.perf_counter()
        await instalments_due(args.instalments)
        setup_s = time.perf_counter() - t

        ctx = {"settings": settings, "notifier": LogNotifier(), "enqueue": None}
        assert not quiet_hours(settings).contains(NOON)
        t = time.perf_counter()
        job = await send_reminders(ctx, now=NOON)
        job_s = time.perf_counter() - t
        planned, delivered = job["planned"], job["sent"]
        # Planning alone, once more on an empty table.
        await db.conn().execute_script("DELETE FROM notification")
        t = time.perf_counter()
        replanned = await plan_reminders(now=NOON, quiet=quiet_hours(settings), today=TODAY)
        plan_s = time.perf_counter() - t
        assert replanned == planned

        await events(args.events)
        raw_s = await raw_publish(redis_url, args.events, args.batch)
        publisher = RedisFanout(redis_url, Broadcaster(), prefix="bench")
        relay = Relay(publisher, None, batch=args.batch)
        relay.cursor = 0
        t = time.perf_counter()
        relayed = 0
        while True:
            n = await relay.relay_once()
            if not n:
                break
            relayed += n
        relay_s = time.perf_counter() - t
        await publisher.stop()
        await db.close_db()
    finally:
        redis_proc.terminate()
        redis_proc.wait(timeout=10)
        if not args.database_url:
            shutil.rmtree(workdir, ignore_errors=True)

    backend = "postgres" if url.startswith(("postgres", "postgresql")) else "sqlite"
    # The target is about planning: R is reminders planned per second; the job's full rate is in the table.
    reminders_per_s = planned / plan_s
    relay_per_s = relayed / relay_s
    raw_per_s = args.events / raw_s
    print(f"backend {backend}, {args.instalments} instalments due (setup {setup_s:.1f} s), {args.events} events, "
          f"batch {args.batch}")
    print(f"{'step':<34}{'count':>10}{'seconds':>10}{'per second':>14}")
    print(f"{'reminders planned (INSERT..SELECT)':<34}{planned:>10}{plan_s:>10.2f}{planned / plan_s:>14.0f}")
    print(f"{'reminder job: planned + delivered':<34}{delivered:>10}{job_s:>10.2f}{delivered / job_s:>14.0f}")
    print(f"{'relay: table -> Redis, marked':<34}{relayed:>10}{relay_s:>10.2f}{relay_per_s:>14.0f}")
    print(f"{'raw PUBLISH, one per event':<34}{args.events:>10}{raw_s:>10.2f}{raw_per_s:>14.0f}")
    print(f"targets: {args.instalments} reminders planned in <= 10 s ({'met' if plan_s <= 10 else 'MISSED'}); "
          f"relay >= 0.3 of raw publish ({'met' if relay_per_s >= 0.3 * raw_per_s else 'MISSED'})")
    print(f"workers: reminders_per_s {reminders_per_s:.0f}, relay_events_per_s {relay_per_s:.0f}, "
          f"raw_publish_per_s {raw_per_s:.0f}, ratio {relay_per_s / raw_per_s:.2f}")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.workers", description=__doc__.splitlines()[0])
    parser.add_argument("--instalments", type=int, default=100_000)
    parser.add_argument("--events", type=int, default=50_000)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", ""))
    return parser.parse_args(argv)


if __name__ == "__main__":
    asyncio.run(main(parse_args()))
