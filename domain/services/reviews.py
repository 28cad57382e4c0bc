"""The review queue: applications the engine sent to a person, and that person's decision.

Approving opens the line (at the policy's offer or at terms the reviewer sets, inside the same
bounds as any line); declining records the reviewer's reason. Either way the application moves
out of REVIEW exactly once, a CREDIT_DECISION event goes out and a MANUAL_OVERRIDE block naming
the reviewer joins the decision chain."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from tortoise.transactions import in_transaction

from domain import audit
from domain.commands import OpenCreditLine
from domain.errors import NotAllowed, NotFound, ValidationFailed
from domain.models import CreditApplication
from domain.money import from_fen, ppm_to_rate
from domain.services._scorer import income_ceiling
from domain.services.calendar import business_date, utcnow
from domain.services.credit_lines import open_credit_line
from domain.services.decisions import CreditDecisionResult, record_decision
from domain.settings import Settings, get_settings

_REASON = re.compile(r"[A-Z][A-Z0-9_]{2,47}")
MAX_PAGE = 200


async def review_queue(*, after_id: int = 0, limit: int = 50) -> list[CreditApplication]:
    """Applications waiting for a person, oldest first; page with `after_id`."""
    limit = max(1, min(limit, MAX_PAGE))
    return list(await CreditApplication.filter(outcome="REVIEW", id__gt=after_id).order_by("id").limit(limit))


async def approve_application(application_id: int, *, staff: str, limit: Decimal | None = None,
                              daily_rate: Decimal | None = None, note: str = "", today: date | None = None,
                              settings: Settings | None = None) -> CreditDecisionResult:
    settings = settings or get_settings()
    staff = _staff(staff)
    async with in_transaction() as tx:
        app = await _claim(application_id, tx)
        limit = limit if limit is not None else (from_fen(app.offered_limit_fen) if app.offered_limit_fen else None)
        daily_rate = daily_rate if daily_rate is not None else (
            ppm_to_rate(app.offered_rate_ppm) if app.offered_rate_ppm else None)
        if limit is None or daily_rate is None:
            raise ValidationFailed("the policy made no offer: give a limit and a daily rate", field="limit")
        ceiling = income_ceiling(from_fen(app.monthly_income_fen), settings, initial=True)
        if app.segment == "STUDENT":
            ceiling = min(ceiling, settings.student_max_limit)
        if limit > ceiling or limit < settings.initial_limit_min:
            raise ValidationFailed(f"the limit must be between {settings.initial_limit_min} and {ceiling} "
                                   "for this applicant",
                                   field="limit")
        today = today or await business_date()
        line = await open_credit_line(OpenCreditLine(app.borrower_id, limit, daily_rate), today=today,
                                      settings=settings)
        app.outcome, app.credit_line_id = "APPROVED", line.id
        await _finish(app, staff, note, tx)
        return CreditDecisionResult("APPROVED", list(app.reasons), app.score, line, app.id)


async def decline_application(application_id: int, *, staff: str, reason: str, note: str = "") -> CreditDecisionResult:
    """`reason` is a code such as FRAUD_CONFIRMED or INCOME_NOT_VERIFIED; the note says more."""
    staff = _staff(staff)
    reason = reason.strip().upper()
    if not _REASON.fullmatch(reason):
        raise ValidationFailed("a reason code of capital letters, digits and _ is required", field="reason")
    async with in_transaction() as tx:
        app = await _claim(application_id, tx)
        app.outcome, app.reasons = "DECLINED", [*app.reasons, reason]
        await _finish(app, staff, note, tx)
        return CreditDecisionResult("DECLINED", list(app.reasons), app.score, None, app.id)


def _staff(staff: str) -> str:
    staff = (staff or "").strip()
    if not staff or len(staff) > 64:
        raise ValidationFailed("the reviewing staff user is required", field="staff")
    return staff


async def _claim(application_id: int, tx) -> CreditApplication:
    """Lock the application and check it still waits for review; two reviewers racing each
    other get one decision and one refusal."""
    app = await CreditApplication.filter(id=application_id).select_for_update().using_db(tx).first()
    if app is None:
        raise NotFound("no such application")
    claimed = await CreditApplication.filter(id=application_id, outcome="REVIEW").using_db(tx).update(
        outcome="REVIEWING")
    if not claimed:
        raise NotAllowed(f"the application is {app.outcome.lower()}, not waiting for review")
    return app


async def _finish(app: CreditApplication, staff: str, note: str, tx) -> None:
    note = note.strip()
    if len(note) > 2000:
        raise ValidationFailed("the note is at most 2000 characters", field="note")
    app.reviewer, app.review_note, app.reviewed_at = staff, note or None, utcnow()
    app.decided_at = app.reviewed_at
    await app.save(using_db=tx, update_fields=["outcome", "reasons", "credit_line_id", "reviewer", "review_note",
                                                 "reviewed_at", "decided_at"])
    await record_decision(app, tx, actor=staff, kind=audit.MANUAL_OVERRIDE, extra={"previousOutcome": "REVIEW"})
