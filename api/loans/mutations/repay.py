from __future__ import annotations

from typing import Annotated

import strawberry

from api.common.errors import (
    IdempotencyConflict,
    NotAllowed,
    ValidationError,
    error_member,
    not_allowed,
)
from api.common.ids import expect_global_id
from api.common.scalars import Money, parse_amount
from api.context import Info
from api.loans.types import Loan, PrepaymentMode, RepaymentMade
from api.loans.types import Repayment as RepaymentType
from domain import errors
from domain.commands import Repay
from domain.models import Loan as LoanRow
from domain.services.repay import repay as receive


@strawberry.input
class RepayInput:
    loan_id: strawberry.ID
    amount: Money
    idempotency_key: str
    prepayment_mode: PrepaymentMode = PrepaymentMode.SHORTEN_TERM


RepayResult = Annotated[
    RepaymentMade | IdempotencyConflict | ValidationError | NotAllowed,
    strawberry.union("RepayResult"),
]


async def repay(info: Info, input: RepayInput) -> RepayResult:
    """Repay a loan of the signed-in borrower. Money beyond what is due prepays principal, shortening
    the term or lowering the instalment as `prepaymentMode` says."""
    ctx = info.context
    if ctx.borrower_id is None:
        return not_allowed(ctx.auth_problem or "sign in as a borrower first")
    try:
        cmd = Repay(
            borrower_id=ctx.borrower_id,
            loan_id=expect_global_id(input.loan_id, "Loan", "loanId"),
            amount=parse_amount(input.amount, "amount"),
            idempotency_key=input.idempotency_key,
            prepayment_mode=input.prepayment_mode.value,
        )
        repayment = await receive(cmd, settings=ctx.settings)
    except errors.DomainError as exc:
        return error_member(exc)
    ctx.after_commit()
    loan = await LoanRow.get(id=repayment.loan_id)
    return RepaymentMade(repayment=RepaymentType.from_row(repayment), loan=Loan.from_row(loan))
