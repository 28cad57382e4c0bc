from __future__ import annotations

from datetime import datetime

import strawberry

from api.common.ids import from_cursor, to_global_id
from api.common.node import Node
from api.common.pagination import page_size
from api.context import Info
from api.credit.types import CreditLine
from api.loans.loaders import LoanPage
from api.loans.types import LoanConnection, LoanStatus
from domain.identity import mask_phone
from domain.models import Borrower as BorrowerRow
from domain.services.borrowers import reveal_phone
from domain.settings import Settings


@strawberry.type
class ScoreChange:
    score: int
    probability_of_default: float
    model_version: str
    reason: str
    at: datetime


@strawberry.type
class Borrower(Node):
    name: str
    phone_masked: str
    pk: strawberry.Private[int]

    @classmethod
    def from_row(cls, row: BorrowerRow, settings: Settings) -> Borrower:
        return cls(
            id=strawberry.ID(to_global_id("Borrower", row.id)),
            name=row.name,
            phone_masked=mask_phone(reveal_phone(row, settings)),
            pk=row.id,
        )

    @strawberry.field(description="The latest credit score, 350-950; null before the first scoring.")
    async def score(self, info: Info) -> int | None:
        history = await info.context.loaders.score_records_by_borrower_id.load(self.pk)
        return history[-1].score if history else None

    @strawberry.field
    async def score_history(self, info: Info) -> list[ScoreChange]:
        history = await info.context.loaders.score_records_by_borrower_id.load(self.pk)
        return [ScoreChange(score=r.score, probability_of_default=r.pd, model_version=r.model_version,
                            reason=r.reason, at=r.at) for r in history]

    @strawberry.field
    async def credit_line(self, info: Info) -> CreditLine | None:
        row = await info.context.loaders.credit_line_by_borrower_id.load(self.pk)
        return CreditLine.from_row(row) if row is not None else None

    @strawberry.field
    async def loans(self, info: Info, first: int | None = 20, after: str | None = None,
                    status: LoanStatus | None = None) -> LoanConnection:
        limit = page_size(first)
        before = from_cursor(after, "loan")
        rows = await info.context.loaders.loans_by_borrower_id.load(
            LoanPage(self.pk, limit + 1, before, status.value if status else None)
        )
        return LoanConnection.from_rows(rows, limit, after_given=before > 0)


@strawberry.type
class BorrowerRegistered:
    token: str
    borrower: Borrower


@strawberry.type
class SignedIn:
    token: str
    borrower: Borrower


@strawberry.type
class SignedOut:
    ok: bool = True
