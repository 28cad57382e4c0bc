"""The decision chain: its latest blocks, and a verification of the whole chain on request."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from admin import auth
from admin.pages import render
from admin.routes.borrowers import compact_json
from domain import audit
from domain.models import AuditBlock

SHOWN = 30


@auth.guard("read")
async def chain_page(request: Request) -> Response:
    return await _render(request, verify=False)


@auth.guard("read")
async def verify(request: Request) -> Response:
    return await _render(request, verify=True)


async def _render(request: Request, *, verify: bool) -> Response:
    seq, head = await audit.chain_head()
    blocks = await AuditBlock.all().order_by("-seq").limit(SHOWN)
    result = await audit.verify_chain() if verify else None
    return await render(request, "pages/chain.html", {
        "available": True, "head_seq": seq, "head_hash": head, "blocks": blocks, "result": result,
        "payload": lambda block: compact_json(audit.payload_of(block)),
    }, section="chain")


routes = [
    Route("/chain", chain_page),
    Route("/chain/verify", verify),
]
