"""The review queue: applications the engine sent to a person."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from admin import auth, integrations
from admin.pages import int_param, path_id, redirect, render
from domain.errors import DomainError, ValidationFailed
from domain.models import Borrower, CreditApplication
from domain.money import format_money, from_fen
from domain.services import staff as staff_service

PER_PAGE = 20
DECLINE_REASONS = ("FRAUD_CONFIRMED", "IDENTITY_NOT_VERIFIED", "INCOME_NOT_VERIFIED", "AFFORDABILITY",
                   "POLICY_EXCLUSION", "OTHER")


def reviews_module():
    return integrations.module("domain.services.reviews")


@auth.guard("read")
async def queue(request: Request) -> Response:
    reviews = reviews_module()
    apps, borrowers, more = [], {}, False
    after = int_param(request, "after", 0, low=0, high=2**62)
    if reviews is not None:
        apps = await reviews.review_queue(after_id=after, limit=PER_PAGE + 1)
        more = len(apps) > PER_PAGE
        apps = apps[:PER_PAGE]
        ids = {a.borrower_id for a in apps}
        borrowers = {b.id: b for b in await Borrower.filter(id__in=ids)} if ids else {}
    return await render(request, "pages/reviews.html", {
        "available": reviews is not None, "apps": apps, "borrowers": borrowers, "after": after,
        "next_after": apps[-1].id if more and apps else None, "reasons": DECLINE_REASONS,
    }, section="reviews")


def _optional_limit(text: str) -> Decimal | None:
    return staff_service.parse_limit(text) if text.strip() else None


def _optional_rate(text: str) -> Decimal | None:
    """A daily rate typed as a percentage, e.g. 0.035 for 0.035% a day."""
    text = text.strip().rstrip("%")
    if not text:
        return None
    try:
        return (Decimal(text) / 100).normalize()
    except InvalidOperation as exc:
        raise ValidationFailed("enter a daily rate in percent, such as 0.035", field="rate") from exc


@auth.guard("reviews.decide")
async def decide(request: Request) -> Response:
    reviews = reviews_module()
    app_id = path_id(request)
    if reviews is None or app_id is None:
        return redirect(request, "/reviews", "The review queue is not available.", "error")
    form = await request.form()
    decision = str(form.get("decision", ""))
    note = str(form.get("note", ""))[:2000].strip()
    actor = request.state.staff.actor(request)
    application = await CreditApplication.get_or_none(id=app_id)
    if application is None:
        return redirect(request, "/reviews", "No such application.", "error")
    borrower_id = application.borrower_id
    try:
        if decision == "approve":
            if not note:
                raise ValidationFailed("a reason is required", field="note")
            limit = _optional_limit(str(form.get("limit", "")))
            rate = _optional_rate(str(form.get("rate", "")))
            async with staff_service.audited(actor, "review.approve", "application", app_id, reason=note,
                                             borrower_id=borrower_id) as rec:
                result = await reviews.approve_application(app_id, staff=actor.username, limit=limit,
                                                           daily_rate=rate, note=note,
                                                           settings=auth.settings_of(request))
                line = result.credit_line
                rec["before"] = {"outcome": "REVIEW"}
                rec["after"] = {"outcome": result.outcome, "creditLineId": line.id if line else None,
                                "limit": format_money(from_fen(line.limit_fen)) if line else None}
            return redirect(request, "/reviews", "Application approved; the credit line is open.")
        if decision == "decline":
            reason = str(form.get("reason", "")).strip().upper()
            if reason not in DECLINE_REASONS:
                raise ValidationFailed("choose a reason", field="reason")
            async with staff_service.audited(actor, "review.decline", "application", app_id,
                                             reason=f"{reason}: {note}" if note else reason,
                                             borrower_id=borrower_id) as rec:
                result = await reviews.decline_application(app_id, staff=actor.username, reason=reason, note=note)
                rec["before"], rec["after"] = {"outcome": "REVIEW"}, {"outcome": result.outcome,
                                                                      "reasons": result.reasons}
            return redirect(request, "/reviews", "Application declined.")
        raise ValidationFailed("choose approve or decline", field="decision")
    except DomainError as exc:
        return redirect(request, "/reviews", exc.message, "error")


routes = [
    Route("/reviews", queue),
    Route("/reviews/{id}/decide", decide, methods=["POST"]),
]
