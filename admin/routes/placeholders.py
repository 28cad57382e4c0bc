"""Places kept in the navigation for areas that arrive with their own work: pools and insurance."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from admin import auth
from admin.pages import render


@auth.guard("read")
async def pools(request: Request) -> Response:
    return await render(request, "pages/placeholder.html", {"area": "pools"}, section="pools")


@auth.guard("read")
async def insurance(request: Request) -> Response:
    return await render(request, "pages/placeholder.html", {"area": "insurance"}, section="insurance")


routes = [Route("/pools", pools), Route("/insurance", insurance)]
