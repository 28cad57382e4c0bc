"""Close of business: bring every open loan from business date D to D + 1.

Set-based: a handful of statements over all loans, with Python only for the few rows whose
state changes. Every statement is limited to loans not yet closed through the target date
(`closed_through < T`) and the whole close of a range runs in one transaction, so running it
twice, or again after a crash, changes nothing more.

Only one statement writes every open loan: the one that accrues the day's penalty and
daily interest and moves `closed_through`. The others reach just the rows they change through
an index: instalments by due date, overdue loans by `next_due_on`, lines by their loans."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from domain.db import days_between_sql, dialect, sql
from domain.models import CloseRun
from domain.money import format_money, from_fen
from domain.rules.overdue import classify, is_past_grace, should_write_off
from domain.services import events, insurance_claims, ledger
from domain.services.calendar import business_date, set_business_date, utcnow
from domain.services.pooling import cash as pool_cash
from domain.settings import Settings, get_settings

OPEN = "status IN ('ACTIVE', 'OVERDUE')"
_CHUNK = 500


@dataclass
class CloseResult:
    closed_date: date
    new_date: date
    skipped: bool = False
    stats: dict[str, Any] = field(default_factory=dict)


class _Sql:
    """One close's SQL for the transaction's dialect. Dates and loan ids are written into the
    text as literals (they are `date` and `int` values, never outside input): PostgreSQL then
    plans each statement for the actual date, and the argument lists stay trivial."""

    def __init__(self, tx, target: date, lo: int | None, hi: int | None) -> None:
        self.tx, self.target = tx, target
        self.pg = dialect(tx) == "postgres"
        self.lo, self.hi = (None if lo is None else int(lo)), (None if hi is None else int(hi))
        self.t = self.lit(target)
        self.scope = self.scope_of("")

    def lit(self, value: date) -> str:
        if not isinstance(value, date) or isinstance(value, datetime):
            raise TypeError(f"not a date: {value!r}")
        return f"DATE '{value.isoformat()}'" if self.pg else f"'{value.isoformat()}'"

    def scope_of(self, alias: str) -> str:
        """The loans this close still has to bring to the target date; `alias` qualifies columns."""
        p = f"{alias}." if alias else ""
        # On SQLite the unary plus keeps the planner off the status index: nearly every loan is
        # open, so it would only add a lookup per row where an indexed range or a scan is better.
        plus = "" if self.pg else "+"
        return f"{plus}{p}{OPEN} AND {p}closed_through < {self.t}{self.id_range(alias)}"

    def id_range(self, alias: str) -> str:
        """The close's loan-id range as extra conditions (empty for the whole book)."""
        p = f"{alias}." if alias else ""
        text = ""
        if self.lo is not None:
            text += f" AND {p}id >= {self.lo}"
        if self.hi is not None:
            text += f" AND {p}id <= {self.hi}"
        return text

    def installments(self, alias: str, due: str, status: str) -> str:
        """Instalments of this close's loans with a status, due on a date (an SQL literal)."""
        text = f"{alias}.due_date = {due} AND {alias}.status = '{status}'"
        if self.lo is None and self.hi is None:
            return text
        # A range of loans: reach its instalments through the loan-id index, not through every
        # instalment of the book due that day (on SQLite the unary plus rules the date index out).
        if not self.pg:
            text = "+" + text
        if self.lo is not None:
            text += f" AND {alias}.loan_id >= {self.lo}"
        if self.hi is not None:
            text += f" AND {alias}.loan_id <= {self.hi}"
        return text

    async def run(self, text: str, args: list[Any] | None = None) -> int:
        return int((await self.tx.execute_query(sql(self.tx, text), args or []))[0])

    async def rows(self, text: str, args: list[Any] | None = None) -> list[dict]:
        return await self.tx.execute_query_dict(sql(self.tx, text), args or [])


async def close_business_day(*, settings: Settings | None = None, expected: date | None = None) -> CloseResult:
    """Close the current business date. With `expected`, do nothing unless it is that date,
    so a retried or duplicated close for one date changes nothing."""
    settings = settings or get_settings()
    today = await business_date()
    if expected is not None and expected != today:
        return CloseResult(expected, today, skipped=True)
    target = today + timedelta(days=1)
    try:
        async with in_transaction() as tx:
            run = await CloseRun.create(closed_date=today, started_at=utcnow(), using_db=tx)
            stats = await close_loans(tx, target, settings)
            stats["lines_frozen"] = await freeze_overdue_lines(tx, target)
            await set_business_date(target)
            run.finished_at = utcnow()
            run.stats = stats
            await run.save(using_db=tx)
    except IntegrityError:
        # Another close of the same date committed first.
        return CloseResult(today, await business_date(), skipped=True)
    return CloseResult(today, target, stats=stats)


