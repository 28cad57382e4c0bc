"""Receiving a repayment: allocate it, move the schedule, free the limit, post the ledger."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from domain.commands import Repay
from domain.db import sql
from domain.errors import NotAllowed, Overpayment, ValidationFailed
from domain.models import CreditLine, IdempotencyRecord, Installment, Loan, Repayment
from domain.money import FEN, ZERO, format_money, from_fen, ppm_to_rate, to_fen
from domain.rules.allocation import allocate
from domain.rules.daycount import DayCount
from domain.rules.early import PrepaymentMode, accrued_interest, reschedule_after_prepayment
from domain.rules.overdue import classify, days_past_due, is_past_grace
from domain.rules.schedule import Method
from domain.services import events, insurance, ledger
from domain.services.calendar import business_date
from domain.services.dues import Dues, compute_dues
from domain.services.idempotency import canonical_amount, check_key, find_previous, request_hash
from domain.services.pooling import cash as pool_cash
from domain.settings import Settings, get_settings

SCOPE = "repay"
# Written-off and claimed loans are off the books but still owe: what they pay is a recovery.
OPEN = ("ACTIVE", "OVERDUE", "WRITTEN_OFF", "CLAIMED")
OFF_BOOKS = ("WRITTEN_OFF", "CLAIMED")


async def repay(cmd: Repay, *, today: date | None = None, settings: Settings | None = None) -> Repayment:
    settings = settings or get_settings()
    key = check_key(cmd.idempotency_key)
    _check_amount(cmd.amount)
    try:
        mode = PrepaymentMode(cmd.prepayment_mode)
    except ValueError as exc:
        raise ValidationFailed("prepayment mode must be SHORTEN_TERM or LOWER_INSTALLMENT",
                               field="prepaymentMode") from exc
    digest = request_hash({"loan": cmd.loan_id, "amount": canonical_amount(cmd.amount), "mode": mode.value})
    previous = await find_previous(SCOPE, cmd.borrower_id, key, digest)
    if previous is not None:
        return await Repayment.get(id=previous)
    try:
        return await _receive(cmd, key, digest, mode, today=today, settings=settings)
    except IntegrityError:
        previous = await find_previous(SCOPE, cmd.borrower_id, key, digest)
        if previous is None:
            raise
        return await Repayment.get(id=previous)


async def quote_payoff(loan: Loan, *, today: date | None = None) -> Dues:
    today = today or await business_date()
    unpaid = await Installment.filter(loan_id=loan.id).exclude(status="PAID").order_by("number")
    return compute_dues(loan, unpaid, today, await _period_start(loan, unpaid, today))


def _check_amount(amount: Decimal) -> None:
    if amount != amount.quantize(FEN):
        raise ValidationFailed("amount has more than two decimal places", field="amount")
    if amount <= 0:
        raise ValidationFailed("amount must be positive", field="amount")


async def _period_start(loan: Loan, unpaid: list[Installment], today: date, using_db=None) -> date:
    """Where the running period began: the due date of the instalment before the first one not
    yet due (instalments already overdue say nothing about it), or the disbursement date."""
    current = next((i for i in unpaid if i.due_date >= today), None)
    if current is None or current.number == 1:
        return loan.disbursed_on
    before = next((i for i in unpaid if i.number == current.number - 1), None)
    if before is not None:
        return before.due_date
    prev = await Installment.filter(loan_id=loan.id, number__lt=current.number).using_db(using_db) \
        .order_by("-number").first()
    return prev.due_date if prev else loan.disbursed_on


async def _receive(cmd: Repay, key: str, digest: str, mode: PrepaymentMode, *, today: date | None,
                   settings: Settings) -> Repayment:
    amount = to_fen(cmd.amount)
    async with in_transaction() as tx:
        today = today or await business_date()
        loan = await Loan.filter(id=cmd.loan_id).select_for_update().using_db(tx).first()
        if loan is None or loan.borrower_id != cmd.borrower_id:
            raise NotAllowed("no such loan")
        if loan.status not in OPEN:
            raise ValidationFailed(f"the loan is {loan.status.lower().replace('_', ' ')}", field="loanId")
        unpaid = list(
            await Installment.filter(loan_id=loan.id).exclude(status="PAID").using_db(tx).order_by("number")
        )
        dues = compute_dues(loan, unpaid, today, await _period_start(loan, unpaid, today, tx))
        if amount > dues.payoff:
            raise Overpayment(
                f"the amount is more than the {format_money(from_fen(dues.payoff))} CNY that settles the loan",
                payoff=from_fen(dues.payoff),
            )
        record = await IdempotencyRecord.create(
            scope=SCOPE, owner_id=cmd.borrower_id, key=key, request_hash=digest, result_id=0, using_db=tx
        )
        settling = amount == dues.payoff
        owed = dict(dues.owed)
        if settling and loan.method != Method.DAILY_INTEREST:
            owed["current_interest"] = dues.payoff_current_interest
            owed["current_principal"] = sum(i.principal_fen - i.paid_principal_fen
                                            for i in ([dues.current] if dues.current else []) + dues.future)
        parts = {k: to_fen(v) for k, v in allocate(
            from_fen(amount), {k: from_fen(v) for k, v in owed.items()}, _order(settings)
        ).parts.items()}
        prepaid = amount - sum(parts.values())

        recognized = _apply_to_installments(loan, dues, parts, today, settling)
        if prepaid:
            await _reschedule(loan, dues, prepaid, mode, settings, tx)
        principal = parts.get("overdue_principal", 0) + parts.get("current_principal", 0) + prepaid
        interest = parts.get("overdue_interest", 0) + parts.get("current_interest", 0)
        fee = parts.get("overdue_fee", 0) + parts.get("current_fee", 0)
        penalty = parts.get("penalty", 0)
        for inst in dues.past + ([dues.current] if dues.current else []) + (dues.future if settling else []):
            await inst.save(using_db=tx)

        old_status = loan.status
        await _update_loan(loan, principal, interest, recognized["interest"], penalty, today, settings, tx)

        repayment = await Repayment.create(
            loan_id=loan.id, borrower_id=loan.borrower_id, amount_fen=amount, penalty_fen=penalty,
            interest_fen=interest, fee_fen=fee, principal_fen=principal, prepaid_principal_fen=prepaid,
            prepayment_mode=mode.value if prepaid else None,
            allocation={**parts, "prepaid_principal": prepaid}, business_date=today, using_db=tx,
        )
        record.result_id = repayment.id
        await record.save(using_db=tx, update_fields=["result_id"])
        await _post(loan, repayment, recognized, old_status, today, tx)
        await _free_limit(loan, principal, today, tx)
        if loan.status == "PAID_OFF":
            await insurance.end_policy(loan.id, tx)

        await events.append(
            "REPAYMENT_RECEIVED", business_date=today, borrower_id=loan.borrower_id, loan_id=loan.id,
            data={
                "repaymentId": repayment.id, "amount": format_money(from_fen(amount)),
                "penalty": format_money(from_fen(penalty)), "interest": format_money(from_fen(interest)),
                "fee": format_money(from_fen(fee)), "principal": format_money(from_fen(principal)),
                "outstandingPrincipal": format_money(from_fen(loan.outstanding_principal_fen)),
            },
            using_db=tx,
        )
        if loan.status != old_status:
            await _status_event(loan, old_status, today, tx)
        return repayment


def _order(settings: Settings) -> tuple[str, ...]:
    # Fees ride with the interest of the same instalments.
    out: list[str] = []
    for bucket in settings.allocation_order:
        out.append(bucket)
        if bucket.endswith("_interest"):
            out.append(bucket.replace("_interest", "_fee"))
    return tuple(out)


def _apply_to_installments(loan: Loan, dues: Dues, parts: dict[str, int], today: date,
                           settling: bool) -> dict[str, int]:
    """Spread the allocated parts over the instalments, oldest first. Returns how much of the
    interest and fee paid had already been recognised (fallen due) in the ledger."""
    recognized = {"interest": 0, "fee": 0}

    def spread(insts: list[Installment], part: int, paid_attr: str, total_attr: str, kind: str | None) -> None:
        for inst in insts:
            if part <= 0:
                return
            take = min(part, getattr(inst, total_attr) - getattr(inst, paid_attr))
            if take > 0:
                setattr(inst, paid_attr, getattr(inst, paid_attr) + take)
                part -= take
                # Daily interest is recognised as it accrues; fees (and other interest) when they fall due.
                daily = kind == "interest" and loan.method == Method.DAILY_INTEREST
                if kind and (inst.due_date <= today or daily):
                    recognized[kind] += take

    current = [dues.current] if dues.current else []
    if settling and dues.current is not None and loan.method != Method.DAILY_INTEREST:
        # Settling early: the running period's interest becomes the days actually used.
        c = dues.current
        c.interest_fen = c.paid_interest_fen + dues.payoff_current_interest
        for inst in dues.future:
            inst.interest_fen = inst.paid_interest_fen
            inst.fee_fen = inst.paid_fee_fen
    spread(dues.past, parts.get("overdue_interest", 0), "paid_interest_fen", "interest_fen", "interest")
    spread(dues.past, parts.get("overdue_fee", 0), "paid_fee_fen", "fee_fen", "fee")
    spread(dues.past, parts.get("overdue_principal", 0), "paid_principal_fen", "principal_fen", None)
    spread(current, parts.get("current_interest", 0), "paid_interest_fen", "interest_fen", "interest")
    spread(current, parts.get("current_fee", 0), "paid_fee_fen", "fee_fen", "fee")
    spread(current + (dues.future if settling else []), parts.get("current_principal", 0),
           "paid_principal_fen", "principal_fen", None)
    if loan.method == Method.DAILY_INTEREST and dues.past + current:
        only = (dues.past + current)[0]
        # The single instalment shows interest as actually charged so far; settled early, that is
        # only the days used, not the whole term it was drawn for.
        only.interest_fen = only.paid_interest_fen if settling else max(only.interest_fen, only.paid_interest_fen)
    for inst in dues.past + current + (dues.future if settling else []):
        if (inst.paid_principal_fen >= inst.principal_fen and inst.paid_interest_fen >= inst.interest_fen
                and inst.paid_fee_fen >= inst.fee_fen):
            inst.status = "PAID"
            inst.paid_on = today
    return recognized


async def _reschedule(loan: Loan, dues: Dues, prepaid: int, mode: PrepaymentMode, settings: Settings,
                      tx) -> None:
    """A payment beyond what is due lowers the balance of the instalments still to come."""
    current = dues.current
    assert current is not None and dues.future, "a prepayment needs instalments still to come"
    balance = sum(i.principal_fen - i.paid_principal_fen for i in dues.future) - prepaid
    if loan.method == Method.EQUAL_INSTALLMENT:
        regular = dues.future[0].principal_fen + dues.future[0].interest_fen
    else:
        regular = dues.future[0].principal_fen
    new = reschedule_after_prepayment(
        from_fen(balance), ppm_to_rate(loan.daily_rate_ppm), Method(loan.method), current.due_date,
        [i.due_date for i in dues.future], mode, current_payment=from_fen(regular),
        day_count=DayCount(loan.day_count), fee_per_period=from_fen(dues.future[0].fee_fen),
        first_number=current.number + 1,
    )
    await Installment.filter(id__in=[i.id for i in dues.future]).using_db(tx).delete()
    await Installment.bulk_create(
        [Installment(loan_id=loan.id, number=s.number, due_date=s.due_date, principal_fen=to_fen(s.principal),
                     interest_fen=to_fen(s.interest), fee_fen=to_fen(s.fee)) for s in new],
        using_db=tx,
    )
    loan.maturity_date = new[-1].due_date
    dues.future = []


async def _update_loan(loan: Loan, principal: int, interest: int, interest_recognized: int, penalty: int,
                       today: date, settings: Settings, tx) -> None:
    loan.outstanding_principal_fen -= principal
    loan.penalty_receivable_fen -= penalty
    if loan.method == Method.DAILY_INTEREST:
        # Interest so far is fixed; a new stretch starts today on what is left.
        loan.interest_carried_fen = loan.interest_receivable_fen - interest
        loan.interest_receivable_fen = loan.interest_carried_fen
        loan.accrual_from = today
        only = await Installment.filter(loan_id=loan.id).using_db(tx).first()
        if only is not None and only.status != "PAID":
            ahead = max((loan.maturity_date - today).days, 0)
            projected = accrued_interest(from_fen(loan.outstanding_principal_fen),
                                         ppm_to_rate(loan.daily_rate_ppm), ahead)
            only.interest_fen = only.paid_interest_fen + loan.interest_receivable_fen + to_fen(projected)
            await only.save(using_db=tx, update_fields=["interest_fen"])
    else:
        loan.interest_receivable_fen -= interest_recognized
    remaining = await Installment.filter(loan_id=loan.id).exclude(status="PAID").using_db(tx).order_by("due_date")
    loan.next_due_on = remaining[0].due_date if remaining else None
    loan.overdue_principal_fen = sum(i.principal_fen - i.paid_principal_fen for i in remaining if i.due_date < today)
    loan.dpd = days_past_due(loan.next_due_on, today)
    settled = (not remaining and loan.outstanding_principal_fen == 0 and loan.penalty_receivable_fen == 0
               and loan.interest_receivable_fen == 0)
    if settled:
        loan.status, loan.classification, loan.paid_off_on, loan.dpd = "PAID_OFF", "NORMAL", today, 0
        loan.interest_receivable_fen = loan.interest_carried_fen = 0
    elif loan.status not in OFF_BOOKS:
        loan.status = "OVERDUE" if is_past_grace(loan.dpd, settings.grace_days) else "ACTIVE"
        loan.classification = classify(loan.dpd).value
    await loan.save(using_db=tx)


async def _post(loan: Loan, r: Repayment, recognized: dict[str, int], old_status: str, today: date, tx) -> None:
    lid = loan.id
    off_books = old_status in OFF_BOOKS
    to_insurer = 0
    if off_books:
        # On a claimed loan the insurer gets back what its claim paid first; the rest is the lender's.
        if old_status == "CLAIMED":
            to_insurer = await insurance.take_recovery(lid, r.amount_fen, tx)
        lines = [ledger.debit("CASH", r.amount_fen, lid), ledger.credit("INSURER_PAYABLE", to_insurer, lid),
                 ledger.credit("RECOVERY_INCOME", r.amount_fen - to_insurer, lid)]
    else:
        lines = [
            ledger.debit("CASH", r.amount_fen, lid),
            ledger.credit("PENALTY_RECEIVABLE", r.penalty_fen, lid),
            ledger.credit("INTEREST_RECEIVABLE", recognized["interest"], lid),
            ledger.credit("INTEREST_INCOME", r.interest_fen - recognized["interest"], lid),
            ledger.credit("FEE_RECEIVABLE", recognized["fee"], lid),
            ledger.credit("FEE_INCOME", r.fee_fen - recognized["fee"], lid),
            ledger.credit("LOANS_RECEIVABLE", r.principal_fen, lid),
        ]
    await ledger.post("REPAYMENT", lines, business_date=today, loan_id=lid, using_db=tx)
    if off_books:
        await pool_cash.collect_repayment(loan.pool_id, lid, principal=0, interest=0,
                                          recovery=r.amount_fen - to_insurer, today=today, tx=tx)
    else:
        await pool_cash.collect_repayment(loan.pool_id, lid, principal=r.principal_fen,
                                          interest=r.interest_fen + r.penalty_fen, recovery=0, today=today, tx=tx)
        # Fees on an insured loan are its premium, owed on to the insurer.
        await insurance.cede_premium(lid, r.fee_fen, today, tx)


async def _free_limit(loan: Loan, principal: int, today: date, tx) -> None:
    """Repaid principal frees the limit; a line frozen for being overdue thaws once nothing is."""
    if principal:
        await tx.execute_query(sql(tx, "UPDATE credit_line SET used_fen = used_fen - ? WHERE id = ?"),
                               [principal, loan.credit_line_id])
    line = await CreditLine.get(id=loan.credit_line_id, using_db=tx)
    if line.status == "FROZEN" and line.frozen_reason == "OVERDUE":
        # Close of business freezes a line for written-off and claimed loans too, so those keep it frozen.
        still_overdue = await Loan.filter(credit_line_id=line.id, status__in=("OVERDUE", *OFF_BOOKS)) \
            .using_db(tx).exists()
        if not still_overdue:
            await CreditLine.filter(id=line.id).using_db(tx).update(status="ACTIVE", frozen_reason=None)
            await events.append("CREDIT_LINE_UNFROZEN", business_date=today, borrower_id=loan.borrower_id,
                                data={"creditLineId": line.id, "reason": "OVERDUE_CLEARED", "actor": "system"},
                                using_db=tx)


async def _status_event(loan: Loan, old: str, today: date, tx) -> None:
    if loan.status == "PAID_OFF":
        await events.append("LOAN_PAID_OFF", business_date=today, borrower_id=loan.borrower_id, loan_id=loan.id,
                            data={"paidOffOn": today.isoformat()}, using_db=tx)
    elif old == "OVERDUE" and loan.status == "ACTIVE":
        await events.append("LOAN_CURED", business_date=today, borrower_id=loan.borrower_id, loan_id=loan.id,
                            data={"daysPastDue": loan.dpd}, using_db=tx)


__all__ = ["repay", "quote_payoff", "ZERO"]
