"""Close of business at scale.

    python -m bench.cob --loans N [--database-url URL]

Builds N open loans (daily interest, equal instalment and equal principal, terms up to twelve
months, some overdue by up to 180 days) with raw bulk INSERTs, then times one close of business
and, in the same run, the floor: one UPDATE that rewrites every loan row. Without --database-url
the database is a SQLite file in a temporary folder; a PostgreSQL URL names a server on which a
scratch database is created and dropped. The last line reads
`cob: N loans, X s, floor Y s, ratio Z`."""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, localcontext

from tortoise import Tortoise

from bench._common import (
    Clock,
    RawTable,
    is_postgres,
    iso,
    postgres_bulk,
    print_table,
    scratch_postgres,
    sqlite_bulk,
    sqlite_path,
    sqlite_url,
    temp_sqlite,
)
from domain import db as dbmod
from domain.dates import add_months
from domain.models import Borrower, CreditLine, Installment, Loan
from domain.rules.overdue import classify
from domain.rules.schedule import Method, build_schedule
from domain.services import ledger
from domain.services.calendar import set_business_date
from domain.services.cob import close_business_day
from domain.settings import load_settings

# The business date being closed.
TODAY = date(2026, 3, 2)
TERMS = (3, 6, 9, 12)
RATES_PPM = (200, 250, 300, 350, 400, 450, 500)
OVERDUE_SHARE = 0.04
CHUNK = 20_000
CONSENTED = datetime(2026, 1, 1, tzinfo=UTC)
BIRTH = date(1990, 1, 1)
NO_DATE = date.min

_LOAN_COLUMNS = (
    "id", "borrower_id", "credit_line_id", "method", "day_count", "principal_fen", "daily_rate_ppm", "apr_ppm",
    "term_months", "term_days", "disbursed_on", "maturity_date", "status", "classification", "dpd",
    "outstanding_principal_fen", "overdue_principal_fen", "interest_receivable_fen", "penalty_receivable_fen",
    "accrual_from", "interest_carried_fen", "next_due_on", "closed_through",
)
_INSTALLMENT_COLUMNS = (
    "id", "loan_id", "number", "due_date", "principal_fen", "interest_fen", "fee_fen", "paid_principal_fen",
    "paid_interest_fen", "paid_fee_fen", "status", "paid_on",
)
_BORROWER_COLUMNS = (
    "id", "name", "id_number_enc", "id_number_hash", "id_last4", "phone_enc", "phone_hash", "phone_last4",
    "birth_date", "sex", "agreement_version", "consented_at",
)
_LINE_COLUMNS = ("id", "borrower_id", "limit_fen", "used_fen", "daily_rate_ppm", "status", "frozen_reason",
                 "opened_on")


def _level_factors() -> dict[tuple[int, int], int]:
    """Equal-instalment payment per fen of principal, scaled by 10^15, for each rate and term."""
    out = {}
    with localcontext() as ctx:
        ctx.prec = 40
        for ppm in RATES_PPM:
            r = Decimal(ppm) * 30 / Decimal(1_000_000)
            for n in TERMS:
                growth = (1 + r) ** n
                out[(ppm, n)] = int(r * growth / (growth - 1) * Decimal(10) ** 15)
    return out


