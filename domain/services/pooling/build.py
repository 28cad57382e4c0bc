"""Building a pool at its cut-off date: preview the loans the criteria select, then sell them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from domain.dates import add_months
from domain.db import sql
from domain.errors import NotAllowed, ValidationFailed
from domain.models import Pool, PoolCollection, Tranche
from domain.money import format_money, format_rate, rate_to_ppm, to_fen
from domain.pools.eligibility import Selection, select_eligible
from domain.pools.stats import PoolStats, pool_stats
from domain.services import events, ledger
from domain.services.calendar import business_date
from domain.services.pooling.cash import PURCHASE
from domain.services.pooling.loans import candidates
from domain.services.pooling.spec import PoolSpec, check_spec, criteria_to_json, tranche_sizes
from domain.settings import Settings, get_settings

_CHUNK = 500


@dataclass(frozen=True)
class Preview:
    cut_off_date: date
    selection: Selection
    stats: PoolStats
    tranche_sizes: list[Decimal]
    # Reason -> how many loans it kept out.
    rejected_by_reason: dict[str, int]


async def preview_pool(spec: PoolSpec, *, today: date | None = None, using_db=None,
                       settings: Settings | None = None) -> Preview:
    """What a pool with these terms would hold if it were made now; changes nothing."""
    spec = check_spec(spec)
    settings = settings or get_settings()
    today = today or await business_date()
    loans = await candidates(today, max_dpd=spec.criteria.max_dpd, using_db=using_db, settings=settings)
    selection = select_eligible(loans, spec.criteria)
    reasons: dict[str, int] = {}
    for why in selection.rejected.values():
        for reason in why:
            reasons[str(reason)] = reasons.get(str(reason), 0) + 1
    return Preview(today, selection, pool_stats(selection.chosen), tranche_sizes(spec.tranches, selection.balance),
                   dict(sorted(reasons.items())))


async def create_pool(spec: PoolSpec, *, actor: str = "", settings: Settings | None = None) -> Pool:
    """Sell the loans the criteria select today to a new pool, in one transaction: the loans are
    marked as the pool's, the ledger moves their principal to what is owed to the pool, and the
    investors' cash for the tranches comes in."""
    spec = check_spec(spec)
    settings = settings or get_settings()
    try:
        async with in_transaction() as tx:
            return await _create(spec, actor, settings, tx)
    except IntegrityError as exc:
        raise ValidationFailed(f"a pool named {spec.name!r} exists", field="name") from exc


async def _create(spec: PoolSpec, actor: str, settings: Settings, tx) -> Pool:
    today = await business_date()
    preview = await preview_pool(spec, today=today, using_db=tx, settings=settings)
    chosen = preview.selection.chosen
    if not chosen:
        raise ValidationFailed("no loan meets the criteria today", field="criteria")
    balance_fen = to_fen(preview.selection.balance)
    pool = await Pool.create(
        name=spec.name, cut_off_date=today, revolving_until=add_months(today, spec.revolving_months),
        principal_mode=spec.principal_mode.value, turbo=spec.turbo, trustee_fee_ppm=rate_to_ppm(spec.trustee_fee),
        servicer_fee_ppm=rate_to_ppm(spec.servicer_fee), trustee_fee_fixed_fen=to_fen(spec.trustee_fee_fixed),
        servicer_fee_fixed_fen=to_fen(spec.servicer_fee_fixed), criteria=criteria_to_json(spec.criteria),
        max_default_rate_ppm=rate_to_ppm(spec.max_default_rate), min_oc_ppm=rate_to_ppm(spec.min_oc_ratio),
        status="REVOLVING" if spec.revolving_months else "AMORTISING", cut_off_balance_fen=balance_fen,
        cumulative_bought_fen=balance_fen, created_by=actor, using_db=tx,
    )
    tranches = [
        Tranche(pool_id=pool.id, name=t.name.strip(), kind=t.kind.value, seniority=i + 1,
                original_balance_fen=to_fen(size), balance_fen=to_fen(size), coupon_ppm=rate_to_ppm(t.coupon))
        for i, (t, size) in enumerate(zip(spec.tranches, preview.tranche_sizes, strict=True))
    ]
    await Tranche.bulk_create(tranches, using_db=tx)
    await mark_pooled(tx, pool.id, [(loan.id, to_fen(loan.outstanding_principal)) for loan in chosen], today)
    await ledger.post(
        "POOL_SALE",
        [ledger.debit("CASH", balance_fen), ledger.credit("POOL_PRINCIPAL", balance_fen)],
        business_date=today, memo=f"pool {pool.id}: {len(chosen)} loans sold at the cut-off", using_db=tx,
    )
    await events.append("POOL_CREATED", business_date=today, data={
        "poolId": pool.id, "name": pool.name, "cutOffDate": today.isoformat(), "loans": len(chosen),
        "balance": format_money(preview.selection.balance), "revolvingUntil": pool.revolving_until.isoformat(),
        "tranches": [{"name": t.name, "kind": t.kind, "balance": format_money(size), "coupon": format_rate(s.coupon)}
                     for t, s, size in zip(tranches, spec.tranches, preview.tranche_sizes, strict=True)],
    }, using_db=tx)
    return pool


async def mark_pooled(tx, pool_id: int, loans: list[tuple[int, int]], today: date) -> None:
    """Give the loans to the pool. Each must still be active and in no pool: a loan another pool
    (or a payment) took meanwhile fails the whole sale rather than being sold twice."""
    ids = [loan_id for loan_id, _ in loans]
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start:start + _CHUNK]
        marks = ", ".join("?" for _ in chunk)
        done = await tx.execute_query(sql(tx, (
            f"UPDATE loan SET pool_id = ?, pooled_on = ? WHERE id IN ({marks}) "
            "AND pool_id IS NULL AND status = 'ACTIVE'")), [pool_id, today, *chunk])
        if int(done[0]) != len(chunk):
            raise NotAllowed("a selected loan changed while the pool was made; try again")
    await PoolCollection.bulk_create(
        [PoolCollection(pool_id=pool_id, loan_id=loan_id, business_date=today, kind=PURCHASE, amount_fen=fen)
         for loan_id, fen in loans],
        batch_size=1000, using_db=tx,
    )
