from __future__ import annotations

from typing import Annotated

import strawberry

from api.common.errors import (
    IdempotencyConflict,
    InsufficientCredit,
    NotAllowed,
    ValidationError,
    error_member,
    not_allowed,
)
from api.common.scalars import Money, parse_amount
from api.context import Info
from api.loans.types import Loan, LoanDrawn, RepaymentMethod
from domain import errors
from domain.commands import Drawdown
from domain.services.drawdown import drawdown as draw


@strawberry.input
class DrawdownInput:
    amount: Money
    method: RepaymentMethod
    term_months: int | None = None
    term_days: int | None = None
    idempotency_key: str


DrawdownResult = Annotated[
    LoanDrawn | InsufficientCredit | IdempotencyConflict | ValidationError | NotAllowed,
    strawberry.union("DrawdownResult"),
]


async def drawdown(info: Info, input: DrawdownInput) -> DrawdownResult:
    """Draw on the credit line. The same idempotency key with the same request answers the first loan."""
    ctx = info.context
    if ctx.borrower_id is None:
        return not_allowed(ctx.auth_problem or "sign in as a borrower first")
    try:
        cmd = Drawdown(
            borrower_id=ctx.borrower_id,
            amount=parse_amount(input.amount, "amount"),
            method=input.method.value,
            idempotency_key=input.idempotency_key,
            term_months=input.term_months,
            term_days=input.term_days,
        )
        loan = await draw(cmd, settings=ctx.settings)
    except errors.DomainError as exc:
        return error_member(exc)
    ctx.after_commit()
    return LoanDrawn(loan=Loan.from_row(loan))
