"""Credit-line actions: freeze, unfreeze, change the limit."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from admin import auth
from admin.pages import N_, not_found, path_id, redirect, render, translate
from domain.errors import DomainError
from domain.models import Borrower, CreditLine
from domain.services import staff as staff_service


async def _status_change(request: Request, action) -> Response:
    line_id = path_id(request)
    line = await CreditLine.get_or_none(id=line_id) if line_id else None
    if line is None:
        return await not_found(request)
    form = await request.form()
    back = f"/borrowers/{line.borrower_id}"
    try:
        await action(request.state.staff.actor(request), line.id, str(form.get("reason", "")))
    except DomainError as exc:
        return redirect(request, back, exc.message, "error")
    done = N_("The line is frozen.") if action is staff_service.freeze_line else N_("The line is active again.")
    return redirect(request, back, done)


@auth.guard("lines.act")
async def freeze(request: Request) -> Response:
    return await _status_change(request, staff_service.freeze_line)


@auth.guard("lines.act")
async def unfreeze(request: Request) -> Response:
    return await _status_change(request, staff_service.unfreeze_line)


@auth.guard("lines.act")
async def change_limit(request: Request) -> Response:
    line_id = path_id(request)
    line = await CreditLine.get_or_none(id=line_id) if line_id else None
    if line is None:
        return await not_found(request)
    values = {"limit": "", "reason": ""}
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        form = await request.form()
        values = {"limit": str(form.get("limit", ""))[:32], "reason": str(form.get("reason", ""))[:600]}
        try:
            amount = staff_service.parse_limit(values["limit"])
            await staff_service.change_limit(request.state.staff.actor(request), line.id, amount, values["reason"],
                                             settings=auth.settings_of(request))
        except DomainError as exc:
            errors[exc.field or "limit"] = translate(request, exc.message)
            status = 400
        else:
            return redirect(request, f"/borrowers/{line.borrower_id}", "The limit is changed.")
    borrower = await Borrower.get(id=line.borrower_id)
    return await render(request, "pages/line_limit.html", {
        "line": line, "borrower": borrower, "values": values, "errors": errors,
    }, status=status, section="borrowers")


routes = [
    Route("/lines/{id}/freeze", freeze, methods=["POST"]),
    Route("/lines/{id}/unfreeze", unfreeze, methods=["POST"]),
    Route("/lines/{id}/limit", change_limit, methods=["GET", "POST"]),
]
