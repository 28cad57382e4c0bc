"""The pool every pool test starts from, so its figures are worked by hand once.

Four 12,000.00 CNY equal-principal loans over 12 months at 0.05% a day (1.5% a month on the
30/360 basis), drawn on 2026-01-05; each first instalment, due 2026-02-05, is 1,000.00 principal
+ 180.00 interest (12,000 × 0.015). The pool's tranches: A senior 80% at 6% a year, B mezzanine
10% at 9%, C subordinated (the rest); fees 0.6% (trustee) and 1.2% (servicer) a year."""

from __future__ import annotations

from decimal import Decimal

from domain.commands import Repay
from domain.models import Loan
from domain.pools.eligibility import Criteria
from domain.pools.waterfall import TrancheKind
from domain.services.calendar import business_date
from domain.services.pooling.spec import PoolSpec, TrancheSpec
from domain.services.repay import repay
from tests.factories import make_borrower, make_line, make_loan

D = Decimal


def spec(name: str = "Suixing 2026-1", **overrides) -> PoolSpec:
    terms = dict(
        name=name,
        criteria=Criteria(),
        tranches=(TrancheSpec("A", TrancheKind.SENIOR, D("0.80"), D("0.06")),
                  TrancheSpec("B", TrancheKind.MEZZANINE, D("0.10"), D("0.09")),
                  TrancheSpec("C", TrancheKind.SUBORDINATED)),
        revolving_months=12,
        trustee_fee=D("0.006"),
        servicer_fee=D("0.012"),
        max_default_rate=D("0.05"),
    )
    terms.update(overrides)
    return PoolSpec(**terms)


async def loan_of(amount: str, method: str = "EQUAL_PRINCIPAL", months: int | None = 12, *, days: int | None = None,
                  rate: str = "0.0005") -> Loan:
    """A loan drawn today by a new borrower with a 50,000.00 line."""
    borrower = await make_borrower()
    await make_line(borrower, limit="50000.00", rate=rate)
    return await make_loan(borrower, amount, method, months=months, days=days)


async def four_loans() -> list[Loan]:
    return [await loan_of("12000.00") for _ in range(4)]


async def pay(loan: Loan, amount: str) -> None:
    await repay(Repay(loan.borrower_id, loan.id, D(amount), f"pay-{loan.id}-{amount}-{await business_date()}"))