async def run_close(days: int = 1, *, settings: Settings | None = None) -> list[CloseResult]:
    return [await close_business_day(settings=settings) for _ in range(days)]


async def close_loans(tx, target: date, settings: Settings, lo: int | None = None,
                      hi: int | None = None) -> dict[str, Any]:
    """Bring the open loans with ids in [lo, hi] to business date `target`."""
    q = _Sql(tx, target, lo, hi)
    x = _Accrual(q, settings)
    if q.pg:
        # Each day's statements are new texts to PostgreSQL; compiling them costs more than it saves.
        await tx.execute_script("SET LOCAL jit = off")
    stats: dict[str, Any] = {}
    fell_due = await _installments_fall_due(q, settings)
    stats["installments_due"] = fell_due["count"]
    await _days_past_due(q)
    # Read what changes before the one pass that writes every loan, then write it.
    changing = await _changing_loans(q, settings, x)
    penalty, daily = await _accrual_totals(q, x)
    brought = await q.run(
        f"UPDATE loan SET interest_receivable_fen = {x.interest_after}, "
        f"penalty_receivable_fen = penalty_receivable_fen + {x.penalty_today}, "
        # A loan written off today leaves the open book as it stands: it is not brought forward.
        f"closed_through = CASE WHEN dpd > {int(settings.write_off_dpd)} THEN closed_through ELSE {q.t} END "
        f"WHERE {q.scope}")
    changes = await _transitions(q, settings, changing)
    stats.update(changes)
    # Insured loans that reached the claim threshold today leave the books against the insurer's payout.
    stats.update(await insurance_claims.claim_due(q, settings))
    stats["loans_closed"] = brought - changes["loans_written_off"]
    interest = fell_due["interest"] + daily
    stats.update(interest_accrued=interest, penalty_accrued=penalty, fee_accrued=fell_due["fee"])
    for kind, debit, credit, fen, memo in (
        ("COB_INTEREST", "INTEREST_RECEIVABLE", "INTEREST_INCOME", interest, "interest fallen due and accrued"),
        ("COB_FEE", "FEE_RECEIVABLE", "FEE_INCOME", fell_due["fee"], "fees fallen due"),
        ("COB_PENALTY", "PENALTY_RECEIVABLE", "PENALTY_INCOME", penalty, "penalty interest accrued"),
    ):
        await ledger.post(kind, [ledger.debit(debit, fen), ledger.credit(credit, fen)], business_date=target,
                          memo=memo, using_db=tx)
    return stats


class _Accrual:
    """The day's accruals as SQL expressions over a loan row (as it stands after days past due).

    Penalty runs from the due date once grace has passed: the day a loan passes grace it
    accrues grace + 1 days, then one day a day, each day's penalty rounded half-up to the fen.
    Daily-interest loans: principal × daily rate × days held, rounded once per stretch, held up
    to the due date (after it, penalty interest takes over)."""

    def __init__(self, q: _Sql, settings: Settings) -> None:
        num, den = settings.penalty_multiplier.as_integer_ratio()
        g = int(settings.grace_days)
        daily = f"((overdue_principal_fen * daily_rate_ppm * {2 * num} + {den * 1_000_000}) / {2 * den * 1_000_000})"
        days = f"(CASE WHEN dpd = {g + 1} THEN {g + 1} ELSE 1 END)"
        self.penalty_today = f"(CASE WHEN dpd > {g} AND overdue_principal_fen > 0 THEN {daily} * {days} ELSE 0 END)"
        end = f"LEAST({q.t}, maturity_date)" if q.pg else f"MIN({q.t}, maturity_date)"
        held = days_between_sql(q.tx, end, "accrual_from")
        new = f"(interest_carried_fen + (outstanding_principal_fen * daily_rate_ppm * {held} + 500000) / 1000000)"
        self.accrues_daily = f"(method = 'DAILY_INTEREST' AND maturity_date >= {q.t})"
        self.interest_after = f"(CASE WHEN {self.accrues_daily} THEN {new} ELSE interest_receivable_fen END)"


