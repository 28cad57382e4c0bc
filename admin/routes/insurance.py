"""Insurance: the claims paid at 90 days past due with what was recovered for the insurer since,
and the insurers with their plans and the policies in force."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from admin import auth, pool_queries
from admin.pages import int_param, render


@auth.guard("read")
async def insurance_page(request: Request) -> Response:
    page, totals = await pool_queries.claims(int_param(request, "page"))
    return await render(request, "pages/insurance/list.html", {
        "page": page, "totals": totals, "insurers": await pool_queries.insurers(),
    }, section="insurance")


routes = [Route("/insurance", insurance_page)]
