"""Staff accounts (admins only) and the log of every staff action."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from admin import auth
from admin.pages import int_param, path_id, redirect, render, translate
from admin.queries import Page
from admin.roles import ROLE_LABELS
from admin.routes.borrowers import compact_json
from domain.errors import DomainError
from domain.models import StaffAction, StaffUser
from domain.services import staff as staff_service

LOG_PAGE = 50


async def _staff_page(request: Request, *, values: dict | None = None, errors: dict | None = None,
                      status: int = 200) -> Response:
    users = await StaffUser.all().order_by("username")
    return await render(request, "pages/staff.html", {
        "users": users, "values": values or {"role": "viewer"},
        "role_options": [(r, translate(request, ROLE_LABELS[r])) for r in staff_service.ROLES],
        "errors": errors or {},
    }, status=status, section="staff")


@auth.guard("staff.manage")
async def staff_list(request: Request) -> Response:
    return await _staff_page(request)


@auth.guard("staff.manage")
async def staff_create(request: Request) -> Response:
    form = await request.form()
    values = {k: str(form.get(k, ""))[:128] for k in ("username", "display_name", "role")}
    try:
        await staff_service.create_staff(values["username"], values["role"], str(form.get("password", ""))[:256],
                                         display_name=values["display_name"],
                                         actor=request.state.staff.actor(request))
    except DomainError as exc:
        return await _staff_page(request, values=values, errors={exc.field or "username": translate(
            request, exc.message)}, status=400)
    return redirect(request, "/staff", "The account is created.")


@auth.guard("staff.manage")
async def staff_update(request: Request) -> Response:
    staff_id = path_id(request)
    if staff_id is None:
        return redirect(request, "/staff", "No such member of staff.", "error")
    form = await request.form()
    try:
        await staff_service.update_staff(
            request.state.staff.actor(request), staff_id, role=str(form.get("role", "")) or None,
            active=str(form.get("active", "")) == "on", password=str(form.get("password", ""))[:256] or None)
    except DomainError as exc:
        return redirect(request, "/staff", exc.message, "error")
    return redirect(request, "/staff", "The account is updated.")


@auth.guard("audit.read")
async def activity(request: Request) -> Response:
    filters = {}
    if request.query_params.get("user"):
        filters["username"] = request.query_params["user"][:64]
    if request.query_params.get("action"):
        filters["action"] = request.query_params["action"][:48]
    query = StaffAction.filter(**filters)
    total = await query.count()
    page_no = min(int_param(request, "page"), max(1, -(-total // LOG_PAGE)))
    actions = await query.order_by("-id").offset((page_no - 1) * LOG_PAGE).limit(LOG_PAGE)
    return await render(request, "pages/activity.html", {
        "actions": actions, "page": Page([], total, page_no, LOG_PAGE), "filters": filters,
        "compact_json": compact_json,
    }, section="activity")


routes = [
    Route("/staff", staff_list),
    Route("/staff/new", staff_create, methods=["POST"]),
    Route("/staff/{id}", staff_update, methods=["POST"]),
    Route("/activity", activity),
]