async def _installments_fall_due(q: _Sql, settings: Settings) -> dict[str, int]:
    """Instalments due on the target date fall due: their interest (daily-interest loans accrue
    theirs day by day instead) and fees are recognised; instalments past grace turn overdue."""
    t = q.t
    in_scope = f"EXISTS (SELECT 1 FROM loan l WHERE l.id = installment.loan_id AND {q.scope_of('l')})"
    sums = await q.rows(
        "SELECT COUNT(*) AS n, "
        "COALESCE(SUM(CASE WHEN l.method = 'DAILY_INTEREST' THEN 0 ELSE i.interest_fen - i.paid_interest_fen END), 0)"
        " AS interest, COALESCE(SUM(i.fee_fen - i.paid_fee_fen), 0) AS fee "
        f"FROM installment i JOIN loan l ON l.id = i.loan_id "
        f"WHERE {q.installments('i', t, 'PENDING')} AND {q.scope_of('l')}")
    await q.run(
        "UPDATE loan SET interest_receivable_fen = interest_receivable_fen + d.s FROM ("
        "SELECT i.loan_id, SUM(i.interest_fen - i.paid_interest_fen) AS s FROM installment i "
        f"WHERE {q.installments('i', t, 'PENDING')} GROUP BY i.loan_id) AS d "
        f"WHERE d.loan_id = loan.id AND {q.scope_of('loan')} AND loan.method != 'DAILY_INTEREST' "
        f"AND loan.next_due_on <= {t}")
    await q.run(f"UPDATE installment SET status = 'DUE' WHERE {q.installments('installment', t, 'PENDING')} "
                f"AND {in_scope}")
    past_grace = q.lit(q.target - timedelta(days=settings.grace_days + 1))
    await q.run(f"UPDATE installment SET status = 'OVERDUE' WHERE {q.installments('installment', past_grace, 'DUE')} "
                f"AND {in_scope}")
    row = sums[0]
    return {"count": int(row["n"]), "interest": int(row["interest"] or 0), "fee": int(row["fee"] or 0)}


async def _days_past_due(q: _Sql) -> None:
    t = q.t
    await q.run(
        f"UPDATE loan SET dpd = {days_between_sql(q.tx, t, 'next_due_on')}, overdue_principal_fen = COALESCE(("
        "SELECT SUM(i.principal_fen - i.paid_principal_fen) FROM installment i "
        f"WHERE i.loan_id = loan.id AND i.due_date < {t} AND i.status != 'PAID'), 0) "
        f"WHERE {q.scope} AND next_due_on < {t}")


async def _accrual_totals(q: _Sql, x: _Accrual) -> tuple[int, int]:
    """Penalty and daily interest the accruing pass is about to add, for the ledger."""
    rows = await q.rows(
        f"SELECT COALESCE(SUM({x.penalty_today}), 0) AS penalty, "
        f"COALESCE(SUM(CASE WHEN {x.accrues_daily} THEN {x.interest_after} - interest_receivable_fen ELSE 0 END), 0)"
        f" AS daily FROM loan WHERE {q.scope}")
    return int(rows[0]["penalty"] or 0), int(rows[0]["daily"] or 0)


_CLASS_SQL = (
    "CASE WHEN dpd = 0 THEN 'NORMAL' WHEN dpd <= 90 THEN 'SPECIAL_MENTION' WHEN dpd <= 270 THEN 'SUBSTANDARD' "
    "WHEN dpd <= 360 THEN 'DOUBTFUL' ELSE 'LOSS' END"
)


async def _changing_loans(q: _Sql, settings: Settings, x: _Accrual) -> list[dict]:
    """Loans whose status or class changes today, with receivables as they stand after today's
    accruals: few rows."""
    g, w = int(settings.grace_days), int(settings.write_off_dpd)
    rows = await q.rows(
        "SELECT id, borrower_id, pool_id, status, classification, dpd, outstanding_principal_fen, "
        "overdue_principal_fen, "
        f"{x.interest_after} AS interest_receivable_fen, "
        f"penalty_receivable_fen + {x.penalty_today} AS penalty_receivable_fen FROM loan WHERE {q.scope} AND ("
        f"(status = 'ACTIVE' AND dpd > {g}) OR dpd > {w} OR classification != {_CLASS_SQL})")
    # Sorted here rather than in SQL, which could tempt a planner into walking the primary key.
    return sorted(rows, key=lambda r: int(r["id"]))


