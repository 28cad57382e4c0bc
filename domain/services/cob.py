"""Close of business: bring every open loan from business date D to D + 1.

Set-based: a handful of statements over all loans, with Python only for the few rows whose
state changes. Every statement is limited to loans not yet closed through the target date
(`closed_through < T`) and the whole close of a range runs in one transaction, so running it
twice, or again after a crash, changes nothing more."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from domain.db import days_between_sql, dialect, sql
from domain.models import CloseRun
from domain.money import format_money, from_fen
from domain.rules.overdue import classify, is_past_grace, should_write_off
from domain.services import events, ledger
from domain.services.calendar import business_date, set_business_date, utcnow
from domain.settings import Settings, get_settings

OPEN = "status IN ('ACTIVE', 'OVERDUE')"


@dataclass
class CloseResult:
    closed_date: date
    new_date: date
    skipped: bool = False
    stats: dict[str, Any] = field(default_factory=dict)


class _Sql:
    """Binds a transaction's dialect: `?` markers, date parameters, the loan-range filter."""

    def __init__(self, tx, target: date, lo: int | None, hi: int | None) -> None:
        self.tx, self.target = tx, target
        self.pg = dialect(tx) == "postgres"
        self.scope = f"{OPEN} AND closed_through < {self.d('?')}"
        self.scope_args: list[Any] = [self.day(target)]
        if lo is not None:
            self.scope += " AND id >= ?"
            self.scope_args.append(lo)
        if hi is not None:
            self.scope += " AND id <= ?"
            self.scope_args.append(hi)

    def d(self, marker: str) -> str:
        return f"CAST({marker} AS DATE)" if self.pg else marker

    def day(self, value: date) -> Any:
        return value if self.pg else value.isoformat()

    async def run(self, text: str, args: list[Any]) -> int:
        return int((await self.tx.execute_query(sql(self.tx, text), args))[0])

    async def rows(self, text: str, args: list[Any]) -> list[dict]:
        return await self.tx.execute_query_dict(sql(self.tx, text), args)

    async def scalar(self, text: str, args: list[Any]) -> int:
        rows = await self.rows(text, args)
        value = next(iter(rows[0].values())) if rows else None
        return int(value or 0)


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
    stats: dict[str, Any] = {}
    fell_due = await _installments_fall_due(q, settings)
    stats["installments_due"] = fell_due["count"]
    await _days_past_due(q)
    penalty = await _accrue_penalty(q, settings)
    daily = await _accrue_daily_interest(q)
    changes = await _transitions(q, settings)
    stats.update(changes)
    stats["loans_closed"] = await q.run(f"UPDATE loan SET closed_through = {q.d('?')} WHERE {q.scope}",
                                        [q.day(target), *q.scope_args])
    interest = fell_due["interest"] + daily
    stats.update(interest_accrued=interest, penalty_accrued=penalty, fee_accrued=fell_due["fee"])
    await ledger.post("COB_INTEREST", [ledger.debit("INTEREST_RECEIVABLE", interest),
                                       ledger.credit("INTEREST_INCOME", interest)],
                      business_date=target, memo="interest fallen due and accrued", using_db=tx)
    await ledger.post("COB_FEE", [ledger.debit("FEE_RECEIVABLE", fell_due["fee"]),
                                  ledger.credit("FEE_INCOME", fell_due["fee"])],
                      business_date=target, memo="fees fallen due", using_db=tx)
    await ledger.post("COB_PENALTY", [ledger.debit("PENALTY_RECEIVABLE", penalty),
                                      ledger.credit("PENALTY_INCOME", penalty)],
                      business_date=target, memo="penalty interest accrued", using_db=tx)
    return stats


