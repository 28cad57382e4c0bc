"""What the servicing of a sold loan means to its pool.

A sold loan is serviced exactly as before; these hooks then hand the pool its part. Each one
writes a journal entry and a `pool_collection` row in the caller's transaction, so a collection
period can sum what reached each pool between two dates:

- repayment: principal moves from POOL_PRINCIPAL (owed to the pool) to POOL_CASH (held for
  it); interest and penalty, first recognised as the lender's income, are passed on;
- default (written off or claimed): the pool bears the principal the loan still owed;
- insurance payout or recovery on a defaulted loan: the cash is passed on to the pool.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from domain.models import PoolCollection
from domain.services import ledger

INTEREST, PRINCIPAL, RECOVERY, INSURANCE, DEFAULT, PURCHASE = (
    "INTEREST", "PRINCIPAL", "RECOVERY", "INSURANCE", "DEFAULT", "PURCHASE")
# Kinds that are cash of the period's waterfall.
CASH_KINDS = (INTEREST, PRINCIPAL, RECOVERY, INSURANCE)


async def collect_repayment(pool_id: int | None, loan_id: int, *, principal: int, interest: int, recovery: int,
                            today: date, tx) -> None:
    """``interest`` includes penalty interest; ``recovery`` is cash on a defaulted loan that the
    lender, not an insurer, is entitled to."""
    if pool_id is None or not (principal or interest or recovery):
        return
    await ledger.post(
        "POOL_COLLECTION",
        [ledger.debit("POOL_PRINCIPAL", principal, loan_id),
         ledger.debit("PASSED_TO_POOLS", interest + recovery, loan_id),
         ledger.credit("POOL_CASH", principal + interest + recovery, loan_id)],
        business_date=today, loan_id=loan_id, memo=f"pool {pool_id}", using_db=tx,
    )
    await _record(tx, today, [(pool_id, loan_id, kind, fen) for kind, fen in
                              ((PRINCIPAL, principal), (INTEREST, interest), (RECOVERY, recovery)) if fen])


async def default(rows: Iterable[tuple[int, int, int]], *, today: date, tx) -> None:
    """(pool id, loan id, principal still owed) of pooled loans leaving the books."""
    rows = [r for r in rows if r[2]]
    for pool_id, loan_id, principal in rows:
        await ledger.post(
            "POOL_DEFAULT",
            [ledger.debit("POOL_PRINCIPAL", principal, loan_id),
             ledger.credit("LOSSES_BORNE_BY_POOLS", principal, loan_id)],
            business_date=today, loan_id=loan_id, memo=f"pool {pool_id}", using_db=tx,
        )
    await _record(tx, today, [(pool_id, loan_id, DEFAULT, fen) for pool_id, loan_id, fen in rows])


async def insurance_payout(pool_id: int | None, loan_id: int, fen: int, *, today: date, tx) -> None:
    if pool_id is None or not fen:
        return
    await ledger.post(
        "POOL_COLLECTION",
        [ledger.debit("PASSED_TO_POOLS", fen, loan_id), ledger.credit("POOL_CASH", fen, loan_id)],
        business_date=today, loan_id=loan_id, memo=f"pool {pool_id} insurance", using_db=tx,
    )
    await _record(tx, today, [(pool_id, loan_id, INSURANCE, fen)])


async def _record(tx, today: date, rows: list[tuple[int, int, str, int]]) -> None:
    if rows:
        await PoolCollection.bulk_create(
            [PoolCollection(pool_id=p, loan_id=loan, business_date=today, kind=k, amount_fen=fen)
             for p, loan, k, fen in rows],
            using_db=tx,
        )
