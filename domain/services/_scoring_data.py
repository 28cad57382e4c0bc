"""What the credit model reads from the database, each for many borrowers or loans in one query."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from domain.db import conn, days_between_sql, dialect, sql
from domain.models import Borrower, CreditApplication, ScoreRecord
from domain.money import from_fen
from domain.scoring import (
    BehaviourStats,
    Features,
    age_on,
    behaviour_from_stats,
    features_from_application,
    features_from_borrower,
    with_behaviour,
)
from domain.scoring.features import RECENT_DRAW_DAYS
from domain.settings import Settings


@dataclass(frozen=True)
class MaturedOutcome:
    loan_id: int
    borrower_id: int
    defaulted: bool

    @property
    def kind(self) -> str:
        return "BAD" if self.defaulted else "GOOD"


@dataclass(frozen=True)
class _Application:
    monthly_income: Any
    monthly_debt_payments: Any
    employment_type: str
    employment_months: int
    housing: str
    purpose: str
    guarantor: str


def _day(client, value: date) -> Any:
    return value if dialect(client) == "postgres" else value.isoformat()


def _date(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _marks(n: int) -> str:
    return ", ".join("?" for _ in range(n))


async def behaviour_stats(borrower_ids: Sequence[int], as_of: date, client=None) -> dict[int, BehaviourStats]:
    """Instalments on time and late, worst days late, the line's use and age, recent draws, as of a date."""
    if not borrower_ids:
        return {}
    client = client or conn()
    d = "CAST(? AS DATE)" if dialect(client) == "postgres" else "?"
    late = f"i.due_date < {d} AND (i.paid_on IS NULL OR i.paid_on > i.due_date)"
    own = "FROM installment i JOIN loan l ON l.id = i.loan_id WHERE l.borrower_id = b.id"
    days_late = days_between_sql(client, f"CASE WHEN i.paid_on IS NOT NULL AND i.paid_on < {d} THEN i.paid_on "
                                         f"ELSE {d} END", "i.due_date")
    text = (
        f"SELECT b.id AS borrower_id, "
        f"(SELECT COUNT(*) {own} AND i.paid_on IS NOT NULL AND i.paid_on <= i.due_date AND i.paid_on <= {d}) "
        f"AS on_time, "
        f"(SELECT COUNT(*) {own} AND {late}) AS late, "
        f"(SELECT MAX({days_late}) {own} AND {late}) AS worst_dpd, "
        f"(SELECT COUNT(*) FROM loan l WHERE l.borrower_id = b.id AND l.disbursed_on <= {d} "
        f"AND l.disbursed_on > {d}) AS recent_draws, "
        f"c.used_fen, c.limit_fen, c.opened_on "
        f"FROM borrower b LEFT JOIN credit_line c ON c.borrower_id = b.id WHERE b.id IN ({_marks(len(borrower_ids))})"
    )
    day, window_start = _day(client, as_of), _day(client, as_of - timedelta(days=RECENT_DRAW_DAYS))
    args = [day] * 6 + [window_start, *borrower_ids]  # six markers for as_of, then the window's start
    rows = await client.execute_query_dict(sql(client, text), args)
    return {
        int(r["borrower_id"]): BehaviourStats(
            on_time_instalments=int(r["on_time"] or 0), late_instalments=int(r["late"] or 0),
            worst_dpd=int(r["worst_dpd"] or 0), used_fen=int(r["used_fen"] or 0), limit_fen=int(r["limit_fen"] or 0),
            opened_on=_date(r["opened_on"]), recent_draws=int(r["recent_draws"] or 0))
        for r in rows
    }


async def latest_applications(borrower_ids: Sequence[int], *, before: datetime | None = None,
                              client=None) -> dict[int, CreditApplication]:
    """Each borrower's most recent application (made before `before`, when given)."""
    if not borrower_ids:
        return {}
    query = CreditApplication.filter(borrower_id__in=list(borrower_ids))
    if before is not None:
        query = query.filter(created_at__lte=before)
    latest: dict[int, CreditApplication] = {}
    for app in await query.using_db(client or conn()).order_by("id"):
        latest[app.borrower_id] = app
    return latest


def application_features(app: CreditApplication, age: int) -> Features:
    inputs = _Application(
        monthly_income=from_fen(app.monthly_income_fen), monthly_debt_payments=from_fen(app.monthly_debt_payments_fen),
        employment_type=app.employment_type, employment_months=app.employment_months, housing=app.housing,
        purpose=app.purpose, guarantor="GUARANTOR" if app.guardian else "NONE")
    return features_from_application(inputs, age=age, bureau=app.bureau)


