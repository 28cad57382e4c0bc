"""Portfolio figures for the staff dashboard, each one set-based SQL over the whole book.

The number of statements is fixed whatever the size of the portfolio: totals, buckets and
classes come from one pass over the loan table with conditional sums."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from domain.db import conn, date_param, sql
from domain.models import CloseRun
from domain.services.calendar import business_date

OPEN = "('ACTIVE', 'OVERDUE')"
# key, lowest and highest DPD (inclusive) of each collection bucket
DPD_BUCKETS: tuple[tuple[str, int, int | None], ...] = (
    ("CURRENT", 0, 0), ("M1", 1, 30), ("M2", 31, 60), ("M3", 61, 90), ("M3_PLUS", 91, None),
)
CLASSES = ("NORMAL", "SPECIAL_MENTION", "SUBSTANDARD", "DOUBTFUL", "LOSS")
SCORE_MIN, SCORE_MAX, SCORE_STEP = 350, 950, 50
FLOW_DAYS = 30


@dataclass(frozen=True)
class Bucket:
    key: str
    count: int
    amount_fen: int


@dataclass(frozen=True)
class DayFlow:
    day: date
    disbursed_fen: int
    disbursed_count: int
    repaid_fen: int
    repaid_count: int


@dataclass
class Dashboard:
    today: date
    last_close: CloseRun | None
    outstanding_fen: int = 0
    receivable_fen: int = 0
    open_loans: int = 0
    overdue_loans: int = 0
    borrowers: int = 0
    borrowers_with_loans: int = 0
    lines: int = 0
    frozen_lines: int = 0
    limit_fen: int = 0
    used_fen: int = 0
    dpd: list[Bucket] = field(default_factory=list)
    classes: list[Bucket] = field(default_factory=list)
    flows: list[DayFlow] = field(default_factory=list)
    # (lowest score of the band, borrowers); None when no scores exist yet
    scores: list[tuple[int, int]] | None = None

    @property
    def overdue_rate_ppm(self) -> int:
        """Share of outstanding principal more than 0 days past due, in parts per million."""
        late = sum(b.amount_fen for b in self.dpd if b.key != "CURRENT")
        return late * 1_000_000 // self.outstanding_fen if self.outstanding_fen else 0


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _int(value: Any) -> int:
    return int(value or 0)


async def _rows(text: str, args: list[Any] | None = None) -> list[dict[str, Any]]:
    client = conn()
    return await client.execute_query_dict(sql(client, text), args or [])


def _bucket_sql() -> str:
    parts = []
    # Aliases in lower case: PostgreSQL folds unquoted names.
    conditions = [(f"n_{key.lower()}", f"a_{key.lower()}",
                   f"dpd BETWEEN {lo} AND {hi}" if hi is not None else f"dpd >= {lo}") for key, lo, hi in DPD_BUCKETS]
    conditions += [(f"c_{cls.lower()}", f"d_{cls.lower()}", f"classification = '{cls}'") for cls in CLASSES]
    for count, amount, cond in conditions:
        parts.append(f"SUM(CASE WHEN {cond} THEN 1 ELSE 0 END) AS {count}, "
                     f"SUM(CASE WHEN {cond} THEN outstanding_principal_fen ELSE 0 END) AS {amount}")
    return ", ".join(parts)


async def _loan_figures(board: Dashboard) -> None:
    row = (await _rows(
        "SELECT COUNT(*) AS n, SUM(outstanding_principal_fen) AS principal, "
        "SUM(outstanding_principal_fen + interest_receivable_fen + penalty_receivable_fen) AS receivable, "
        "SUM(CASE WHEN status = 'OVERDUE' THEN 1 ELSE 0 END) AS overdue, "
        f"COUNT(DISTINCT borrower_id) AS borrowers, {_bucket_sql()} FROM loan WHERE status IN {OPEN}"))[0]
    board.open_loans, board.outstanding_fen = _int(row["n"]), _int(row["principal"])
    board.receivable_fen, board.overdue_loans = _int(row["receivable"]), _int(row["overdue"])
    board.borrowers_with_loans = _int(row["borrowers"])
    board.dpd = [Bucket(k, _int(row[f"n_{k.lower()}"]), _int(row[f"a_{k.lower()}"])) for k, _, _ in DPD_BUCKETS]
    board.classes = [Bucket(c, _int(row[f"c_{c.lower()}"]), _int(row[f"d_{c.lower()}"])) for c in CLASSES]


async def _line_figures(board: Dashboard) -> None:
    row = (await _rows(
        "SELECT (SELECT COUNT(*) FROM borrower) AS borrowers, COUNT(*) AS n, "
        "SUM(CASE WHEN status = 'FROZEN' THEN 1 ELSE 0 END) AS frozen, SUM(limit_fen) AS lim, "
        "SUM(used_fen) AS used FROM credit_line"))[0]
    board.borrowers, board.lines, board.frozen_lines = _int(row["borrowers"]), _int(row["n"]), _int(row["frozen"])
    board.limit_fen, board.used_fen = _int(row["lim"]), _int(row["used"])


async def daily_flows(today: date, days: int = FLOW_DAYS) -> list[DayFlow]:
    """Principal disbursed and money repaid on each of the `days` business days up to today."""
    start = today - timedelta(days=days - 1)
    client = conn()
    marker = date_param(client)
    arg = start if client.capabilities.dialect == "postgres" else start.isoformat()
    out = await _rows(f"SELECT disbursed_on AS d, COUNT(*) AS n, SUM(principal_fen) AS s FROM loan "
                      f"WHERE disbursed_on >= {marker} GROUP BY disbursed_on", [arg])
    back = await _rows(f"SELECT business_date AS d, COUNT(*) AS n, SUM(amount_fen) AS s FROM repayment "
                       f"WHERE business_date >= {marker} GROUP BY business_date", [arg])
    lent = {_as_date(r["d"]): (_int(r["s"]), _int(r["n"])) for r in out}
    paid = {_as_date(r["d"]): (_int(r["s"]), _int(r["n"])) for r in back}
    flows = []
    for i in range(days):
        day = start + timedelta(days=i)
        (ls, ln), (ps, pn) = lent.get(day, (0, 0)), paid.get(day, (0, 0))
        flows.append(DayFlow(day, ls, ln, ps, pn))
    return flows


async def score_distribution() -> list[tuple[int, int]] | None:
    """Borrowers per band of 50 points, by each borrower's latest score; None when nobody has one."""
    band = (f"(CASE WHEN s.score >= {SCORE_MAX} THEN {SCORE_MAX - SCORE_STEP} WHEN s.score < {SCORE_MIN} "
            f"THEN {SCORE_MIN} ELSE s.score - ((s.score - {SCORE_MIN}) % {SCORE_STEP}) END)")
    rows = await _rows(
        f"SELECT {band} AS band, COUNT(*) AS n FROM score_record s WHERE s.id = ("
        f"SELECT MAX(t.id) FROM score_record t WHERE t.borrower_id = s.borrower_id) GROUP BY {band}")
    if not rows:
        return None
    counts = {_int(r["band"]): _int(r["n"]) for r in rows}
    return [(lo, counts.get(lo, 0)) for lo in range(SCORE_MIN, SCORE_MAX, SCORE_STEP)]


async def dashboard() -> Dashboard:
    today = await business_date()
    board = Dashboard(today=today, last_close=await CloseRun.all().order_by("-closed_date").first())
    await _loan_figures(board)
    await _line_figures(board)
    board.flows = await daily_flows(today)
    board.scores = await score_distribution()
    return board