async def _installments_fall_due(q: _Sql, settings: Settings) -> dict[str, int]:
    """Instalments due on the target date fall due: their interest (daily-interest loans accrue
    theirs day by day instead) and fees are recognised; instalments past grace turn overdue."""
    t = q.d("?")
    due_now = f"i.due_date = {t} AND i.status = 'PENDING' AND i.loan_id IN (SELECT id FROM loan WHERE {q.scope})"
    due_args = [q.day(q.target), *q.scope_args]
    sums = await q.rows(
        "SELECT COUNT(*) AS n, "
        "COALESCE(SUM(CASE WHEN l.method = 'DAILY_INTEREST' THEN 0 ELSE i.interest_fen - i.paid_interest_fen END), 0)"
        " AS interest, COALESCE(SUM(i.fee_fen - i.paid_fee_fen), 0) AS fee "
        f"FROM installment i JOIN loan l ON l.id = i.loan_id WHERE {due_now}",
        due_args,
    )
    await q.run(
        "UPDATE loan SET interest_receivable_fen = interest_receivable_fen + COALESCE(("
        "SELECT SUM(i.interest_fen - i.paid_interest_fen) FROM installment i "
        f"WHERE i.loan_id = loan.id AND i.due_date = {t} AND i.status = 'PENDING'), 0) "
        f"WHERE {q.scope} AND method != 'DAILY_INTEREST' AND next_due_on <= {t}",
        [q.day(q.target), *q.scope_args, q.day(q.target)],
    )
    await q.run(f"UPDATE installment SET status = 'DUE' WHERE id IN (SELECT i.id FROM installment i WHERE {due_now})",
                due_args)
    past_grace = q.target - timedelta(days=settings.grace_days + 1)
    await q.run(
        f"UPDATE installment SET status = 'OVERDUE' WHERE due_date = {t} AND status = 'DUE' "
        f"AND loan_id IN (SELECT id FROM loan WHERE {q.scope})",
        [q.day(past_grace), *q.scope_args],
    )
    row = sums[0]
    return {"count": int(row["n"]), "interest": int(row["interest"]), "fee": int(row["fee"])}


async def _days_past_due(q: _Sql) -> None:
    t = q.d("?")
    await q.run(
        f"UPDATE loan SET dpd = {days_between_sql(q.tx, t, 'next_due_on')}, overdue_principal_fen = COALESCE(("
        "SELECT SUM(i.principal_fen - i.paid_principal_fen) FROM installment i "
        f"WHERE i.loan_id = loan.id AND i.due_date < {t} AND i.status != 'PAID'), 0) "
        f"WHERE {q.scope} AND next_due_on < {t}",
        [q.day(q.target), q.day(q.target), *q.scope_args, q.day(q.target)],
    )


async def _accrue_penalty(q: _Sql, settings: Settings) -> int:
    """Penalty runs from the due date once grace has passed: the day a loan passes grace it
    accrues grace + 1 days, then one day a day, each day's penalty rounded half-up to the fen."""
    num, den = settings.penalty_multiplier.as_integer_ratio()
    g = settings.grace_days
    daily = f"((overdue_principal_fen * daily_rate_ppm * {2 * num} + {den * 1_000_000}) / {2 * den * 1_000_000})"
    days = f"(CASE WHEN dpd = {g + 1} THEN {g + 1} ELSE 1 END)"
    where = f"{q.scope} AND dpd > {g} AND overdue_principal_fen > 0"
    total = await q.scalar(f"SELECT COALESCE(SUM({daily} * {days}), 0) AS s FROM loan WHERE {where}", q.scope_args)
    if total:
        await q.run(f"UPDATE loan SET penalty_receivable_fen = penalty_receivable_fen + {daily} * {days} "
                    f"WHERE {where}", q.scope_args)
    return total


async def _accrue_daily_interest(q: _Sql) -> int:
    """Daily-interest loans: principal × daily rate × days held, rounded once per stretch,
    held up to the due date (after it, penalty interest takes over)."""
    t = q.d("?")
    end = f"LEAST({t}, maturity_date)" if q.pg else f"MIN({t}, maturity_date)"
    days = days_between_sql(q.tx, end, "accrual_from")
    new = f"(interest_carried_fen + (outstanding_principal_fen * daily_rate_ppm * {days} + 500000) / 1000000)"
    where = f"{q.scope} AND method = 'DAILY_INTEREST' AND maturity_date >= {t}"
    args = [q.day(q.target), *q.scope_args, q.day(q.target)]
    delta = await q.scalar(f"SELECT COALESCE(SUM({new} - interest_receivable_fen), 0) AS s FROM loan WHERE {where}",
                           args)
    await q.run(f"UPDATE loan SET interest_receivable_fen = {new} WHERE {where}",
                [q.day(q.target), *q.scope_args, q.day(q.target)])
    return delta


_CLASS_SQL = (
    "CASE WHEN dpd = 0 THEN 'NORMAL' WHEN dpd <= 90 THEN 'SPECIAL_MENTION' WHEN dpd <= 270 THEN 'SUBSTANDARD' "
    "WHEN dpd <= 360 THEN 'DOUBTFUL' ELSE 'LOSS' END"
)


