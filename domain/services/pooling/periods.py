"""Closing a pool's monthly collection period.

Period n runs from the day after the (n-1)th monthly anniversary of the cut-off date to the nth,
both as business dates; it can close once the business date has passed its end, when no more
cash can be dated inside it. One transaction per period, with the pool row locked and the
period number unique, so a retried or doubled close changes nothing more:

1. sum what reached the pool in the period (pool_collection rows) and the principal it lost;
2. test the triggers on the period-end figures: a breach ends the revolving period now, so this
   period's principal already pays the tranches down;
3. run the waterfall and book what it paid out;
4. while revolving, spend the principal kept on eligible loans no pool holds;
5. store the period, its tranche payments and the investor report, and emit POOL_DISTRIBUTION.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

from tortoise.transactions import in_transaction

from domain.dates import add_months
from domain.db import sql
from domain.models import Pool, PoolPeriod, Tranche, TranchePayment
from domain.money import ZERO, format_money, from_fen, to_fen
from domain.pools.eligibility import select_eligible
from domain.pools.stats import pool_stats
from domain.pools.triggers import TriggerLimits, TriggerReport, apply_triggers, evaluate_triggers
from domain.pools.waterfall import (
    Collections,
    Fee,
    Phase,
    PoolState,
    PrincipalMode,
    TrancheKind,
    WaterfallResult,
    record_purchases,
    run_waterfall,
)
from domain.pools.waterfall import Tranche as TrancheTerms
from domain.services import events, ledger
from domain.services.calendar import business_date
from domain.services.pooling import report as reports
from domain.services.pooling.build import mark_pooled
from domain.services.pooling.cash import CASH_KINDS, DEFAULT, INSURANCE, INTEREST, PRINCIPAL, RECOVERY
from domain.services.pooling.loans import candidates, pool_loans
from domain.services.pooling.spec import criteria_from_json, from_ppm
from domain.settings import Settings, get_settings

OPEN_STATUSES = ("REVOLVING", "AMORTISING")


def period_end(pool: Pool, number: int) -> date:
    return add_months(pool.cut_off_date, number)


async def close_due_periods(*, settings: Settings | None = None) -> list[PoolPeriod]:
    """Close every period of every open pool that has ended, oldest first."""
    today = await business_date()
    closed: list[PoolPeriod] = []
    for pool_id in await Pool.filter(status__in=OPEN_STATUSES).order_by("id").values_list("id", flat=True):
        while (period := await close_period(int(pool_id), today=today, settings=settings)) is not None:
            closed.append(period)
    return closed


async def close_period(pool_id: int, *, today: date | None = None,
                       settings: Settings | None = None) -> PoolPeriod | None:
    """Close the pool's next period if it has ended; None when there is nothing to close."""
    settings = settings or get_settings()
    today = today or await business_date()
    async with in_transaction() as tx:
        pool = await Pool.filter(id=pool_id).select_for_update().using_db(tx).first()
        if pool is None or pool.status not in OPEN_STATUSES:
            return None
        number = pool.periods_closed + 1
        end = period_end(pool, number)
        if end >= today:
            return None
        return await _close(pool, number, end, today, settings, tx)


