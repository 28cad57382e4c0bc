"""Appending to the outbox. Callers pass the transaction's connection so that an event
exists exactly when the change it reports was committed."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from domain.models import Event
from domain.services.calendar import utcnow


async def append(
    type_: str,
    *,
    business_date: date,
    borrower_id: int | None = None,
    loan_id: int | None = None,
    data: dict[str, Any] | None = None,
    using_db=None,
) -> Event:
    return await Event.create(
        type=type_,
        occurred_at=utcnow(),
        business_date=business_date,
        borrower_id=borrower_id,
        loan_id=loan_id,
        data=data or {},
        using_db=using_db,
    )


async def append_many(
    rows: Iterable[tuple[str, int | None, int | None, dict[str, Any]]],
    *,
    business_date: date,
    using_db=None,
) -> int:
    """Append (type, borrower_id, loan_id, data) rows in one statement batch, in order."""
    now = utcnow()
    events = [
        Event(
            type=t, occurred_at=now, business_date=business_date, borrower_id=b, loan_id=loan, data=d
        )
        for t, b, loan, d in rows
    ]
    if events:
        await Event.bulk_create(events, batch_size=1000, using_db=using_db)
    return len(events)
