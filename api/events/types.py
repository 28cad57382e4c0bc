from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry
from strawberry.scalars import JSON

from api.common.ids import to_cursor, to_global_id
from api.common.pagination import PageInfo
from domain.services.event_feed import FeedEvent

EVENT_CURSOR = "event"


@strawberry.enum
class EventType(Enum):
    CREDIT_DECISION = "CREDIT_DECISION"
    LOAN_DISBURSED = "LOAN_DISBURSED"
    REPAYMENT_RECEIVED = "REPAYMENT_RECEIVED"
    LOAN_OVERDUE = "LOAN_OVERDUE"
    LOAN_PAID_OFF = "LOAN_PAID_OFF"
    LOAN_WRITTEN_OFF = "LOAN_WRITTEN_OFF"
    CREDIT_LIMIT_CHANGED = "CREDIT_LIMIT_CHANGED"
    SCORE_UPDATED = "SCORE_UPDATED"
    INSURANCE_CLAIM_PAID = "INSURANCE_CLAIM_PAID"
    POOL_CREATED = "POOL_CREATED"
    POOL_DISTRIBUTION = "POOL_DISTRIBUTION"
    CREDIT_LINE_FROZEN = "CREDIT_LINE_FROZEN"
    CREDIT_LINE_UNFROZEN = "CREDIT_LINE_UNFROZEN"
    LOAN_CLASSIFIED = "LOAN_CLASSIFIED"
    LOAN_CURED = "LOAN_CURED"


@strawberry.type
class Event:
    cursor: str = strawberry.field(description="Opaque, ordered; pass it back as `after` to resume.")
    type: EventType
    occurred_at: datetime
    borrower_id: strawberry.ID | None
    loan_id: strawberry.ID | None
    data: JSON

    @classmethod
    def from_feed(cls, e: FeedEvent) -> Event:
        return cls(
            cursor=to_cursor(EVENT_CURSOR, e.id),
            type=EventType(e.type),
            occurred_at=e.occurred_at,
            borrower_id=strawberry.ID(to_global_id("Borrower", e.borrower_id)) if e.borrower_id else None,
            loan_id=strawberry.ID(to_global_id("Loan", e.loan_id)) if e.loan_id else None,
            data=e.data,
        )


@strawberry.type
class EventEdge:
    cursor: str
    node: Event


@strawberry.type
class EventConnection:
    edges: list[EventEdge]
    page_info: PageInfo


def type_names(types: list[EventType] | None) -> list[str] | None:
    return None if types is None else [t.value for t in types]
