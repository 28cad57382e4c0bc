"""Repayment reminders: plan them set-based, then hand them out to be delivered.

Planning is one INSERT ... SELECT over the unpaid instalments in a stage window and the borrower's
channels; the unique key (instalment, stage, channel) with ON CONFLICT DO NOTHING is what keeps one
message per instalment, stage and channel however often, or however concurrently, planning runs.
Delivery claims rows with a conditional UPDATE (only rows still PENDING or RETRY move to SENDING), so
two deliverers never take the same message."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from domain.db import conn, dialect, sql
from domain.money import from_fen
from domain.rules.reminders import WINDOWS, Channel, QuietHours, Stage, days_from_due, due_dates_for
from domain.services.calendar import business_date

# A message claimed this long ago and neither sent nor failed belongs to a deliverer that died.
STALE_CLAIM = timedelta(minutes=10)
OPEN_LOANS = "('ACTIVE', 'OVERDUE')"


@dataclass(frozen=True)
class Reminder:
    """One message ready to render and send."""

    id: int
    installment_id: int
    loan_id: int
    borrower_id: int
    borrower_name: str
    stage: Stage
    channel: Channel
    number: int
    due_date: date
    amount_due: Any  # Decimal yuan: the instalment's unpaid amount, with penalty once overdue
    today: date
    attempts: int

    @property
    def days_from_due(self) -> int:
        return days_from_due(self.due_date, self.today)


def _pg(client) -> bool:
    return dialect(client) == "postgres"


def _day(client, value: date) -> Any:
    return value if _pg(client) else value.isoformat()


def _ts(client, value: datetime) -> Any:
    # SQLite keeps Tortoise's text form; it must match to the character for comparisons to order.
    value = value.astimezone(UTC)
    return value if _pg(client) else value.isoformat(sep=" ", timespec="microseconds")


def _as_date(client, marker: str = "?") -> str:
    return f"CAST({marker} AS DATE)" if _pg(client) else marker


def _as_ts(client, marker: str = "?") -> str:
    return f"CAST({marker} AS TIMESTAMPTZ)" if _pg(client) else marker


def _as_text(client, marker: str = "?") -> str:
    return f"CAST({marker} AS TEXT)" if _pg(client) else marker


async def plan_reminders(*, now: datetime, quiet: QuietHours, today: date | None = None, using_db=None) -> int:
    """Plan every reminder that applies on business date `today`; returns how many are new.
    A message planned in quiet hours is held to their end."""
    client = using_db or conn()
    today = today or await business_date()
    cases, args = [], []
    for w in WINDOWS:
        lo, hi = due_dates_for(w.stage, today)
        cases.append(f"WHEN i.due_date BETWEEN {_as_date(client)} AND {_as_date(client)} THEN '{w.stage.value}'")
        args += [_day(client, lo), _day(client, hi)]
    earliest, _ = due_dates_for(WINDOWS[-1].stage, today)
    _, latest = due_dates_for(WINDOWS[0].stage, today)
    channels = " UNION ALL ".join(f"SELECT '{c.value}' AS channel" for c in Channel)
    text = (
        "INSERT INTO notification (installment_id, loan_id, borrower_id, stage, channel, status, attempts, "
        "business_date, scheduled_for, created_at) "
        f"SELECT i.id, l.id, l.borrower_id, CASE {' '.join(cases)} END, ch.channel, 'PENDING', 0, "
        f"{_as_date(client)}, {_as_ts(client)}, {_as_ts(client)} "
        "FROM installment i JOIN loan l ON l.id = i.loan_id JOIN borrower b ON b.id = l.borrower_id "
        f"JOIN ({channels}) ch "
        "ON (',' || REPLACE(b.reminder_channels, ' ', '') || ',') LIKE ('%,' || ch.channel || ',%') "
        f"WHERE i.due_date BETWEEN {_as_date(client)} AND {_as_date(client)} AND i.status != 'PAID' "
        f"AND l.status IN {OPEN_LOANS} "
        "ON CONFLICT (installment_id, stage, channel) DO NOTHING"
    )
    args += [_day(client, today), _ts(client, quiet.release(now)), _ts(client, now),
             _day(client, earliest), _day(client, latest)]
    if _pg(client):
        # The driver's status line for an INSERT carries an OID before the count: count the rows instead.
        counted = f"WITH ins AS ({text} RETURNING 1) SELECT COUNT(*) AS n FROM ins"
        rows = await client.execute_query_dict(sql(client, counted), args)
        return int(rows[0]["n"])
    result = await client.execute_query(text, args)
    return int(result[0])


async def release_stale_claims(*, now: datetime, using_db=None) -> int:
    """Messages stuck in SENDING after a deliverer died go back to be tried again."""
    client = using_db or conn()
    result = await client.execute_query(
        sql(client, "UPDATE notification SET status = 'RETRY' "
                    f"WHERE status = 'SENDING' AND claimed_at < {_as_ts(client)}"),
        [_ts(client, now - STALE_CLAIM)],
    )
    return int(result[0])


async def due_ids(*, now: datetime, quiet: QuietHours, limit: int, using_db=None) -> list[int]:
    """Messages that may go out now (none in quiet hours), oldest first."""
    if quiet.contains(now):
        return []
    client = using_db or conn()
    rows = await client.execute_query_dict(
        sql(client, "SELECT id FROM notification WHERE status IN ('PENDING', 'RETRY') "
                    f"AND scheduled_for <= {_as_ts(client)} ORDER BY id LIMIT ?"),
        [_ts(client, now), limit],
    )
    return [int(r["id"]) for r in rows]


@dataclass
class Claimed:
    reminders: list[Reminder]
    # Rows taken, the cancelled ones included: zero means nothing was left to take.
    taken: int = 0


async def claim(ids: list[int] | None = None, *, now: datetime, quiet: QuietHours, provider: str,
                limit: int = 1000, using_db=None) -> Claimed:
    """Take messages to send: the given ones, or the oldest due. Only rows still waiting move to
    SENDING, so a message is taken by one deliverer. Messages whose instalment has been paid (or
    whose loan closed) meanwhile are cancelled instead. Nothing is taken in quiet hours."""
    if quiet.contains(now):
        return Claimed([])
    client = using_db or conn()
    if ids is None:
        pick = ("SELECT id FROM notification WHERE status IN ('PENDING', 'RETRY') "
                f"AND scheduled_for <= {_as_ts(client)} ORDER BY id LIMIT ?")
        pick_args: list[Any] = [_ts(client, now), limit]
    else:
        if not ids:
            return Claimed([])
        pick = f"SELECT id FROM notification WHERE id IN ({', '.join('?' for _ in ids)})"
        pick_args = list(ids)
    claimed = await client.execute_query_dict(
        sql(client, f"UPDATE notification SET status = 'SENDING', attempts = attempts + 1, "
                    f"claimed_at = {_as_ts(client)}, provider = {_as_text(client)} "
                    f"WHERE status IN ('PENDING', 'RETRY') AND id IN ({pick}) RETURNING id"),
        [_ts(client, now), provider, *pick_args],
    )
    if not claimed:
        return Claimed([])
    marks = ", ".join("?" for _ in claimed)
    rows = await client.execute_query_dict(
        sql(client, "SELECT n.id, n.installment_id, n.loan_id, n.borrower_id, n.stage, n.channel, n.attempts, "
                    "b.name, i.number, i.due_date, i.status AS installment_status, l.status AS loan_status, "
                    "(i.principal_fen - i.paid_principal_fen) + (i.interest_fen - i.paid_interest_fen) "
                    "+ (i.fee_fen - i.paid_fee_fen) AS unpaid_fen, l.penalty_receivable_fen "
                    "FROM notification n JOIN installment i ON i.id = n.installment_id "
                    "JOIN loan l ON l.id = n.loan_id JOIN borrower b ON b.id = n.borrower_id "
                    f"WHERE n.id IN ({marks}) ORDER BY n.id"),
        [int(r["id"]) for r in claimed],
    )
    today = await business_date()
    out: list[Reminder] = []
    cancelled: list[int] = []
    for r in rows:
        if r["installment_status"] == "PAID" or r["loan_status"] not in ("ACTIVE", "OVERDUE"):
            cancelled.append(int(r["id"]))
            continue
        stage = Stage(r["stage"])
        due = r["due_date"] if isinstance(r["due_date"], date) else date.fromisoformat(str(r["due_date"]))
        late = days_from_due(due, today) > 0
        owed = int(r["unpaid_fen"]) + (int(r["penalty_receivable_fen"]) if late else 0)
        out.append(Reminder(int(r["id"]), int(r["installment_id"]), int(r["loan_id"]), int(r["borrower_id"]),
                            r["name"], stage, Channel(r["channel"]), int(r["number"]), due, from_fen(owed), today,
                            int(r["attempts"])))
    if cancelled:
        await _set_status(client, cancelled, "CANCELLED", now, error="the instalment was paid first")
    return Claimed(out, len(claimed))


async def mark_sent(sent: list[tuple[int, str]], *, now: datetime, using_db=None) -> None:
    """Record messages as delivered, with the text that went out."""
    if not sent:
        return
    client = using_db or conn()
    text = sql(client, f"UPDATE notification SET status = 'SENT', sent_at = {_as_ts(client)}, body = ?, error = NULL "
                       "WHERE id = ? AND status = 'SENDING'")
    at = _ts(client, now)
    await client.execute_many(text, [[at, body, nid] for nid, body in sent])


async def mark_retry(notification_id: int, *, error: str, retry_at: datetime, body: str | None = None,
                     using_db=None) -> None:
    client = using_db or conn()
    await client.execute_query(
        sql(client, f"UPDATE notification SET status = 'RETRY', error = ?, body = COALESCE(?, body), "
                    f"scheduled_for = {_as_ts(client)} WHERE id = ? AND status = 'SENDING'"),
        [error[:2000], body, _ts(client, retry_at), notification_id],
    )


async def mark_failed(notification_id: int, *, error: str, now: datetime, body: str | None = None,
                      using_db=None) -> None:
    client = using_db or conn()
    await _set_status(client, [notification_id], "FAILED", now, error=error, body=body)


async def hold(notification_id: int, *, until: datetime, using_db=None) -> None:
    """Put a taken message back, not to go out before `until` (a retry that landed in quiet hours)."""
    client = using_db or conn()
    await client.execute_query(
        sql(client, f"UPDATE notification SET status = 'RETRY', scheduled_for = {_as_ts(client)} "
                    "WHERE id = ? AND status = 'SENDING'"),
        [_ts(client, until), notification_id],
    )


async def _set_status(client, ids: list[int], status: str, now: datetime, *, error: str | None = None,
                      body: str | None = None) -> None:
    marks = ", ".join("?" for _ in ids)
    await client.execute_query(
        sql(client, f"UPDATE notification SET status = ?, error = ?, body = COALESCE(?, body), "
                    f"claimed_at = {_as_ts(client)} WHERE status = 'SENDING' AND id IN ({marks})"),
        [status, (error or "")[:2000] or None, body, _ts(client, now), *ids],
    )
