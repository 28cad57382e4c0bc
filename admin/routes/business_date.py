"""The business date and, outside production, close of business run by hand."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from admin import auth
from admin.pages import redirect, render, translate
from domain.models import CloseRun
from domain.services import cob
from domain.services import staff as staff_service
from domain.services.calendar import business_date
from domain.services.pooling.periods import close_due_periods

MAX_DAYS = 366


def _enabled(request: Request) -> bool:
    return not auth.settings_of(request).production


@auth.guard("read")
async def page(request: Request) -> Response:
    return await _show(request)


async def _show(request: Request, *, days: str = "1", error: str | None = None, status: int = 200) -> Response:
    runs = await CloseRun.all().order_by("-closed_date").limit(15)
    return await render(request, "pages/business_date.html", {
        "runs": runs, "enabled": _enabled(request), "days": days, "error": error, "max_days": MAX_DAYS,
    }, status=status, section="business-date")


@auth.guard("cob.run")
async def close(request: Request) -> Response:
    if not _enabled(request):
        return redirect(request, "/business-date", "Close of business is run by the scheduler in production.",
                        "error")
    form = await request.form()
    raw = str(form.get("days", "")).strip()[:6]
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_DAYS:
        message = translate(request, "Enter a whole number of days from 1 to %(max)s.") % {"max": MAX_DAYS}
        return await _show(request, days=raw, error=message, status=400)
    days = int(raw)
    before = await business_date()
    results = await cob.run_close(days, settings=auth.settings_of(request))
    # The workers close pool periods after each close; a close run by hand does the same.
    await close_due_periods(settings=auth.settings_of(request))
    after = await business_date()
    totals: dict[str, int] = {}
    for result in results:
        for key, value in result.stats.items():
            if isinstance(value, int):
                totals[key] = totals.get(key, 0) + value
    await staff_service.record_action(request.state.staff.actor(request), "cob.run", "business_date",
                                      before=({"businessDate": before.isoformat()}),
                                      after={"businessDate": after.isoformat(), "days": days, **totals})
    message = translate(request, "Closed %(n)s business days: the business date is now %(d)s.") % {
        "n": len([r for r in results if not r.skipped]), "d": after.isoformat()}
    return redirect(request, "/business-date", message)


routes = [
    Route("/business-date", page),
    Route("/business-date/close", close, methods=["POST"]),
]
