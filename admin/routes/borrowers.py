"""Borrowers: search, and everything about one borrower on one page."""

from __future__ import annotations

import json

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from admin import auth, charts, queries
from admin.pages import int_param, not_found, path_id, render, translate
from domain.money import ppm_to_rate
from domain.services.calendar import business_date


def compact_json(data) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(", ", ": "), default=str, sort_keys=True)


@auth.guard("read")
async def borrower_list(request: Request) -> Response:
    settings = auth.settings_of(request)
    q = request.query_params.get("q", "")[:64]
    sort = request.query_params.get("sort", "-id")
    page = await queries.search_borrowers(q, int_param(request, "page"), sort, settings)
    full = request.state.staff.can("pii.full")
    root = auth.root_of(request)
    rows = []
    for r in page.rows:
        phone, id_number = queries.personal_data(r, settings, full=full)
        rows.append({**r, "phone": phone, "id_number": id_number, "href": f"{root}/borrowers/{r['id']}",
                     "label": f"#{r['id']}"})
    t = lambda text: translate(request, text)  # noqa: E731
    columns = [
        {"key": "label", "label": t("No."), "kind": "link", "href": "href", "sortable": False},
        {"key": "name", "label": t("Name"), "kind": "link", "href": "href", "sortable": True},
        {"key": "phone", "label": t("Phone"), "kind": "masked"},
        {"key": "id_number", "label": t("ID number"), "kind": "masked"},
        {"key": "line_status", "label": t("Line"), "kind": "badge"},
        {"key": "limit_fen", "label": t("Limit"), "kind": "money", "sortable": True, "sort_key": "limit"},
        {"key": "open_loans", "label": t("Open loans"), "kind": "num"},
        {"key": "outstanding", "label": t("Outstanding"), "kind": "money", "sortable": True},
        {"key": "max_dpd", "label": t("DPD"), "kind": "num", "sortable": True, "sort_key": "dpd"},
        {"key": "created_at", "label": t("Registered"), "kind": "time", "sortable": True, "sort_key": "created"},
    ]
    return await render(request, "pages/borrowers/list.html", {
        "columns": columns, "rows": rows, "page": page, "q": q, "sort": sort, "full": full,
    }, section="borrowers")


@auth.guard("read")
async def borrower_page(request: Request) -> Response:
    borrower_id = path_id(request)
    detail = await queries.borrower_detail(borrower_id) if borrower_id else None
    if detail is None:
        return await not_found(request)
    settings = auth.settings_of(request)
    full = request.state.staff.can("pii.full")
    phone, id_number = queries.personal_data(detail.borrower, settings, full=full)
    today = await business_date()
    score_chart = None
    if detail.scores:
        score_chart = charts.line_chart(
            [s.business_date.strftime("%m-%d") for s in detail.scores],
            [(translate(request, "Score"), "s-a", [int(s.score) for s in detail.scores])],
            width=340, height=190, floor=min(300, *(int(s.score) for s in detail.scores)) // 50 * 50)
    line = detail.line
    return await render(request, "pages/borrowers/detail.html", {
        "d": detail, "b": detail.borrower, "line": line, "phone": phone, "id_number": id_number, "full": full,
        "age": today.year - detail.borrower.birth_date.year - (
            (today.month, today.day) < (detail.borrower.birth_date.month, detail.borrower.birth_date.day)),
        "available_fen": max(line.limit_fen - line.used_fen, 0) if line else 0,
        "annual_rate_ppm": int(ppm_to_rate(line.daily_rate_ppm) * 365 * 1_000_000) if line else None,
        "score_chart": score_chart, "compact_json": compact_json,
    }, section="borrowers")


routes = [
    Route("/borrowers", borrower_list),
    Route("/borrowers/{id}", borrower_page),
]
