"""What the pool and insurance pages read. Each page is a fixed number of queries, whatever the
number of pools, periods, loans or claims behind it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from tortoise.functions import Count, Sum

from admin.queries import Page
from domain.models import (
    InsuranceClaim,
    InsurancePlan,
    InsurancePolicy,
    Insurer,
    Loan,
    Pool,
    PoolCollection,
    PoolPeriod,
    Tranche,
    TranchePayment,
)
from domain.pools.stats import PoolStats, pool_stats
from domain.services.pooling.cash import DEFAULT
from domain.services.pooling.loans import pool_loans
from domain.services.pooling.periods import period_end
from domain.settings import Settings

POOLS_PER_PAGE = 25
CLAIMS_PER_PAGE = 50
ON_BOOKS = ("ACTIVE", "OVERDUE")
# The investor report's delinquency buckets, in days past due.
BUCKETS = (("CURRENT", 0, 0), ("1-30", 1, 30), ("31-60", 31, 60), ("61-90", 61, 90), ("90+", 91, None))
# Loans that left the pool's books, by the status they left with.
GONE = ("PAID_OFF", "WRITTEN_OFF", "CLAIMED")
# Period columns the list of periods shows; the report itself is read for one period only.
PERIOD_COLUMNS = ("number", "start_date", "end_date", "phase", "opening_balance_fen", "closing_balance_fen",
                  "cash_in_fen", "paid_out_fen", "kept_fen", "defaults_fen", "purchased_fen", "purchased_count")


def _fen(value: Any) -> int:
    return int(value or 0)


async def _on_books(pool_ids: list[int]) -> dict[int, tuple[int, int]]:
    """Pool id -> (loans on the books, their outstanding principal in fen)."""
    rows = await (Loan.filter(pool_id__in=pool_ids, status__in=ON_BOOKS).group_by("pool_id")
                  .annotate(n=Count("id"), fen=Sum("outstanding_principal_fen")).values("pool_id", "n", "fen"))
    return {int(r["pool_id"]): (int(r["n"]), _fen(r["fen"])) for r in rows}


async def pool_list(page: int) -> Page:
    """Newest pool first, each with its loans on the books and its tranches (seniority order)."""
    total = await Pool.all().count()
    page = min(max(page, 1), max(1, -(-total // POOLS_PER_PAGE)))
    pools = await Pool.all().order_by("-id").offset((page - 1) * POOLS_PER_PAGE).limit(POOLS_PER_PAGE)
    ids = [p.id for p in pools]
    books: dict[int, tuple[int, int]] = {}
    tranches: dict[int, list[Tranche]] = {i: [] for i in ids}
    if ids:
        books = await _on_books(ids)
        for t in await Tranche.filter(pool_id__in=ids).order_by("pool_id", "seniority"):
            tranches[t.pool_id].append(t)
    rows = []
    for p in pools:
        loans, balance = books.get(p.id, (0, 0))
        rows.append({"pool": p, "loans": loans, "balance_fen": balance, "tranches": tranches[p.id]})
    return Page(rows, total, page, POOLS_PER_PAGE)


@dataclass
class TriggerStatus:
    # Cumulative defaults over everything the pool ever bought, with the open period's defaults.
    defaults_fen: int
    base_fen: int
    default_rate_ppm: int
    max_default_rate_ppm: int
    default_rate_over: bool
    # From the last closed period's report: text such as "1.052631", or None (no period yet, or
    # the rated tranches are retired).
    oc_ratio: str | None
    min_oc_ppm: int
    oc_under: bool | None
    breached_on: date | None
    breaches: list[str]


@dataclass
class PoolDetail:
    pool: Pool
    tranches: list[Tranche]
    # Tranche id -> {"interest": fen, "principal": fen, "residual": fen} paid over every period.
    paid: dict[int, dict[str, int]]
    periods: list[dict[str, Any]]
    last_report: dict[str, Any] | None
    composition: PoolStats
    # (bucket, loans, outstanding principal in fen) for the loans on the books.
    delinquency: list[tuple[str, int, int]]
    # Status -> loans that left the books with it.
    gone: dict[str, int]
    triggers: TriggerStatus
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def balance_fen(self) -> int:
        return sum(b for _, _, b in self.delinquency)

    @property
    def loans(self) -> int:
        return sum(n for _, n, _ in self.delinquency)


def _bucket(dpd: int) -> str:
    for name, low, high in BUCKETS:
        if dpd >= low and (high is None or dpd <= high):
            return name
    return BUCKETS[0][0]


async def _delinquency(pool_id: int) -> tuple[list[tuple[str, int, int]], dict[str, int]]:
    rows = await (Loan.filter(pool_id=pool_id).group_by("status", "dpd")
                  .annotate(n=Count("id"), fen=Sum("outstanding_principal_fen")).values("status", "dpd", "n", "fen"))
    buckets = {name: [0, 0] for name, _, _ in BUCKETS}
    gone = dict.fromkeys(GONE, 0)
    for r in rows:
        if r["status"] in ON_BOOKS:
            cell = buckets[_bucket(int(r["dpd"]))]
            cell[0] += int(r["n"])
            cell[1] += _fen(r["fen"])
        else:
            gone[r["status"]] = gone.get(r["status"], 0) + int(r["n"])
    return [(name, *buckets[name]) for name, _, _ in BUCKETS], gone


def _ratio_ppm(part: int, whole: int) -> int:
    return part * 1_000_000 // whole if whole else 0


async def _triggers(pool: Pool, last_report: dict[str, Any] | None) -> TriggerStatus:
    # Defaults are counted into the pool at each period's close; those of the open period are added here.
    since = period_end(pool, pool.periods_closed)
    rows = await (PoolCollection.filter(pool_id=pool.id, kind=DEFAULT, business_date__gt=since)
                  .annotate(fen=Sum("amount_fen")).values("fen"))
    defaults = pool.cumulative_defaults_fen + (_fen(rows[0]["fen"]) if rows else 0)
    base = pool.cumulative_bought_fen
    oc = (last_report or {}).get("triggers", {}).get("ocRatio")
    oc_under = None
    if oc is not None:
        oc_under = Decimal(oc) * 1_000_000 < pool.min_oc_ppm
    return TriggerStatus(
        defaults_fen=defaults, base_fen=base, default_rate_ppm=_ratio_ppm(defaults, base),
        max_default_rate_ppm=pool.max_default_rate_ppm,
        # Exact: defaults / base > limit / 10^6, multiplied out.
        default_rate_over=defaults * 1_000_000 > pool.max_default_rate_ppm * base,
        oc_ratio=oc, min_oc_ppm=pool.min_oc_ppm, oc_under=oc_under, breached_on=pool.trigger_breached_on,
        breaches=[b for b in pool.trigger_breaches.split(",") if b],
    )


async def pool_detail(pool_id: int, today: date, settings: Settings) -> PoolDetail | None:
    pool = await Pool.get_or_none(id=pool_id)
    if pool is None:
        return None
    tranches = await Tranche.filter(pool_id=pool_id).order_by("seniority")
    paid_rows = await (TranchePayment.filter(tranche__pool_id=pool_id).group_by("tranche_id")
                       .annotate(interest=Sum("interest_paid_fen"), principal=Sum("principal_paid_fen"),
                                 residual=Sum("residual_paid_fen"))
                       .values("tranche_id", "interest", "principal", "residual"))
    paid = {int(r["tranche_id"]): {k: _fen(r[k]) for k in ("interest", "principal", "residual")}
            for r in paid_rows}
    periods = await PoolPeriod.filter(pool_id=pool_id).order_by("number").values(*PERIOD_COLUMNS)
    last = await PoolPeriod.filter(pool_id=pool_id, number=pool.periods_closed).values_list("report", flat=True)
    last_report = last[0] if last else None
    composition = pool_stats(await pool_loans(pool_id, today, settings=settings))
    delinquency, gone = await _delinquency(pool_id)
    return PoolDetail(pool, list(tranches), paid, list(periods), last_report, composition, delinquency, gone,
                      await _triggers(pool, last_report))


async def pool_period(pool_id: int, number: int) -> tuple[Pool, PoolPeriod] | None:
    pool = await Pool.get_or_none(id=pool_id)
    period = await PoolPeriod.get_or_none(pool_id=pool_id, number=number) if pool else None
    return (pool, period) if period else None


@dataclass
class ClaimTotals:
    count: int
    principal_fen: int
    interest_fen: int
    paid_fen: int
    recovered_fen: int


async def claims(page: int) -> tuple[Page, ClaimTotals]:
    """Latest claim first, with its insurer's name; totals over every claim."""
    sums = await InsuranceClaim.all().annotate(
        n=Count("id"), principal=Sum("principal_fen"), interest=Sum("interest_fen"), paid=Sum("paid_fen"),
        recovered=Sum("recovered_fen")).values("n", "principal", "interest", "paid", "recovered")
    row = sums[0] if sums else {}
    totals = ClaimTotals(int(row.get("n") or 0), _fen(row.get("principal")), _fen(row.get("interest")),
                         _fen(row.get("paid")), _fen(row.get("recovered")))
    page = min(max(page, 1), max(1, -(-totals.count // CLAIMS_PER_PAGE)))
    rows = await (InsuranceClaim.all().order_by("-business_date", "-id").offset((page - 1) * CLAIMS_PER_PAGE)
                  .limit(CLAIMS_PER_PAGE)
                  .values("id", "loan_id", "insurer_id", "insurer__name", "business_date", "dpd", "principal_fen",
                          "interest_fen", "paid_fen", "recovered_fen"))
    return Page(list(rows), totals.count, page, CLAIMS_PER_PAGE), totals


@dataclass
class InsurerView:
    insurer: Insurer
    plans: list[InsurancePlan]
    # Plan id -> active policies.
    active: dict[int, int]
    claims: int
    paid_fen: int
    recovered_fen: int

    @property
    def active_policies(self) -> int:
        return sum(self.active.get(p.id, 0) for p in self.plans)


async def insurers() -> list[InsurerView]:
    """Every insurer with its plans, the active policies of each plan and its claims so far."""
    found = await Insurer.all().order_by("name")
    plans = await InsurancePlan.all().order_by("insurer_id", "priority", "id")
    active = await (InsurancePolicy.filter(status="ACTIVE").group_by("plan_id").annotate(n=Count("id"))
                    .values("plan_id", "n"))
    by_plan = {int(r["plan_id"]): int(r["n"]) for r in active}
    claimed = await (InsuranceClaim.all().group_by("insurer_id")
                     .annotate(n=Count("id"), paid=Sum("paid_fen"), recovered=Sum("recovered_fen"))
                     .values("insurer_id", "n", "paid", "recovered"))
    by_insurer = {int(r["insurer_id"]): r for r in claimed}
    out = []
    for insurer in found:
        c = by_insurer.get(insurer.id, {})
        out.append(InsurerView(insurer, [p for p in plans if p.insurer_id == insurer.id], by_plan,
                               int(c.get("n") or 0), _fen(c.get("paid")), _fen(c.get("recovered"))))
    return out
