from __future__ import annotations

from enum import Enum

import strawberry

from api.common.ids import to_global_id
from api.common.node import Node
from api.common.scalars import Money, Rate, fen_str, ppm_str
from domain.models import CreditLine as CreditLineRow


@strawberry.enum
class EmploymentType(Enum):
    SALARIED = "SALARIED"
    SELF_EMPLOYED = "SELF_EMPLOYED"
    STUDENT = "STUDENT"
    OTHER = "OTHER"


@strawberry.enum
class Housing(Enum):
    OWN = "OWN"
    MORTGAGE = "MORTGAGE"
    RENT = "RENT"
    FAMILY = "FAMILY"
    OTHER = "OTHER"


@strawberry.enum
class DecisionOutcome(Enum):
    APPROVED = "APPROVED"
    DECLINED = "DECLINED"
    REVIEW = "REVIEW"


@strawberry.enum
class CreditLineStatus(Enum):
    ACTIVE = "ACTIVE"
    FROZEN = "FROZEN"
    CLOSED = "CLOSED"


@strawberry.type
class CreditLine(Node):
    status: CreditLineStatus
    limit: Money
    available: Money
    outstanding_principal: Money
    daily_rate: Rate
    borrower_pk: strawberry.Private[int]

    @classmethod
    def from_row(cls, row: CreditLineRow) -> CreditLine:
        return cls(
            id=strawberry.ID(to_global_id("CreditLine", row.id)),
            status=CreditLineStatus(row.status),
            limit=Money(fen_str(row.limit_fen)),
            available=Money(fen_str(max(row.limit_fen - row.used_fen, 0))),
            outstanding_principal=Money(fen_str(row.used_fen)),
            daily_rate=Rate(ppm_str(row.daily_rate_ppm)),
            borrower_pk=row.borrower_id,
        )


@strawberry.type
class CreditDecision:
    outcome: DecisionOutcome
    reasons: list[str]
    score: int | None
    credit_line: CreditLine | None