async def current_features(borrower_ids: Sequence[int], as_of: date, client=None) -> dict[int, Features]:
    """Features of each borrower today: the last application, brought up to date with behaviour."""
    client = client or conn()
    births = dict(await Borrower.filter(id__in=list(borrower_ids)).using_db(client).values_list("id", "birth_date"))
    apps = await latest_applications(list(births), client=client)
    stats = await behaviour_stats(list(births), as_of, client)
    out: dict[int, Features] = {}
    for borrower_id, birth in births.items():
        age = age_on(birth, as_of)
        behaviour = behaviour_from_stats(stats.get(borrower_id, BehaviourStats()), as_of)
        app = apps.get(borrower_id)
        base = application_features(app, age) if app else features_from_borrower(age=age)
        out[borrower_id] = with_behaviour(base, behaviour)
    return out


async def features_at_lending(loan, client=None) -> Features:
    """What the lender knew when the loan was drawn: the last scoring before it, or else the last
    application and the behaviour as of the draw. Never anything that happened after."""
    client = client or conn()
    record = await ScoreRecord.filter(borrower_id=loan.borrower_id, at__lte=loan.created_at).using_db(client) \
        .order_by("-id").first()
    if record is not None and record.features:
        return dict(record.features)
    borrower = await Borrower.get(id=loan.borrower_id, using_db=client)
    age = age_on(borrower.birth_date, loan.disbursed_on)
    app = (await latest_applications([loan.borrower_id], before=loan.created_at, client=client)).get(loan.borrower_id)
    stats = (await behaviour_stats([loan.borrower_id], loan.disbursed_on, client)).get(loan.borrower_id)
    behaviour = behaviour_from_stats(stats or BehaviourStats(), loan.disbursed_on)
    base = application_features(app, age) if app else features_from_borrower(age=age)
    return with_behaviour(base, behaviour)


async def matured_outcomes(today: date, settings: Settings, *, limit: int | None = None,
                           client=None) -> list[MaturedOutcome]:
    """Loans whose outcome has matured and is not learned yet, in loan order.

    Bad: `model_bad_dpd` or more days past due now, written off or claimed, or an instalment ever paid
    or still unpaid that many days after its due date. Good: paid off, or `model_good_on_time`
    instalments paid on time, and not bad. A loan already learned as bad is never learned as good.
    """
    client = client or conn()
    d = "CAST(? AS DATE)" if dialect(client) == "postgres" else "?"
    n = int(settings.model_bad_dpd)
    paid_late = days_between_sql(client, "i.paid_on", "i.due_date")
    unpaid_late = days_between_sql(client, d, "i.due_date")
    bad = (f"(l.dpd >= {n} OR l.status IN ('WRITTEN_OFF', 'CLAIMED') OR EXISTS (SELECT 1 FROM installment i "
           f"WHERE i.loan_id = l.id AND ((i.paid_on IS NOT NULL AND {paid_late} >= {n}) "
           f"OR (i.paid_on IS NULL AND i.due_date < {d} AND {unpaid_late} >= {n}))))")
    on_time = ("(SELECT COUNT(*) FROM installment i WHERE i.loan_id = l.id AND i.status = 'PAID' "
               "AND i.paid_on <= i.due_date)")
    good = f"(l.status = 'PAID_OFF' OR {on_time} >= {int(settings.model_good_on_time)})"
    text = (
        f"SELECT l.id AS loan_id, l.borrower_id, 1 AS defaulted FROM loan l WHERE {bad} AND NOT EXISTS "
        f"(SELECT 1 FROM learned_outcome o WHERE o.loan_id = l.id AND o.kind = 'BAD') "
        f"UNION ALL "
        f"SELECT l.id AS loan_id, l.borrower_id, 0 AS defaulted FROM loan l WHERE {good} AND NOT {bad} AND NOT EXISTS "
        f"(SELECT 1 FROM learned_outcome o WHERE o.loan_id = l.id) "
        f"ORDER BY loan_id" + (f" LIMIT {int(limit)}" if limit else "")
    )
    day = _day(client, today)
    rows = await client.execute_query_dict(sql(client, text), [day, day, day, day])
    return [MaturedOutcome(int(r["loan_id"]), int(r["borrower_id"]), bool(r["defaulted"])) for r in rows]
