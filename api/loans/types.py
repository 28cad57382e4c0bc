from __future__ import annotations

from datetime import date, datetime
from enum import Enum

import strawberry

from api.common.ids import to_cursor, to_global_id
from api.common.node import Node
from api.common.pagination import PageInfo, page_info
from api.common.scalars import Money, Rate, fen_str, money_str, ppm_str, rate_str
from api.context import Info
from api.loans.rows import InstallmentRow, LoanRow, RepaymentRow
from domain import models
from domain.rules.schedule import ScheduledInstallment
from domain.services.quotes import Quote as QuoteResult


@strawberry.enum
class RepaymentMethod(Enum):
    DAILY_INTEREST = "DAILY_INTEREST"
    EQUAL_INSTALLMENT = "EQUAL_INSTALLMENT"
    EQUAL_PRINCIPAL = "EQUAL_PRINCIPAL"


@strawberry.enum
class LoanStatus(Enum):
    ACTIVE = "ACTIVE"
    OVERDUE = "OVERDUE"
    PAID_OFF = "PAID_OFF"
    WRITTEN_OFF = "WRITTEN_OFF"
    CLAIMED = "CLAIMED"


@strawberry.enum
class LoanClass(Enum):
    NORMAL = "NORMAL"
    SPECIAL_MENTION = "SPECIAL_MENTION"
    SUBSTANDARD = "SUBSTANDARD"
    DOUBTFUL = "DOUBTFUL"
    LOSS = "LOSS"


@strawberry.enum
class InstallmentStatus(Enum):
    PENDING = "PENDING"
    DUE = "DUE"
    PAID = "PAID"
    OVERDUE = "OVERDUE"


@strawberry.enum(description="What a payment beyond what is due does to the instalments still to come.")
class PrepaymentMode(Enum):
    SHORTEN_TERM = "SHORTEN_TERM"
    LOWER_INSTALLMENT = "LOWER_INSTALLMENT"


@strawberry.type
class Installment:
    number: int
    due_date: date
    principal: Money
    interest: Money
    fee: Money
    total: Money
    paid: Money
    status: InstallmentStatus

    @classmethod
    def from_row(cls, r: InstallmentRow | models.Installment) -> Installment:
        return cls(
            number=r.number,
            due_date=r.due_date,
            principal=Money(fen_str(r.principal_fen)),
            interest=Money(fen_str(r.interest_fen)),
            fee=Money(fen_str(r.fee_fen)),
            total=Money(fen_str(r.principal_fen + r.interest_fen + r.fee_fen)),
            paid=Money(fen_str(r.paid_principal_fen + r.paid_interest_fen + r.paid_fee_fen)),
            status=InstallmentStatus(r.status),
        )

    @classmethod
    def from_scheduled(cls, s: ScheduledInstallment) -> Installment:
        return cls(
            number=s.number, due_date=s.due_date, principal=Money(money_str(s.principal)),
            interest=Money(money_str(s.interest)), fee=Money(money_str(s.fee)), total=Money(money_str(s.total)),
            paid=Money("0.00"), status=InstallmentStatus.PENDING,
        )


@strawberry.type
class Repayment(Node):
    amount: Money
    penalty: Money
    interest: Money
    fee: Money
    principal: Money
    received_at: datetime
    borrower_pk: strawberry.Private[int]

    @classmethod
    def from_row(cls, r: RepaymentRow | models.Repayment) -> Repayment:
        return cls(
            id=strawberry.ID(to_global_id("Repayment", r.id)),
            amount=Money(fen_str(r.amount_fen)),
            penalty=Money(fen_str(r.penalty_fen)),
            interest=Money(fen_str(r.interest_fen)),
            fee=Money(fen_str(r.fee_fen)),
            principal=Money(fen_str(r.principal_fen)),
            received_at=r.received_at,
            borrower_pk=r.borrower_id,
        )


@strawberry.type
class Loan(Node):
    method: RepaymentMethod
    principal: Money
    outstanding_principal: Money
    daily_rate: Rate
    apr: Rate = strawberry.field(description="Annualised rate by the IRR method, over all interest and fees.")
    status: LoanStatus
    classification: LoanClass
    days_past_due: int
    disbursed_on: date
    maturity_date: date
    pk: strawberry.Private[int]
    borrower_pk: strawberry.Private[int]

    @classmethod
    def from_row(cls, r: LoanRow | models.Loan) -> Loan:
        return cls(
            id=strawberry.ID(to_global_id("Loan", r.id)),
            method=RepaymentMethod(r.method),
            principal=Money(fen_str(r.principal_fen)),
            outstanding_principal=Money(fen_str(r.outstanding_principal_fen)),
            daily_rate=Rate(ppm_str(r.daily_rate_ppm)),
            apr=Rate(ppm_str(r.apr_ppm)),
            status=LoanStatus(r.status),
            classification=LoanClass(r.classification),
            days_past_due=r.dpd,
            disbursed_on=r.disbursed_on,
            maturity_date=r.maturity_date,
            pk=r.id,
            borrower_pk=r.borrower_id,
        )

    @strawberry.field
    async def schedule(self, info: Info) -> list[Installment]:
        rows = await info.context.loaders.installments_by_loan_id.load(self.pk)
        return [Installment.from_row(r) for r in rows]

    @strawberry.field
    async def repayments(self, info: Info) -> list[Repayment]:
        rows = await info.context.loaders.repayments_by_loan_id.load(self.pk)
        return [Repayment.from_row(r) for r in rows]


@strawberry.type
class LoanEdge:
    cursor: str
    node: Loan


@strawberry.type
class LoanConnection:
    edges: list[LoanEdge]
    page_info: PageInfo

    @classmethod
    def from_rows(cls, rows: list[LoanRow], limit: int, after_given: bool) -> LoanConnection:
        page = rows[:limit]
        edges = [LoanEdge(cursor=to_cursor("loan", r.id), node=Loan.from_row(r)) for r in page]
        return cls(edges=edges, page_info=page_info([e.cursor for e in edges], has_next=len(rows) > limit,
                                                    has_previous=after_given))


@strawberry.type
class Quote:
    method: RepaymentMethod
    principal: Money
    daily_rate: Rate
    apr: Rate
    total_interest: Money
    total_fees: Money
    maturity_date: date
    schedule: list[Installment]

    @classmethod
    def from_result(cls, q: QuoteResult) -> Quote:
        return cls(
            method=RepaymentMethod(q.method.value), principal=Money(money_str(q.principal)),
            daily_rate=Rate(rate_str(q.daily_rate)), apr=Rate(rate_str(q.apr)),
            total_interest=Money(money_str(q.total_interest)), total_fees=Money(money_str(q.total_fees)),
            maturity_date=q.maturity_date, schedule=[Installment.from_scheduled(s) for s in q.schedule],
        )


@strawberry.type
class LoanDrawn:
    loan: Loan


@strawberry.type
class RepaymentMade:
    repayment: Repayment
    loan: Loan