async def _transitions(q: _Sql, settings: Settings) -> dict[str, int]:
    """Loans whose status or class changes today: few rows, handled one by one."""
    g, w = settings.grace_days, settings.write_off_dpd
    rows = await q.rows(
        "SELECT id, borrower_id, status, classification, dpd, outstanding_principal_fen, "
        f"interest_receivable_fen, penalty_receivable_fen FROM loan WHERE {q.scope} AND ("
        f"(status = 'ACTIVE' AND dpd > {g}) OR dpd > {w} OR classification != {_CLASS_SQL})",
        q.scope_args,
    )
    overdue = written_off = reclassified = 0
    out_events: list[tuple[str, int | None, int | None, dict]] = []
    groups: dict[tuple[str, str], list[int]] = {}
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
                "daysPastDue": dpd, "overduePrincipal": format_money(from_fen(r["outstanding_principal_fen"]))}))
        if new_status == "WRITTEN_OFF":
            written_off += 1
            await _write_off(q, r)
            out_events.append(("LOAN_WRITTEN_OFF", r["borrower_id"], r["id"], {
                "daysPastDue": dpd, "principal": format_money(from_fen(r["outstanding_principal_fen"]))}))
        if new_class != r["classification"]:
            reclassified += 1
            out_events.append(("LOAN_CLASSIFIED", r["borrower_id"], r["id"], {
                "from": r["classification"], "to": new_class, "daysPastDue": dpd}))
    for (status, cls), ids in groups.items():
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            marks = ", ".join("?" for _ in chunk)
            written = f", written_off_on = {q.d('?')}" if status == "WRITTEN_OFF" else ""
            args: list[Any] = [status, cls] + ([q.day(q.target)] if written else []) + chunk
            await q.run(f"UPDATE loan SET status = ?, classification = ?{written} WHERE id IN ({marks})", args)
    await events.append_many(out_events, business_date=q.target, using_db=q.tx)
    return {"loans_overdue": overdue, "loans_written_off": written_off, "loans_reclassified": reclassified}


async def _write_off(q: _Sql, r: dict) -> None:
    """Take a loan's receivables off the books into credit losses. What is owed stays on the
    loan: later payments are recoveries."""
    lid = int(r["id"])
    fee = await q.scalar(
        f"SELECT COALESCE(SUM(fee_fen - paid_fee_fen), 0) AS s FROM installment WHERE loan_id = ? "
        f"AND due_date <= {q.d('?')}", [lid, q.day(q.target)])
    principal, interest, penalty = (int(r["outstanding_principal_fen"]), int(r["interest_receivable_fen"]),
                                    int(r["penalty_receivable_fen"]))
    await ledger.post(
        "WRITE_OFF",
        [ledger.debit("CREDIT_LOSS", principal + interest + penalty + fee, lid),
         ledger.credit("LOANS_RECEIVABLE", principal, lid), ledger.credit("INTEREST_RECEIVABLE", interest, lid),
         ledger.credit("PENALTY_RECEIVABLE", penalty, lid), ledger.credit("FEE_RECEIVABLE", fee, lid)],
        business_date=q.target, loan_id=lid, using_db=q.tx,
    )


async def freeze_overdue_lines(tx, target: date) -> int:
    """Lines with an overdue (or written-off) loan freeze until it is cleared."""
    q = _Sql(tx, target, None, None)
    rows = await q.rows(
        "SELECT c.id, c.borrower_id FROM credit_line c WHERE c.status = 'ACTIVE' AND EXISTS ("
        "SELECT 1 FROM loan l WHERE l.credit_line_id = c.id AND l.status IN ('OVERDUE', 'WRITTEN_OFF'))", [])
    if not rows:
        return 0
    ids = [int(r["id"]) for r in rows]
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        await q.run(f"UPDATE credit_line SET status = 'FROZEN', frozen_reason = 'OVERDUE' "
                    f"WHERE status = 'ACTIVE' AND id IN ({', '.join('?' for _ in chunk)})", chunk)
    await events.append_many(
        [("CREDIT_LINE_FROZEN", r["borrower_id"], None, {"creditLineId": r["id"], "reason": "OVERDUE",
                                                         "actor": "close_of_business"}) for r in rows],
        business_date=target, using_db=tx,
    )
    return len(ids)