async def _close(pool: Pool, number: int, end: date, today: date, settings: Settings, tx) -> PoolPeriod:
    start = period_end(pool, number - 1)
    sums = await collected(tx, pool.id, start, end)
    tranches = list(await Tranche.filter(pool_id=pool.id).using_db(tx).order_by("seniority"))
    state = pool_state(pool, tranches)
    opening = await _opening_balance(pool, tx)
    collections = Collections(*(from_fen(sums[k]) for k in (INTEREST, PRINCIPAL, RECOVERY, INSURANCE)))
    defaults = from_fen(sums[DEFAULT])
    balance = opening - collections.principal - defaults

    # Principal cash stands in for the loans it is about to buy, so a revolving pool is not
    # judged undercollateralised between repayments and purchases.
    principal_funds = collections.principal + collections.recoveries + collections.insurance + state.cash
    triggers = evaluate_triggers(
        TriggerLimits(from_ppm(pool.max_default_rate_ppm), from_ppm(pool.min_oc_ppm)),
        cumulative_defaults=from_fen(pool.cumulative_defaults_fen) + defaults,
        cumulative_base=from_fen(pool.cumulative_bought_fen),
        pool_balance=balance + principal_funds,
        rated_balance=state.rated_balance,
    )
    state = apply_triggers(state, triggers)
    if state.phase is Phase.REVOLVING and end > pool.revolving_until:
        state = replace(state, phase=Phase.AMORTISING)
    result = run_waterfall(collections, state, pool_balance=opening)
    await _book_distribution(pool, number, result, today, tx)

    bought, bought_count = ZERO, 0
    new_state = result.state
    if result.phase is Phase.REVOLVING and result.reinvestment > 0:
        bought, bought_count = await _buy(pool, balance, result.reinvestment, today, settings, tx)
        new_state = record_purchases(new_state, bought)
    closing = balance + bought

    period = await PoolPeriod.create(
        pool_id=pool.id, number=number, start_date=start, end_date=end, phase=result.phase.value,
        opening_balance_fen=to_fen(opening), closing_balance_fen=to_fen(closing),
        interest_fen=sums[INTEREST], principal_fen=sums[PRINCIPAL], recoveries_fen=sums[RECOVERY],
        insurance_fen=sums[INSURANCE], defaults_fen=sums[DEFAULT], cash_in_fen=to_fen(result.cash_in),
        paid_out_fen=to_fen(result.paid_out), kept_fen=to_fen(result.kept), purchased_fen=to_fen(bought),
        purchased_count=bought_count, trustee_fee_fen=to_fen(result.trustee_fee.paid),
        servicer_fee_fen=to_fen(result.servicer_fee.paid), report={}, using_db=tx,
    )
    await TranchePayment.bulk_create([
        TranchePayment(period_id=period.id, tranche_id=t.id, opening_balance_fen=to_fen(p.opening_balance),
                       interest_due_fen=to_fen(p.interest_due), interest_paid_fen=to_fen(p.interest_paid),
                       principal_paid_fen=to_fen(p.principal_paid), residual_paid_fen=to_fen(p.residual_paid),
                       closing_balance_fen=to_fen(p.closing_balance))
        for t, p in zip(tranches, result.tranches, strict=True)
    ], using_db=tx)
    loans = await pool_loans(pool.id, today, using_db=tx, settings=settings)
    period.report = reports.investor_report(
        pool, period, result, triggers, composition=pool_stats(loans), delinquency=await _delinquency(tx, pool.id))
    await period.save(using_db=tx, update_fields=["report"])
    await _save_state(pool, tranches, new_state, triggers, defaults, bought, closing, number, end, tx)
    await events.append("POOL_DISTRIBUTION", business_date=today, data=_event_data(pool, period, result, triggers),
                        using_db=tx)
    return period


async def collected(tx, pool_id: int, start: date, end: date) -> dict[str, int]:
    """Fen per kind that reached the pool after ``start`` up to and including ``end``."""
    rows = await tx.execute_query_dict(sql(tx, (
        "SELECT kind, COALESCE(SUM(amount_fen), 0) AS fen FROM pool_collection "
        "WHERE pool_id = ? AND business_date > ? AND business_date <= ? GROUP BY kind")), [pool_id, start, end])
    out = dict.fromkeys((*CASH_KINDS, DEFAULT), 0)
    out.update((r["kind"], int(r["fen"] or 0)) for r in rows if r["kind"] in out)
    return out


async def _opening_balance(pool: Pool, tx) -> Decimal:
    if pool.periods_closed == 0:
        return from_fen(pool.cut_off_balance_fen)
    last = await PoolPeriod.filter(pool_id=pool.id, number=pool.periods_closed).using_db(tx).first()
    return from_fen(last.closing_balance_fen)


def pool_state(pool: Pool, tranches: list[Tranche]) -> PoolState:
    """The waterfall's view of a stored pool, tranches in order of seniority."""
    return PoolState(
        tranches=tuple(TrancheTerms(t.name, TrancheKind(t.kind), from_fen(t.balance_fen), from_ppm(t.coupon_ppm),
                                    from_fen(t.interest_unpaid_fen)) for t in tranches),
        trustee_fee=Fee(annual_rate=from_ppm(pool.trustee_fee_ppm), fixed=from_fen(pool.trustee_fee_fixed_fen)),
        servicer_fee=Fee(annual_rate=from_ppm(pool.servicer_fee_ppm), fixed=from_fen(pool.servicer_fee_fixed_fen)),
        phase=Phase.REVOLVING if pool.status == "REVOLVING" else Phase.AMORTISING,
        principal_mode=PrincipalMode(pool.principal_mode),
        turbo=pool.turbo,
        trustee_fee_unpaid=from_fen(pool.trustee_fee_unpaid_fen),
        servicer_fee_unpaid=from_fen(pool.servicer_fee_unpaid_fen),
        cash=from_fen(pool.cash_fen),
    )


async def _book_distribution(pool: Pool, number: int, result: WaterfallResult, today: date, tx) -> None:
    """Cash paid out leaves what is held for the pool: the servicing fee is the lender's own
    income (it services the loans), everything else is paid away."""
    paid, servicer = to_fen(result.paid_out), to_fen(result.servicer_fee.paid)
    await ledger.post(
        "POOL_DISTRIBUTION",
        [ledger.debit("POOL_CASH", paid), ledger.credit("SERVICING_FEE_INCOME", servicer),
         ledger.credit("CASH", paid - servicer)],
        business_date=today, memo=f"pool {pool.id} period {number}", using_db=tx,
    )


