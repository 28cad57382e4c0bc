"""Loans as the pool rules see them, read set-based: one query for every candidate or every
loan of a pool, with the borrower's segment and the band of their latest score."""

from __future__ import annotations

from datetime import date

from domain.db import conn, sql
from domain.money import from_fen, ppm_to_rate
from domain.pools.eligibility import LoanSnapshot
from domain.scoring.policy import band_index, band_name
from domain.settings import Settings, get_settings

NO_SCORE = "UNSCORED"

_SELECT = (
    "SELECT l.id, l.borrower_id, l.method, l.outstanding_principal_fen, l.daily_rate_ppm, l.maturity_date, "
    "l.dpd, l.status, b.segment, (SELECT s.score FROM score_record s WHERE s.borrower_id = l.borrower_id "
    "ORDER BY s.id DESC LIMIT 1) AS score FROM loan l JOIN borrower b ON b.id = l.borrower_id "
)


def remaining_months(today: date, maturity: date) -> int:
    """Whole calendar months from ``today`` to maturity, a part month counting as one."""
    if maturity <= today:
        return 0
    months = (maturity.year - today.year) * 12 + maturity.month - today.month
    return months + 1 if maturity.day > today.day else months


def score_band(score: int | None, settings: Settings) -> str:
    return NO_SCORE if score is None else band_name(band_index(int(score), settings))


def _snapshot(row: dict, today: date, settings: Settings) -> LoanSnapshot:
    maturity = row["maturity_date"]
    if isinstance(maturity, str):
        maturity = date.fromisoformat(maturity)
    return LoanSnapshot(
        id=int(row["id"]),
        borrower_id=int(row["borrower_id"]),
        method=row["method"],
        outstanding_principal=from_fen(int(row["outstanding_principal_fen"])),
        daily_rate=ppm_to_rate(int(row["daily_rate_ppm"])),
        remaining_term_months=remaining_months(today, maturity),
        dpd=int(row["dpd"]),
        status=row["status"],
        score_band=score_band(row["score"], settings),
        segment=row["segment"],
    )


async def candidates(today: date, *, max_dpd: int = 0, using_db=None,
                     settings: Settings | None = None) -> list[LoanSnapshot]:
    """Loans no pool holds that could be sold today: active, with principal, within the DPD
    limit; the rest of the criteria are the pure rules' to apply. Oldest loan first."""
    settings = settings or get_settings()
    client = using_db or conn()
    rows = await client.execute_query_dict(sql(client, _SELECT + (
        "WHERE l.pool_id IS NULL AND l.status = 'ACTIVE' AND l.outstanding_principal_fen > 0 AND l.dpd <= ? "
        "ORDER BY l.id")), [int(max_dpd)])
    return [_snapshot(r, today, settings) for r in rows]


async def pool_loans(pool_id: int, today: date, *, using_db=None,
                     settings: Settings | None = None) -> list[LoanSnapshot]:
    """The loans a pool holds that are still on the books (active or overdue)."""
    settings = settings or get_settings()
    client = using_db or conn()
    rows = await client.execute_query_dict(sql(client, _SELECT + (
        "WHERE l.pool_id = ? AND l.status IN ('ACTIVE', 'OVERDUE') ORDER BY l.id")), [int(pool_id)])
    return [_snapshot(r, today, settings) for r in rows]
