"""Drawing on a credit line."""

from __future__ import annotations

from datetime import date

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from domain.commands import Drawdown
from domain.db import sql
from domain.errors import InsufficientCredit, LineNotActive, NotAllowed
from domain.models import CreditLine, IdempotencyRecord, Installment, Loan
from domain.money import format_money, format_rate, from_fen, ppm_to_rate, rate_to_ppm, to_fen
from domain.services import events, insurance, ledger
from domain.services.calendar import business_date
from domain.services.idempotency import canonical_amount, check_key, find_previous, request_hash
from domain.settings import Settings, get_settings

SCOPE = "drawdown"


async def drawdown(cmd: Drawdown, *, today: date | None = None, settings: Settings | None = None) -> Loan:
    """Disburse a loan: the line's used principal moves by a conditional update, so no
    interleaving of concurrent draws can take it over the limit."""
    settings = settings or get_settings()
    key = check_key(cmd.idempotency_key)
    digest = request_hash({
        "amount": canonical_amount(cmd.amount), "method": str(cmd.method),
        "months": cmd.term_months, "days": cmd.term_days,
    })
    previous = await find_previous(SCOPE, cmd.borrower_id, key, digest)
    if previous is not None:
        return await Loan.get(id=previous)
    try:
        return await _disburse(cmd, key, digest, today=today, settings=settings)
    except IntegrityError:
        # The same key raced us and won: answer with its loan (or a conflict).
        previous = await find_previous(SCOPE, cmd.borrower_id, key, digest)
        if previous is None:
            raise
        return await Loan.get(id=previous)


async def _disburse(cmd: Drawdown, key: str, digest: str, *, today: date | None, settings: Settings) -> Loan:
    async with in_transaction() as tx:
        today = today or await business_date()
        line = await CreditLine.get_or_none(borrower_id=cmd.borrower_id, using_db=tx)
        if line is None:
            raise NotAllowed("there is no credit line to draw on")
        if line.status != "ACTIVE":
            raise LineNotActive(f"the credit line is {line.status.lower()}")
        rate = ppm_to_rate(line.daily_rate_ppm)
        # The plan that covers the draw, if any, adds its premium to the schedule as a fee.
        quote, plan = await insurance.quote_for_draw(
            cmd.amount, rate, cmd.method, start=today, term_months=cmd.term_months,
            term_days=cmd.term_days, settings=settings, using_db=tx,
        )
        # Claim the key first: a concurrent twin blocks here and then fails on the unique index.
        record = await IdempotencyRecord.create(
            scope=SCOPE, owner_id=cmd.borrower_id, key=key, request_hash=digest, result_id=0, using_db=tx
        )
        amount_fen = to_fen(cmd.amount)
        claimed = await tx.execute_query(
            sql(tx, "UPDATE credit_line SET used_fen = used_fen + ? "
                    "WHERE id = ? AND status = 'ACTIVE' AND used_fen + ? <= limit_fen"),
            [amount_fen, line.id, amount_fen],
        )
        if _rowcount(claimed) != 1:
            await line.refresh_from_db(using_db=tx)
            if line.status != "ACTIVE":
                raise LineNotActive(f"the credit line is {line.status.lower()}")
            raise InsufficientCredit(
                "the amount is more than the credit available",
                available=from_fen(max(line.limit_fen - line.used_fen, 0)),
            )
        first_due = quote.schedule[0].due_date
        loan = await Loan.create(
            borrower_id=cmd.borrower_id,
            credit_line_id=line.id,
            method=quote.method.value,
            day_count=settings.day_count,
            principal_fen=amount_fen,
            daily_rate_ppm=line.daily_rate_ppm,
            apr_ppm=rate_to_ppm(quote.apr),
            term_months=cmd.term_months,
            term_days=cmd.term_days,
            disbursed_on=today,
            maturity_date=quote.maturity_date,
            outstanding_principal_fen=amount_fen,
            accrual_from=today if quote.method == "DAILY_INTEREST" else None,
            next_due_on=first_due,
            closed_through=today,
            using_db=tx,
        )
        await Installment.bulk_create(
            [
                Installment(
                    loan_id=loan.id,
                    number=i.number,
                    due_date=i.due_date,
                    principal_fen=to_fen(i.principal),
                    interest_fen=to_fen(i.interest),
                    fee_fen=to_fen(i.fee),
                )
                for i in quote.schedule
            ],
            using_db=tx,
        )
        if plan is not None:
            await insurance.open_policy(loan, plan, quote, today, tx)
        record.result_id = loan.id
        await record.save(using_db=tx, update_fields=["result_id"])
        await ledger.post(
            "DISBURSEMENT",
            [ledger.debit("LOANS_RECEIVABLE", amount_fen, loan.id), ledger.credit("CASH", amount_fen, loan.id)],
            business_date=today,
            loan_id=loan.id,
            using_db=tx,
        )
        await events.append(
            "LOAN_DISBURSED",
            business_date=today,
            borrower_id=cmd.borrower_id,
            loan_id=loan.id,
            data={
                "amount": format_money(cmd.amount),
                "method": quote.method.value,
                "termMonths": cmd.term_months,
                "termDays": cmd.term_days,
                "dailyRate": format_rate(rate),
                "apr": format_rate(quote.apr),
                "maturityDate": quote.maturity_date.isoformat(),
                "creditLineId": line.id,
            },
            using_db=tx,
        )
        return loan


def _rowcount(result) -> int:
    # execute_query answers (rows affected, rows) on both backends.
    return int(result[0])
