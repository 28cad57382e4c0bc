"""Reading the event table in order, for partners. An event's id is its position, and so the
cursor a partner resumes from."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from domain.db import conn
from domain.models import Event

MAX_PAGE = 100

# The event types partners may follow. Others in the table are internal and never leave.
PARTNER_EVENT_TYPES = (
    "CREDIT_DECISION",
    "LOAN_DISBURSED",
    "REPAYMENT_RECEIVED",
    "LOAN_OVERDUE",
    "LOAN_PAID_OFF",
    "LOAN_WRITTEN_OFF",
    "CREDIT_LIMIT_CHANGED",
    "SCORE_UPDATED",
    "INSURANCE_CLAIM_PAID",
    "POOL_CREATED",
    "POOL_DISTRIBUTION",
    "CREDIT_LINE_FROZEN",
    "CREDIT_LINE_UNFROZEN",
    "LOAN_CLASSIFIED",
    "LOAN_CURED",
)


@dataclass(frozen=True, slots=True)
class FeedEvent:
    id: int
    type: str
    occurred_at: datetime
    business_date: date
    borrower_id: int | None
    loan_id: int | None
    data: dict[str, Any]

    @classmethod
    def from_model(cls, e: Event) -> FeedEvent:
        data = json.loads(e.data) if isinstance(e.data, str) else (e.data or {})
        return cls(e.id, e.type, e.occurred_at, e.business_date, e.borrower_id, e.loan_id, data)

    def to_wire(self) -> dict[str, Any]:
        return {
            "id": self.id, "type": self.type, "occurredAt": self.occurred_at.isoformat(),
            "businessDate": self.business_date.isoformat(), "borrowerId": self.borrower_id,
            "loanId": self.loan_id, "data": self.data,
        }

    @classmethod
    def from_wire(cls, d: dict[str, Any]) -> FeedEvent:
        return cls(int(d["id"]), d["type"], datetime.fromisoformat(d["occurredAt"]),
                   date.fromisoformat(d["businessDate"]), d.get("borrowerId"), d.get("loanId"), d.get("data") or {})


def clamp_page(first: int | None) -> int:
    return max(0, min(MAX_PAGE if first is None else first, MAX_PAGE))


def partner_types(types: Sequence[str] | None) -> list[str]:
    """The requested types, restricted to those partners may see (all of them when None)."""
    if types is None:
        return list(PARTNER_EVENT_TYPES)
    return [t for t in dict.fromkeys(types) if t in PARTNER_EVENT_TYPES]


async def read_after(after: int, *, types: Sequence[str] | None = None, limit: int = MAX_PAGE,
                     upto: int | None = None, partner_only: bool = True) -> list[FeedEvent]:
    """Events with id > `after` (and <= `upto`), oldest first, at most `limit`."""
    query = Event.filter(id__gt=after)
    if upto is not None:
        query = query.filter(id__lte=upto)
    if partner_only or types is not None:
        wanted = partner_types(types) if partner_only else list(types or [])
        if not wanted:
            return []
        query = query.filter(type__in=wanted)
    return [FeedEvent.from_model(e) for e in await query.order_by("id").limit(limit)]


async def last_id() -> int:
    rows = await conn().execute_query_dict("SELECT MAX(id) AS top FROM event")
    return int(rows[0]["top"] or 0) if rows else 0
