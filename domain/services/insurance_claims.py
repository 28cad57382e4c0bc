"""Insurance claims, made by close of business.

An insured loan that close of business has brought to `insurance_claim_dpd` days past due is
claimed: the insurer pays its share (the policy's cover) of what the loan owes, principal and
interest; the lender's receivables leave the books, the part the insurer does not pay as a credit
loss. What is owed stays on the loan row, as for a write-off, so later payments are recoveries,
passed on to the insurer up to what it paid (domain/services/insurance.py).

A claimed loan leaves the open book and its policy is no longer active, and a policy has at most
one claim (unique index), so a loan is claimed once, whatever the number of closes or ranges."""

from __future__ import annotations

from typing import Any

from domain.models import InsuranceClaim
from domain.money import format_money, from_fen
from domain.services import events, ledger
from domain.services.pooling import cash as pool_cash
from domain.settings import Settings

_CHUNK = 500


def cover_share(owed_fen: int, cover_ppm: int) -> int:
    """The insured share of what is owed, rounded half-up to the fen."""
    return (int(owed_fen) * int(cover_ppm) + 500_000) // 1_000_000


async def claim_due(q: Any, settings: Settings) -> dict[str, int]:
    """Claim the insured loans of this close (`q`: close of business's SQL for one date and id
    range) that reached the claim threshold. Runs after the day's accruals and status changes,
    so the rows read are what the loans owe at the end of the day."""
    t = q.t
    # The accruing pass has moved `closed_through` of the close's loans to the target date:
    # those are the loans this close brought forward (a write-off today keeps its old date).
    rows = await q.rows(
        "SELECT l.id, l.borrower_id, l.pool_id, l.dpd, l.outstanding_principal_fen AS principal, "
        "l.interest_receivable_fen AS interest, l.penalty_receivable_fen AS penalty, "
        "(SELECT COALESCE(SUM(i.fee_fen - i.paid_fee_fen), 0) FROM installment i "
        f"WHERE i.loan_id = l.id AND i.due_date <= {t}) AS fee, "
        "p.id AS policy_id, p.insurer_id, p.cover_ppm "
        "FROM insurance_policy p JOIN loan l ON l.id = p.loan_id "
        f"WHERE p.status = 'ACTIVE' AND l.status = 'OVERDUE' AND l.dpd >= {int(settings.insurance_claim_dpd)} "
        f"AND l.closed_through = {t}{q.id_range('l')}")
    if not rows:
        return {"loans_claimed": 0, "insurance_paid": 0}
    rows.sort(key=lambda r: int(r["id"]))
    claims: list[InsuranceClaim] = []
    paid_total = 0
    for r in rows:
        lid = int(r["id"])
        principal, interest, penalty, fee = (int(r["principal"]), int(r["interest"] or 0), int(r["penalty"] or 0),
                                             int(r["fee"] or 0))
        paid = cover_share(principal + interest, int(r["cover_ppm"]))
        r["paid"] = paid
        paid_total += paid
        await ledger.post(
            "INSURANCE_CLAIM",
            [ledger.debit("CASH", paid, lid),
             ledger.debit("CREDIT_LOSS", principal + interest + penalty + fee - paid, lid),
             ledger.credit("LOANS_RECEIVABLE", principal, lid), ledger.credit("INTEREST_RECEIVABLE", interest, lid),
             ledger.credit("PENALTY_RECEIVABLE", penalty, lid), ledger.credit("FEE_RECEIVABLE", fee, lid)],
            business_date=q.target, loan_id=lid, memo=f"claim on policy {r['policy_id']}", using_db=q.tx,
        )
        claims.append(InsuranceClaim(
            policy_id=int(r["policy_id"]), loan_id=lid, insurer_id=int(r["insurer_id"]), business_date=q.target,
            dpd=int(r["dpd"]), principal_fen=principal, interest_fen=interest, paid_fen=paid))
    await InsuranceClaim.bulk_create(claims, batch_size=_CHUNK, using_db=q.tx)
    ids = [int(r["id"]) for r in rows]
    claim_ids: dict[int, int] = {}
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start:start + _CHUNK]
        marks = ", ".join("?" for _ in chunk)
        for c in await q.rows(f"SELECT id, loan_id FROM insurance_claim WHERE loan_id IN ({marks})", chunk):
            claim_ids[int(c["loan_id"])] = int(c["id"])
        await q.run(f"UPDATE insurance_policy SET status = 'CLAIMED' WHERE status = 'ACTIVE' AND loan_id IN ({marks})",
                    chunk)
        await q.run(f"UPDATE loan SET status = 'CLAIMED' WHERE id IN ({marks})", chunk)
    # Pooled loans: the pool owns the loan, so it bears the principal and receives the payout.
    pooled = [r for r in rows if r["pool_id"] is not None]
    await pool_cash.default([(int(r["pool_id"]), int(r["id"]), int(r["principal"])) for r in pooled],
                            today=q.target, tx=q.tx)
    for r in pooled:
        await pool_cash.insurance_payout(int(r["pool_id"]), int(r["id"]), r["paid"], today=q.target, tx=q.tx)
    await events.append_many(
        [("INSURANCE_CLAIM_PAID", r["borrower_id"], r["id"], {
            "claimId": claim_ids[int(r["id"])], "insurerId": int(r["insurer_id"]),
            "owed": format_money(from_fen(int(r["principal"]) + int(r["interest"] or 0))),
            "paid": format_money(from_fen(r["paid"])), "daysPastDue": int(r["dpd"])}) for r in rows],
        business_date=q.target, using_db=q.tx)
    return {"loans_claimed": len(rows), "insurance_paid": paid_total}
