"""One loan: its schedule, repayments and where each went, ledger postings, events."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from admin import auth, queries
from admin.pages import not_found, path_id, render
from admin.routes.borrowers import compact_json


def allocation_parts(allocation: dict) -> tuple[list[tuple[str, int]], list[tuple[str, dict]]]:
    """A repayment's allocation JSON as (bucket, fen) pairs and (instalment number, parts) pairs."""
    buckets, installments = [], []
    for key, value in (allocation or {}).items():
        if isinstance(value, dict):
            installments.append((str(key), value))
        elif isinstance(value, int):
            buckets.append((str(key), value))
    for key, value in list(buckets):
        if key in ("installments", "by_installment"):
            buckets.remove((key, value))
    return buckets, installments


@auth.guard("read")
async def loan_page(request: Request) -> Response:
    loan_id = path_id(request)
    detail = await queries.loan_detail(loan_id) if loan_id else None
    if detail is None:
        return await not_found(request)
    debit = sum(p.debit_fen for p in detail.postings)
    credit = sum(p.credit_fen for p in detail.postings)
    totals = {
        "principal": sum(i.principal_fen for i in detail.installments),
        "interest": sum(i.interest_fen for i in detail.installments),
        "fee": sum(i.fee_fen for i in detail.installments),
        "paid_principal": sum(i.paid_principal_fen for i in detail.installments),
        "paid_interest": sum(i.paid_interest_fen for i in detail.installments),
        "repaid": sum(r.amount_fen for r in detail.repayments),
    }
    return await render(request, "pages/loans/detail.html", {
        "d": detail, "loan": detail.loan, "totals": totals, "debit": debit, "credit": credit,
        "compact_json": compact_json, "allocation_parts": allocation_parts,
    }, section="borrowers")


routes = [Route("/loans/{id}", loan_page)]
