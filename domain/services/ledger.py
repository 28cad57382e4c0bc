"""The double-entry ledger: a fixed chart of accounts and balanced journal entries."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from domain.models import JournalEntry, LedgerAccount, Posting

# code -> (id, name, kind). Ids are fixed so postings never need to look accounts up.
CHART: dict[str, tuple[int, str, str]] = {
    "CASH": (1, "Settlement cash", "ASSET"),
    "LOANS_RECEIVABLE": (2, "Loans receivable (principal)", "ASSET"),
    "INTEREST_RECEIVABLE": (3, "Interest receivable", "ASSET"),
    "PENALTY_RECEIVABLE": (4, "Penalty interest receivable", "ASSET"),
    "FEE_RECEIVABLE": (5, "Fees receivable", "ASSET"),
    "INTEREST_INCOME": (6, "Interest income", "INCOME"),
    "PENALTY_INCOME": (7, "Penalty interest income", "INCOME"),
    "FEE_INCOME": (8, "Fee income", "INCOME"),
    "CREDIT_LOSS": (9, "Credit losses (write-offs)", "EXPENSE"),
    "RECOVERY_INCOME": (10, "Recoveries on written-off loans", "INCOME"),
    # Pools. Sold loans stay on the servicing sub-ledger (LOANS_RECEIVABLE); what they owe the
    # pools is a liability, POOL_PRINCIPAL, and the cash collected for the pools is held in
    # POOL_CASH until a collection period pays it out or spends it on loans.
    "POOL_PRINCIPAL": (11, "Principal of loans sold to pools", "LIABILITY"),
    "POOL_CASH": (12, "Collections held for pools", "LIABILITY"),
    # Interest, penalty and recoveries of sold loans, handed on to their pools.
    "PASSED_TO_POOLS": (13, "Collections passed to pools", "EXPENSE"),
    # Principal of sold loans that defaulted: the pools bear it, not the originator.
    "LOSSES_BORNE_BY_POOLS": (14, "Credit losses borne by pools", "INCOME"),
    "SERVICING_FEE_INCOME": (15, "Pool servicing fees", "INCOME"),
    # Insurance. Premiums collected for insurers and recoveries on claimed loans are owed to them.
    "INSURER_PAYABLE": (16, "Due to insurers", "LIABILITY"),
    "PREMIUMS_CEDED": (17, "Insurance premiums passed to insurers", "EXPENSE"),
}


def account_id(code: str) -> int:
    return CHART[code][0]


class UnbalancedEntry(ValueError):
    pass


@dataclass(frozen=True)
class Line:
    account: str
    debit: int = 0
    credit: int = 0
    loan_id: int | None = None


def debit(account: str, fen: int, loan_id: int | None = None) -> Line:
    return Line(account, debit=fen, loan_id=loan_id)


def credit(account: str, fen: int, loan_id: int | None = None) -> Line:
    return Line(account, credit=fen, loan_id=loan_id)


async def ensure_chart(using_db=None) -> None:
    existing = {a.id for a in await LedgerAccount.all(using_db=using_db)}
    missing = [
        LedgerAccount(id=i, code=code, name=name, kind=kind)
        for code, (i, name, kind) in CHART.items()
        if i not in existing
    ]
    if missing:
        await LedgerAccount.bulk_create(missing, using_db=using_db)


async def post(
    kind: str,
    lines: Sequence[Line],
    *,
    business_date: date,
    loan_id: int | None = None,
    memo: str = "",
    using_db=None,
) -> JournalEntry | None:
    """Write one balanced journal entry; zero lines are dropped, an empty entry is skipped."""
    lines = [ln for ln in lines if ln.debit or ln.credit]
    if not lines:
        return None
    if any(ln.debit < 0 or ln.credit < 0 for ln in lines):
        raise UnbalancedEntry(f"{kind}: negative amount in {lines}")
    if sum(ln.debit for ln in lines) != sum(ln.credit for ln in lines):
        raise UnbalancedEntry(f"{kind}: debits and credits differ in {lines}")
    entry = await JournalEntry.create(
        kind=kind, memo=memo, business_date=business_date, loan_id=loan_id, using_db=using_db
    )
    await Posting.bulk_create(
        [
            Posting(
                entry_id=entry.id,
                account_id=account_id(ln.account),
                loan_id=ln.loan_id,
                debit_fen=ln.debit,
                credit_fen=ln.credit,
            )
            for ln in lines
        ],
        using_db=using_db,
    )
    return entry


async def balances(using_db=None) -> dict[str, int]:
    """Net balance per account in fen, positive on the account's natural side."""
    from tortoise.functions import Sum

    rows = (
        await Posting.all(using_db=using_db)
        .group_by("account_id")
        .annotate(d=Sum("debit_fen"), c=Sum("credit_fen"))
        .values("account_id", "d", "c")
    )
    by_id = {r["account_id"]: (int(r["d"] or 0), int(r["c"] or 0)) for r in rows}
    out = {}
    for code, (i, _name, kind) in CHART.items():
        d, c = by_id.get(i, (0, 0))
        out[code] = d - c if kind in ("ASSET", "EXPENSE") else c - d
    return out
