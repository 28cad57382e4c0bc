"""Reminders: what was sent, to whom, by which channel, and what failed."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from admin import auth
from admin.pages import int_param, path_id, redirect, render, translate
from admin.queries import Page
from domain.errors import DomainError
from domain.models import Notification
from domain.services import staff as staff_service

PER_PAGE = 50
FILTERS = ("status", "channel", "stage")


@auth.guard("read")
async def reminders_page(request: Request) -> Response:
    model = Notification
    filters = {k: request.query_params[k][:16] for k in FILTERS if request.query_params.get(k)}
    query = model.filter(**filters)
    total = await query.count()
    page_no = min(int_param(request, "page"), max(1, -(-total // PER_PAGE)))
    rows = await query.order_by("-id").offset((page_no - 1) * PER_PAGE).limit(PER_PAGE).values()
    counts = {r["status"]: r["n"] for r in await _status_counts(model)}
    root = auth.root_of(request)
    for r in rows:
        r["borrower_href"] = f"{root}/borrowers/{r['borrower_id']}"
        r["borrower_label"] = f"#{r['borrower_id']}"
        r["loan_href"] = f"{root}/loans/{r['loan_id']}"
        r["loan_label"] = f"#{r['loan_id']}"
    t = lambda text: translate(request, text)  # noqa: E731
    columns = [
        {"key": "id", "label": "#", "kind": "num"},
        {"key": "created_at", "label": t("Planned"), "kind": "time"},
        {"key": "borrower_label", "label": t("Borrower"), "kind": "link", "href": "borrower_href"},
        {"key": "loan_label", "label": t("Loan"), "kind": "link", "href": "loan_href"},
        {"key": "stage", "label": t("Stage")},
        {"key": "channel", "label": t("Channel")},
        {"key": "status", "label": t("Status"), "kind": "badge"},
        {"key": "attempts", "label": t("Attempts"), "kind": "num"},
        {"key": "sent_at", "label": t("Sent"), "kind": "time"},
        {"key": "error", "label": t("Error")},
    ]
    if request.state.staff.can("reminders.act"):
        columns.append({"key": "action", "label": "", "kind": "action"})
    return await render(request, "pages/reminders.html", {
        "available": True, "columns": columns, "page": Page(rows, total, page_no, PER_PAGE), "counts": counts,
        "filters": filters,
    }, section="reminders")


async def _status_counts(model) -> list[dict]:
    from tortoise.functions import Count

    return await model.all().group_by("status").annotate(n=Count("id")).values("status", "n")


@auth.guard("reminders.act")
async def resend(request: Request) -> Response:
    note_id = path_id(request)
    if note_id is None:
        return redirect(request, "/reminders", "No such reminder.", "error")
    try:
        await staff_service.resend_reminder(request.state.staff.actor(request), note_id)
    except DomainError as exc:
        return redirect(request, "/reminders?status=FAILED", exc.message, "error")
    return redirect(request, "/reminders?status=FAILED", "The reminder will be sent again at the next run.")


routes = [
    Route("/reminders", reminders_page),
    Route("/reminders/{id}/resend", resend, methods=["POST"]),
]