async def _transitions(q: _Sql, settings: Settings, rows: list[dict]) -> dict[str, int]:
    """Move the changing loans to their new status and class, one statement per (status, class)."""
    g, w = settings.grace_days, settings.write_off_dpd
    overdue = written_off = reclassified = 0
    out_events: list[tuple[str, int | None, int | None, dict]] = []
    groups: dict[tuple[str, str], list[int]] = {}
    fees = await _unpaid_fees(q, [int(r["id"]) for r in rows if should_write_off(int(r["dpd"]), w)])
    for r in rows:
        dpd = int(r["dpd"])
        status = r["status"]
        new_class = classify(dpd).value
        if should_write_off(dpd, w):
            new_status = "WRITTEN_OFF"
        elif is_past_grace(dpd, g):
            new_status = "OVERDUE"
        else:
            new_status = status
        groups.setdefault((new_status, new_class), []).append(int(r["id"]))
        if new_status != status and new_status == "OVERDUE":
            overdue += 1
            out_events.append(("LOAN_OVERDUE", r["borrower_id"], r["id"], {
                "daysPastDue": dpd, "overduePrincipal": format_money(from_fen(r["overdue_principal_fen"]))}))
        if new_status == "WRITTEN_OFF":
            written_off += 1
            await _write_off(q, r, fees.get(int(r["id"]), 0))
            out_events.append(("LOAN_WRITTEN_OFF", r["borrower_id"], r["id"], {
                "daysPastDue": dpd, "principal": format_money(from_fen(r["outstanding_principal_fen"]))}))
        if new_class != r["classification"]:
            reclassified += 1
            out_events.append(("LOAN_CLASSIFIED", r["borrower_id"], r["id"], {
                "from": r["classification"], "to": new_class, "daysPastDue": dpd}))
    for (status, cls), ids in groups.items():
        for start in range(0, len(ids), _CHUNK):
            chunk = ids[start:start + _CHUNK]
            marks = ", ".join("?" for _ in chunk)
            written = f", written_off_on = {q.t}" if status == "WRITTEN_OFF" else ""
            await q.run(f"UPDATE loan SET status = ?, classification = ?{written} WHERE id IN ({marks})",
                        [status, cls, *chunk])
    await events.append_many(out_events, business_date=q.target, using_db=q.tx)
    return {"loans_overdue": overdue, "loans_written_off": written_off, "loans_reclassified": reclassified}


async def _unpaid_fees(q: _Sql, loan_ids: list[int]) -> dict[int, int]:
    """Fees fallen due and unpaid, per loan."""
    out: dict[int, int] = {}
    for start in range(0, len(loan_ids), _CHUNK):
        chunk = loan_ids[start:start + _CHUNK]
        rows = await q.rows(
            "SELECT loan_id, COALESCE(SUM(fee_fen - paid_fee_fen), 0) AS s FROM installment "
            f"WHERE loan_id IN ({', '.join('?' for _ in chunk)}) AND due_date <= {q.t} GROUP BY loan_id", chunk)
        out.update((int(r["loan_id"]), int(r["s"] or 0)) for r in rows)
    return out


async def _write_off(q: _Sql, r: dict, fee: int) -> None:
    """Take a loan's receivables off the books into credit losses. What is owed stays on the
    loan: later payments are recoveries."""
    lid = int(r["id"])
    principal, interest, penalty = (int(r["outstanding_principal_fen"]), int(r["interest_receivable_fen"]),
                                    int(r["penalty_receivable_fen"]))
    await ledger.post(
        "WRITE_OFF",
        [ledger.debit("CREDIT_LOSS", principal + interest + penalty + fee, lid),
         ledger.credit("LOANS_RECEIVABLE", principal, lid), ledger.credit("INTEREST_RECEIVABLE", interest, lid),
         ledger.credit("PENALTY_RECEIVABLE", penalty, lid), ledger.credit("FEE_RECEIVABLE", fee, lid)],
        business_date=q.target, loan_id=lid, using_db=q.tx,
    )
    if r.get("pool_id") is not None:
        await pool_cash.default([(int(r["pool_id"]), lid, principal)], today=q.target, tx=q.tx)


async def freeze_overdue_lines(tx, target: date) -> int:
    """Lines with an overdue (or written-off, or claimed) loan freeze until it is cleared."""
    q = _Sql(tx, target, None, None)
    # Driven from the few overdue, written-off and claimed loans (status index), not from every line.
    rows = await q.rows(
        "SELECT c.id, c.borrower_id FROM credit_line c WHERE c.status = 'ACTIVE' AND c.id IN ("
        "SELECT l.credit_line_id FROM loan l WHERE l.status IN ('OVERDUE', 'WRITTEN_OFF', 'CLAIMED')) ORDER BY c.id")
    if not rows:
        return 0
    ids = [int(r["id"]) for r in rows]
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start:start + _CHUNK]
        await q.run(f"UPDATE credit_line SET status = 'FROZEN', frozen_reason = 'OVERDUE' "
                    f"WHERE status = 'ACTIVE' AND id IN ({', '.join('?' for _ in chunk)})", chunk)
    await events.append_many(
        [("CREDIT_LINE_FROZEN", r["borrower_id"], None, {"creditLineId": r["id"], "reason": "OVERDUE",
                                                         "actor": "close_of_business"}) for r in rows],
        business_date=target, using_db=tx,
    )
    return len(ids)