async def _buy(pool: Pool, balance: Decimal, budget: Decimal, today: date, settings: Settings,
               tx) -> tuple[Decimal, int]:
    """Revolving purchase: eligible loans no pool holds, oldest first, while the money lasts."""
    criteria = criteria_from_json(pool.criteria)
    held: dict[int, Decimal] = {}
    for loan in await pool_loans(pool.id, today, using_db=tx, settings=settings):
        held[loan.borrower_id] = held.get(loan.borrower_id, ZERO) + loan.outstanding_principal
    offered = await candidates(today, max_dpd=criteria.max_dpd, using_db=tx, settings=settings)
    chosen = select_eligible(offered, criteria, pool_balance_by_borrower=held, pool_total=balance,
                             budget=budget).chosen
    if not chosen:
        return ZERO, 0
    spent = sum((loan.outstanding_principal for loan in chosen), ZERO)
    await mark_pooled(tx, pool.id, [(loan.id, to_fen(loan.outstanding_principal)) for loan in chosen], today)
    await ledger.post(
        "POOL_PURCHASE",
        [ledger.debit("POOL_CASH", to_fen(spent)), ledger.credit("POOL_PRINCIPAL", to_fen(spent))],
        business_date=today, memo=f"pool {pool.id}: {len(chosen)} loans bought", using_db=tx,
    )
    return spent, len(chosen)


async def _delinquency(tx, pool_id: int) -> list[dict]:
    rows = await tx.execute_query_dict(sql(tx, (
        "SELECT CASE WHEN dpd = 0 THEN 'CURRENT' WHEN dpd <= 30 THEN '1-30' WHEN dpd <= 60 THEN '31-60' "
        "WHEN dpd <= 90 THEN '61-90' ELSE '90+' END AS bucket, COUNT(*) AS n, "
        "COALESCE(SUM(outstanding_principal_fen), 0) AS fen FROM loan "
        "WHERE pool_id = ? AND status IN ('ACTIVE', 'OVERDUE') GROUP BY 1")), [pool_id])
    found = {r["bucket"]: (int(r["n"]), int(r["fen"] or 0)) for r in rows}
    return [{"bucket": b, "count": found.get(b, (0, 0))[0], "balance": format_money(from_fen(found.get(b, (0, 0))[1]))}
            for b in ("CURRENT", "1-30", "31-60", "61-90", "90+")]


async def _save_state(pool: Pool, tranches: list[Tranche], state: PoolState, triggers: TriggerReport,
                      defaults: Decimal, bought: Decimal, closing: Decimal, number: int, end: date, tx) -> None:
    for row, terms in zip(tranches, state.tranches, strict=True):
        row.balance_fen, row.interest_unpaid_fen = to_fen(terms.balance), to_fen(terms.interest_unpaid)
        await row.save(using_db=tx, update_fields=["balance_fen", "interest_unpaid_fen"])
    if triggers.breached and pool.trigger_breached_on is None:
        pool.trigger_breached_on = end
        pool.trigger_breaches = ",".join(triggers.breaches)
    finished = closing == 0 and state.cash == 0 and all(t.balance == 0 for t in state.rated)
    # The period ending on `revolving_until` is the last to revolve; the pool amortises from then on.
    phase = Phase.AMORTISING if end >= pool.revolving_until else state.phase
    pool.status = "CLOSED" if finished else phase.value
    pool.cash_fen = to_fen(state.cash)
    pool.trustee_fee_unpaid_fen = to_fen(state.trustee_fee_unpaid)
    pool.servicer_fee_unpaid_fen = to_fen(state.servicer_fee_unpaid)
    pool.cumulative_defaults_fen += to_fen(defaults)
    pool.cumulative_bought_fen += to_fen(bought)
    pool.periods_closed = number
    await pool.save(using_db=tx)


def _event_data(pool: Pool, period: PoolPeriod, result: WaterfallResult, triggers: TriggerReport) -> dict:
    return {
        "poolId": pool.id, "period": period.number, "startDate": period.start_date.isoformat(),
        "endDate": period.end_date.isoformat(), "phase": result.phase.value,
        "cashIn": format_money(result.cash_in), "paidOut": format_money(result.paid_out),
        "kept": format_money(result.kept), "purchased": format_money(from_fen(period.purchased_fen)),
        "tranches": [{"name": p.name, "interest": format_money(p.interest_paid),
                      "principal": format_money(p.principal_paid), "residual": format_money(p.residual_paid)}
                     for p in result.tranches],
        "triggersBreached": list(triggers.breaches),
    }
