from __future__ import annotations

from collections import defaultdict
from typing import NamedTuple

from api.common.loaders import BatchLoader, many_per_key, one_per_key
from api.loans.rows import (
    LOAN_COLUMNS,
    InstallmentRow,
    LoanRow,
    RepaymentRow,
    installments_of,
    loan_row,
    marks,
    repayments_of,
    select,
)
from domain.models import Loan, Repayment


class LoanPage(NamedTuple):
    """A borrower's loans, newest first: `limit` of them below id `before` (0: from the newest)."""

    borrower_id: int
    limit: int
    before: int = 0
    status: str | None = None


class LoanByIdLoader(BatchLoader[int, Loan | None]):
    async def load_batch(self, keys: list[int]) -> list[Loan | None]:
        return one_per_key(keys, await Loan.filter(id__in=keys), "id")


class LoansByBorrowerIdLoader(BatchLoader[LoanPage, list[LoanRow]]):
    """One query per page shape; a page for a single borrower (the usual `me`) is a plain
    ordered LIMIT, pages for several borrowers number each borrower's rows in SQL."""

    async def load_batch(self, keys: list[LoanPage]) -> list[list[LoanRow]]:
        shapes: dict[tuple, list[LoanPage]] = defaultdict(list)
        for key in keys:
            shapes[(key.limit, key.before, key.status)].append(key)
        found: dict[LoanPage, list[LoanRow]] = {}
        for (limit, before, status), group in shapes.items():
            borrowers = sorted({k.borrower_id for k in group})
            rows = await self._page(borrowers, limit, before, status)
            for key in group:
                found[key] = [r for r in rows if r.borrower_id == key.borrower_id]
        return [found[k] for k in keys]

    async def _page(self, borrowers: list[int], limit: int, before: int, status: str | None) -> list[LoanRow]:
        if limit <= 0:
            return []
        where = f"borrower_id IN ({marks(borrowers)})" + (" AND id < ?" if before else "") + (
            " AND status = ?" if status else "")
        args: list = [*borrowers, *([before] if before else []), *([status] if status else []), limit]
        if len(borrowers) == 1:
            query = f"SELECT {LOAN_COLUMNS} FROM loan WHERE {where} ORDER BY id DESC LIMIT ?"
        else:
            query = (f"SELECT {LOAN_COLUMNS} FROM (SELECT {LOAN_COLUMNS}, ROW_NUMBER() OVER "
                     f"(PARTITION BY borrower_id ORDER BY id DESC) AS n FROM loan WHERE {where}) AS numbered "
                     "WHERE n <= ? ORDER BY id DESC")
        return [loan_row(r) for r in await select(query, args)]


class InstallmentsByLoanIdLoader(BatchLoader[int, list[InstallmentRow]]):
    async def load_batch(self, keys: list[int]) -> list[list[InstallmentRow]]:
        return many_per_key(keys, await installments_of(keys), "loan_id")


class RepaymentsByLoanIdLoader(BatchLoader[int, list[RepaymentRow]]):
    async def load_batch(self, keys: list[int]) -> list[list[RepaymentRow]]:
        return many_per_key(keys, await repayments_of(keys), "loan_id")


class RepaymentByIdLoader(BatchLoader[int, Repayment | None]):
    async def load_batch(self, keys: list[int]) -> list[Repayment | None]:
        return one_per_key(keys, await Repayment.filter(id__in=keys), "id")
