"""What the borrower and loan pages read. Each page is a fixed number of queries, whatever
the number of loans, instalments or events behind it."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from admin import integrations
from domain import identity
from domain.crypto import cipher_for
from domain.db import conn, sql
from domain.models import (
    Borrower,
    CreditLine,
    Event,
    Installment,
    InsuranceClaim,
    InsurancePolicy,
    Loan,
    Posting,
    Repayment,
    StaffAction,
)
from domain.settings import Settings

PER_PAGE = 25
BORROWER_SORTS = {
    "id": "b.id", "name": "b.name", "created": "b.created_at", "limit": "c.limit_fen",
    "outstanding": "outstanding", "dpd": "max_dpd",
}
OPEN = "('ACTIVE', 'OVERDUE')"
EVENTS_SHOWN = 50


@dataclass
class Page:
    rows: list[dict[str, Any]]
    total: int
    page: int
    per_page: int = PER_PAGE

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def _search_filter(q: str, settings: Settings) -> tuple[str, list[Any]]:
    """Name, last four digits of phone or ID, a whole phone or ID number, or a borrower number."""
    text = q.strip()
    if not text:
        return "1 = 1", []
    compact = re.sub(r"[\s-]", "", text)
    cipher = cipher_for(settings)
    if re.fullmatch(r"\d{11}", compact):
        try:
            return "b.phone_hash = ?", [cipher.blind_index(identity.normalize_phone(compact))]
        except identity.IdentityError:
            pass
    if re.fullmatch(r"\d{17}[\dXx]", compact):
        return "b.id_number_hash = ?", [cipher.blind_index(compact.upper())]
    if re.fullmatch(r"\d{3}[\dXx]", compact):
        return "(b.phone_last4 = ? OR b.id_last4 = ?)", [compact, compact.upper()]
    if re.fullmatch(r"#?\d{1,10}", compact):
        return "b.id = ?", [int(compact.lstrip("#"))]
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return "LOWER(b.name) LIKE ? ESCAPE '\\'", [f"%{escaped}%"]


async def search_borrowers(q: str, page: int, sort: str, settings: Settings) -> Page:
    where, args = _search_filter(q, settings)
    key = sort.lstrip("-")
    order = BORROWER_SORTS.get(key, "b.id")
    direction = "DESC" if sort.startswith("-") or key not in BORROWER_SORTS else "ASC"
    nulls = " NULLS LAST" if conn().capabilities.dialect == "postgres" else ""
    client = conn()
    total_rows = await client.execute_query_dict(sql(client, f"SELECT COUNT(*) AS n FROM borrower b WHERE {where}"),
                                                 args)
    total = int(total_rows[0]["n"])
    page = min(page, max(1, -(-total // PER_PAGE)))
    rows = await client.execute_query_dict(sql(client, (
        "SELECT b.id, b.name, b.phone_enc, b.id_number_enc, b.segment, b.created_at, c.id AS line_id, "
        "c.status AS line_status, c.limit_fen, c.used_fen, "
        f"(SELECT COUNT(*) FROM loan l WHERE l.borrower_id = b.id AND l.status IN {OPEN}) AS open_loans, "
        f"(SELECT COALESCE(SUM(l.outstanding_principal_fen), 0) FROM loan l WHERE l.borrower_id = b.id "
        f"AND l.status IN {OPEN}) AS outstanding, "
        f"(SELECT COALESCE(MAX(l.dpd), 0) FROM loan l WHERE l.borrower_id = b.id AND l.status IN {OPEN}) AS max_dpd "
        f"FROM borrower b LEFT JOIN credit_line c ON c.borrower_id = b.id WHERE {where} "
        f"ORDER BY {order} {direction}{nulls}, b.id DESC LIMIT ? OFFSET ?")), [*args, PER_PAGE, (page - 1) * PER_PAGE])
    return Page([dict(r) for r in rows], total, page)


def personal_data(row: Any, settings: Settings, *, full: bool) -> tuple[str, str]:
    """(phone, ID number) as this viewer may see them: masked unless `full`."""
    cipher = cipher_for(settings)
    phone = cipher.decrypt(row["phone_enc"] if isinstance(row, dict) else row.phone_enc)
    number = cipher.decrypt(row["id_number_enc"] if isinstance(row, dict) else row.id_number_enc)
    if full:
        return phone, number
    return identity.mask_phone(phone), identity.mask_id_number(number)


@dataclass
class BorrowerDetail:
    borrower: Borrower
    line: CreditLine | None
    loans: list[Loan]
    events: list[Event]
    actions: list[StaffAction]
    applications: list[Any] | None = None
    scores: list[Any] | None = None
    reminders: list[Any] | None = None
    chain: list[Any] | None = None
    extra: dict[str, Any] = field(default_factory=dict)


async def borrower_detail(borrower_id: int) -> BorrowerDetail | None:
    borrower = await Borrower.get_or_none(id=borrower_id)
    if borrower is None:
        return None
    detail = BorrowerDetail(
        borrower=borrower,
        line=await CreditLine.get_or_none(borrower_id=borrower_id),
        loans=await Loan.filter(borrower_id=borrower_id).order_by("-id"),
        events=await Event.filter(borrower_id=borrower_id).order_by("-id").limit(EVENTS_SHOWN),
        actions=await StaffAction.filter(borrower_id=borrower_id).order_by("-id").limit(20),
    )
    detail.applications = await integrations.applications_of(borrower_id)
    detail.scores = await integrations.score_history_of(borrower_id)
    detail.reminders = await integrations.reminders_of(borrower_id)
    detail.chain = await integrations.chain_blocks_of(borrower_id)
    return detail


@dataclass
class LoanDetail:
    loan: Loan
    installments: list[Installment]
    repayments: list[Repayment]
    postings: list[Posting]
    events: list[Event]
    # The insurance policy covering the loan (insurer and plan loaded) and its claim, if any.
    policy: InsurancePolicy | None = None
    claim: InsuranceClaim | None = None


async def loan_detail(loan_id: int) -> LoanDetail | None:
    loan = await Loan.filter(id=loan_id).select_related("borrower", "credit_line", "pool").first()
    if loan is None:
        return None
    policy = await InsurancePolicy.filter(loan_id=loan_id).select_related("insurer", "plan").first()
    return LoanDetail(
        loan=loan,
        installments=await Installment.filter(loan_id=loan_id).order_by("number"),
        repayments=await Repayment.filter(loan_id=loan_id).order_by("id"),
        postings=await Posting.filter(loan_id=loan_id).select_related("entry", "account").order_by("entry_id", "id"),
        events=await Event.filter(loan_id=loan_id).order_by("id").limit(200),
        policy=policy,
        claim=await InsuranceClaim.get_or_none(loan_id=loan_id) if policy and policy.status == "CLAIMED" else None,
    )
