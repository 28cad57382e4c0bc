from __future__ import annotations

from typing import Annotated

import strawberry

from api.common.errors import NotAllowed, ValidationError, error_member, not_allowed
from api.common.scalars import Money, parse_amount
from api.context import Info
from api.credit.types import CreditDecision, CreditLine, DecisionOutcome, EmploymentType, Housing
from domain import errors
from domain.commands import ApplyForCredit
from domain.services.decisions import apply_for_credit as decide


@strawberry.input
class CreditApplicationInput:
    monthly_income: Money
    employment_type: EmploymentType
    employment_months: int
    housing: Housing
    monthly_debt_payments: Money
    purpose: str
    device_id: str


ApplyForCreditResult = Annotated[
    CreditDecision | ValidationError | NotAllowed, strawberry.union("ApplyForCreditResult")
]


async def apply_for_credit(info: Info, input: CreditApplicationInput) -> ApplyForCreditResult:
    """Apply for a credit line: approved with a limit and rate, declined with reasons, or sent to review."""
    ctx = info.context
    if ctx.borrower_id is None:
        return not_allowed(ctx.auth_problem or "sign in as a borrower first")
    try:
        cmd = ApplyForCredit(
            borrower_id=ctx.borrower_id,
            monthly_income=parse_amount(input.monthly_income, "monthlyIncome"),
            employment_type=input.employment_type.value,
            employment_months=input.employment_months,
            housing=input.housing.value,
            monthly_debt_payments=parse_amount(input.monthly_debt_payments, "monthlyDebtPayments", allow_zero=True),
            purpose=input.purpose,
            device_id=input.device_id,
            ip=ctx.ip,
        )
        result = await decide(cmd, settings=ctx.settings)
    except errors.DomainError as exc:
        return error_member(exc)
    ctx.after_commit()
    return CreditDecision(
        outcome=DecisionOutcome(result.outcome),
        reasons=list(result.reasons),
        score=result.score,
        credit_line=CreditLine.from_row(result.credit_line) if result.credit_line is not None else None,
    )


@strawberry.type
class CreditMutations:
    apply_for_credit = strawberry.mutation(resolver=apply_for_credit, description=apply_for_credit.__doc__)