class Portfolio:
    """A deterministic book of loans as they stand after the close of the day before TODAY:
    earlier instalments of current loans are paid; overdue loans owe every instalment from their
    oldest unpaid one, with days past due, penalty, status and classification to match."""

    def __init__(self, postgres: bool, grace_days: int, seed: int = 7) -> None:
        self.rnd = random.Random(seed)
        self.grace = grace_days
        self.level = _level_factors()
        self.borrowers = RawTable(Borrower, _BORROWER_COLUMNS, postgres=postgres)
        self.lines = RawTable(CreditLine, _LINE_COLUMNS, postgres=postgres)
        self.loans = RawTable(Loan, _LOAN_COLUMNS, postgres=postgres)
        self.installments = RawTable(Installment, _INSTALLMENT_COLUMNS, postgres=postgres)
        self.tables = [t.table for t in (self.borrowers, self.lines, self.loans, self.installments)]
        self.next_installment = 1
        # Dates as the driver takes them: date objects for asyncpg, ISO text for SQLite.
        self.v = (lambda d: d) if postgres else iso
        self.consented = self.loans.value(CONSENTED)

    def batches(self, n: int) -> Iterator[list[tuple[RawTable, list[tuple]]]]:
        for start in range(1, n + 1, CHUNK):
            borrowers, lines, loans, installments = [], [], [], []
            for i in range(start, min(start + CHUNK, n + 1)):
                self._one(i, borrowers, lines, loans, installments)
            yield [(self.borrowers, borrowers), (self.lines, lines), (self.loans, loans),
                   (self.installments, installments)]

    def _one(self, i: int, borrowers: list, lines: list, loans: list, installments: list) -> None:
        rnd, v = self.rnd, self.v
        ppm = rnd.choice(RATES_PPM)
        principal = rnd.randint(500, 50_000) * 100
        overdue = rnd.random() < OVERDUE_SHARE
        pick = rnd.random()
        method = "DAILY_INTEREST" if pick < 0.3 else "EQUAL_INSTALLMENT" if pick < 0.75 else "EQUAL_PRINCIPAL"
        if method == "DAILY_INTEREST":
            start, dues, amounts, term_months, term_days = self._daily(principal, ppm, overdue)
        else:
            start, dues, amounts, term_months, term_days = self._monthly(principal, ppm, method, overdue)
        # The oldest unpaid instalment: the first one after today, or an earlier one left unpaid.
        if overdue:
            first_unpaid = rnd.randrange(0, sum(1 for d in dues if d <= TODAY))
        else:
            first_unpaid = sum(1 for d in dues if d <= TODAY)
        next_due = dues[first_unpaid]
        dpd = max((TODAY - next_due).days, 0)
        paid_principal = overdue_principal = fallen_interest = 0
        for k, (due, (p, interest)) in enumerate(zip(dues, amounts, strict=True)):
            if k < first_unpaid:
                status, paid = "PAID", (p, interest, due)
                paid_principal += p
            else:
                status = "PENDING" if due > TODAY else "OVERDUE" if due < TODAY - timedelta(self.grace) else "DUE"
                paid = (0, 0, NO_DATE)
                if due < TODAY:
                    overdue_principal += p
                if due <= TODAY:
                    fallen_interest += interest
            installments.append((self.next_installment, i, k + 1, v(due), p, interest, 0, paid[0], paid[1], 0,
                                 status, None if paid[2] is NO_DATE else v(paid[2])))
            self.next_installment += 1
        outstanding = principal - paid_principal
        maturity = dues[-1]
        if method == "DAILY_INTEREST":
            held = (min(TODAY, maturity) - start).days
            interest_receivable = (outstanding * ppm * held + 500_000) // 1_000_000
        else:
            interest_receivable = fallen_interest
        penalty = 0
        if dpd > self.grace:
            penalty = (overdue_principal * ppm * 6 + 2_000_000) // 4_000_000 * dpd
        loan_status = "OVERDUE" if dpd > self.grace else "ACTIVE"
        # Zero-padded keys ascend with the id, so their unique indexes grow at the end.
        borrowers.append((i, "Bench", "x", f"idh{i:012d}", f"{i % 10000:04d}", "x", f"phh{i:012d}", f"{i % 10000:04d}",
                          v(BIRTH), "M", "2026-01", self.consented))
        frozen = loan_status == "OVERDUE"
        lines.append((i, i, max(principal * 2, 2_000_000), outstanding, ppm, "FROZEN" if frozen else "ACTIVE",
                      "OVERDUE" if frozen else None, v(start)))
        loans.append((i, i, i, method, "THIRTY_360", principal, ppm, ppm * 365, term_months, term_days, v(start),
                      v(maturity), loan_status, classify(dpd).value, dpd, outstanding, overdue_principal,
                      interest_receivable, penalty, v(start) if method == "DAILY_INTEREST" else None, 0,
                      v(next_due), v(TODAY)))

    def _daily(self, principal: int, ppm: int, overdue: bool):
        rnd = self.rnd
        term = rnd.randint(7, 360)
        # Current loans mature after today; overdue ones up to 181 days ago.
        maturity = TODAY - timedelta(rnd.randint(0, 180)) if overdue else TODAY + timedelta(rnd.randint(1, term))
        start = maturity - timedelta(term)
        interest = (principal * ppm * term + 500_000) // 1_000_000
        return start, [maturity], [(principal, interest)], None, term

    def _monthly(self, principal: int, ppm: int, method: str, overdue: bool):
        rnd = self.rnd
        while True:
            term = rnd.choice(TERMS)
            # A start on days 1-28 keeps due dates on one day of the month.
            start = TODAY - timedelta(rnd.randint(1, term * 30 + (180 if overdue else 0)))
            if start.day > 28:
                continue
            dues = [_add_months(start, k) for k in range(1, term + 1)]
            if overdue and dues[0] <= TODAY and (TODAY - dues[0]).days <= 180:
                break
            if not overdue and dues[-1] > TODAY:
                break
        rate = ppm * 30
        balance, amounts = principal, []
        level = (principal * self.level[(ppm, term)] + 5 * 10**14) // 10**15
        for k in range(term):
            interest = (balance * rate + 500_000) // 1_000_000
            if k == term - 1:
                p = balance
            elif method == "EQUAL_INSTALLMENT":
                p = min(max(level - interest, 0), balance)
            else:
                p = (principal + term // 2) // term
            amounts.append((p, interest))
            balance -= p
        return start, dues, amounts, term, None


_months: dict[tuple[date, int], date] = {}


def _add_months(start: date, k: int) -> date:
    key = (start, k)
    if key not in _months:
        _months[key] = add_months(start, k)
    return _months[key]


def schedule_micros(runs: int = 2000) -> float:
    """Mean time to build one 36-instalment equal-instalment schedule, in microseconds."""
    args = (Decimal("10000.00"), Decimal("0.0005"), Method.EQUAL_INSTALLMENT, date(2026, 1, 5))
    build_schedule(*args, term_months=36)
    began = time.perf_counter()
    for _ in range(runs):
        build_schedule(*args, term_months=36)
    return (time.perf_counter() - began) / runs * 1e6


async def build(url: str, n: int, grace_days: int) -> None:
    await dbmod.migrate(url)
    await Tortoise.close_connections()
    book = Portfolio(is_postgres(url), grace_days)
    if is_postgres(url):
        await postgres_bulk(url, book.batches(n), book.tables)
    else:
        await asyncio.to_thread(sqlite_bulk, sqlite_path(url), book.batches(n), book.tables)


async def floor(url: str) -> None:
    """One statement that rewrites every loan row with a real change, committed."""
    from tortoise.transactions import in_transaction

    async with in_transaction() as tx:
        if is_postgres(url):
            await tx.execute_query("UPDATE loan SET closed_through = closed_through + 1")
        else:
            await tx.execute_query("UPDATE loan SET closed_through = date(closed_through, '+1 day')")


async def bench(url: str, n: int) -> None:
    settings = load_settings({}, database_url=url)
    clock = Clock()
    with clock.step("build"):
        await build(url, n, settings.grace_days)
    await dbmod.init_db(database_url=url)
    try:
        await ledger.ensure_chart()
        await set_business_date(TODAY)
        with clock.step("cob"):
            result = await close_business_day(settings=settings)
        with clock.step("floor"):
            await floor(url)
    finally:
        await Tortoise.close_connections()
    micros = schedule_micros()
    cob_s, floor_s = clock.seconds("cob"), clock.seconds("floor")
    ratio = cob_s / floor_s
    print_table(
        [("database", "postgresql" if is_postgres(url) else "sqlite"),
         ("loans", f"{n:,}"),
         ("build", f"{clock.seconds('build'):.2f} s"),
         ("close of business", f"{cob_s:.2f} s  ({result.closed_date} -> {result.new_date})"),
         ("floor (UPDATE every loan)", f"{floor_s:.2f} s"),
         ("ratio", f"{ratio:.1f}"),
         ("36-instalment schedule", f"{micros:.0f} µs (mean of 2,000 builds)"),
         ("load average (1 min)", f"{os.getloadavg()[0]:.2f} on {os.cpu_count()} cores"),
         *[(f"  {k}", str(v)) for k, v in result.stats.items()]],
        title="close of business benchmark",
    )
    print(f"cob: {n} loans, {cob_s:.2f} s, floor {floor_s:.2f} s, ratio {ratio:.1f}")


async def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.cob", description=__doc__.split("\n\n")[0])
    parser.add_argument("--loans", type=int, default=100_000)
    parser.add_argument("--database-url", default=None,
                        help="a PostgreSQL server URL (a scratch database is made on it and dropped) "
                             "or a new sqlite:// file (kept)")
    args = parser.parse_args(argv)
    if args.loans < 1:
        parser.error("--loans must be at least 1")
    if args.database_url is None:
        async with temp_sqlite() as url:
            await bench(url, args.loans)
    elif is_postgres(args.database_url):
        async with scratch_postgres(args.database_url) as url:
            await bench(url, args.loans)
    else:
        path = sqlite_path(args.database_url)
        if os.path.exists(path) and os.path.getsize(path) > 0:
            parser.error(f"{path} exists: give a new file, the benchmark fills it from scratch")
        # The benchmark's pragmas unless the URL brings its own.
        url = args.database_url if "?" in args.database_url else sqlite_url(path)
        await bench(url, args.loans)


if __name__ == "__main__":
    asyncio.run(main())
