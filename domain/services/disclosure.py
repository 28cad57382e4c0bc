"""Public operating data (information disclosure), computed from the loan book with two
aggregate queries. Overdue means past a due date and unpaid (days past due > 0); balances are
outstanding principal of loans still on the books (active or overdue: written-off and claimed
loans are not). Insurance payouts are what insurers paid on claims."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from domain.db import conn
from domain.money import from_fen
from domain.services.calendar import business_date

OPEN = "status IN ('ACTIVE', 'OVERDUE')"
RATE_PLACES = Decimal("0.000001")

_TOTALS = f"""
SELECT COUNT(*) AS loans,
       COALESCE(SUM(principal_fen), 0) AS amount,
       COUNT(DISTINCT borrower_id) AS borrowers,
       COALESCE(SUM(CASE WHEN {OPEN} THEN 1 ELSE 0 END), 0) AS open_count,
       COALESCE(SUM(CASE WHEN {OPEN} THEN outstanding_principal_fen ELSE 0 END), 0) AS open_balance,
       COALESCE(SUM(CASE WHEN {OPEN} AND dpd > 0 THEN 1 ELSE 0 END), 0) AS overdue_count,
       COALESCE(SUM(CASE WHEN {OPEN} AND dpd > 0 THEN outstanding_principal_fen ELSE 0 END), 0) AS overdue_amount,
       COALESCE(SUM(CASE WHEN {OPEN} AND dpd > 90 THEN 1 ELSE 0 END), 0) AS overdue90_count,
       COALESCE(SUM(CASE WHEN {OPEN} AND dpd > 90 THEN outstanding_principal_fen ELSE 0 END), 0) AS overdue90_amount,
       (SELECT COALESCE(SUM(paid_fen), 0) FROM insurance_claim) AS insurance_paid
FROM loan
"""

_TOP10 = f"""
SELECT COALESCE(SUM(balance), 0) AS top10 FROM (
    SELECT SUM(outstanding_principal_fen) AS balance FROM loan WHERE {OPEN}
    GROUP BY borrower_id ORDER BY balance DESC LIMIT 10
) AS largest
"""


@dataclass(frozen=True)
class Disclosure:
    as_of: date
    cumulative_loan_count: int
    cumulative_loan_amount: Decimal
    outstanding_loan_count: int
    outstanding_balance: Decimal
    borrowers_served: int
    overdue_amount: Decimal
    overdue_count: int
    overdue90_amount: Decimal
    overdue90_count: int
    overdue_rate: Decimal
    insurance_payouts: Decimal
    top10_borrower_share: Decimal


def share(part: int, whole: int) -> Decimal:
    if not whole:
        return Decimal("0.000000")
    return (Decimal(part) / Decimal(whole)).quantize(RATE_PLACES, rounding=ROUND_HALF_UP)


async def disclosure(today: date | None = None) -> Disclosure:
    client = conn()
    t = {k: int(v or 0) for k, v in (await client.execute_query_dict(_TOTALS))[0].items()}
    top10 = int((await client.execute_query_dict(_TOP10))[0]["top10"] or 0)
    return Disclosure(
        as_of=today or await business_date(),
        cumulative_loan_count=t["loans"],
        cumulative_loan_amount=from_fen(t["amount"]),
        outstanding_loan_count=t["open_count"],
        outstanding_balance=from_fen(t["open_balance"]),
        borrowers_served=t["borrowers"],
        overdue_amount=from_fen(t["overdue_amount"]),
        overdue_count=t["overdue_count"],
        overdue90_amount=from_fen(t["overdue90_amount"]),
        overdue90_count=t["overdue90_count"],
        overdue_rate=share(t["overdue_amount"], t["open_balance"]),
        insurance_payouts=from_fen(t["insurance_paid"]),
        top10_borrower_share=share(top10, t["open_balance"]),
    )
