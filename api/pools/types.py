"""Securitised pools as staff and investors read them: the pool, its tranches, its closed
collection periods with what each tranche was paid, and the loans it holds."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from enum import Enum
from typing import Any

import strawberry
from strawberry.scalars import JSON

from api.common.ids import to_cursor, to_global_id
from api.common.node import Node
from api.common.pagination import PageInfo, page_info
from api.common.scalars import Money, Rate, fen_str, money_str, parse_rate, ppm_str, rate_str
from api.context import Info
from api.pools.loaders import PaymentRow, PeriodRow
from api.pools.paging import first_between
from domain import models
from domain.pools.projection import ProjectedPeriod as ProjectedFlows
from domain.pools.stats import GroupStats, PoolStats
from domain.services.pooling.projection import assumptions, project_pool

POOL_CURSOR = "pool"
# The same reading precision as the investor report's trigger ratios.
RATIO_PLACES = Decimal("0.000001")


@strawberry.enum
class PoolStatus(Enum):
    REVOLVING = "REVOLVING"
    AMORTISING = "AMORTISING"
    CLOSED = "CLOSED"


@strawberry.enum(description="How principal pays the rated tranches down once the pool amortises.")
class PrincipalMode(Enum):
    SEQUENTIAL = "SEQUENTIAL"
    PRO_RATA = "PRO_RATA"


@strawberry.enum
class TrancheKind(Enum):
    SENIOR = "SENIOR"
    MEZZANINE = "MEZZANINE"
    SUBORDINATED = "SUBORDINATED"


@strawberry.enum(description="Whether a period's principal bought loans (REVOLVING) or paid tranches down.")
class PoolPhase(Enum):
    REVOLVING = "REVOLVING"
    AMORTISING = "AMORTISING"


@strawberry.type
class Tranche:
    name: str
    kind: TrancheKind
    seniority: int = strawberry.field(description="1 is paid first.")
    original_balance: Money
    balance: Money
    coupon: Rate = strawberry.field(description="A year.")
    interest_unpaid: Money

    @classmethod
    def from_row(cls, t: models.Tranche) -> Tranche:
        return cls(name=t.name, kind=TrancheKind(t.kind), seniority=t.seniority,
                   original_balance=Money(fen_str(t.original_balance_fen)), balance=Money(fen_str(t.balance_fen)),
                   coupon=Rate(ppm_str(t.coupon_ppm)), interest_unpaid=Money(fen_str(t.interest_unpaid_fen)))


@strawberry.type
class TranchePayment:
    tranche: str = strawberry.field(description="The tranche's name.")
    opening_balance: Money
    interest_due: Money
    interest_paid: Money
    principal_paid: Money
    residual_paid: Money
    closing_balance: Money

    @classmethod
    def from_row(cls, p: PaymentRow) -> TranchePayment:
        return cls(tranche=p.tranche_name, opening_balance=Money(fen_str(p.opening_balance_fen)),
                   interest_due=Money(fen_str(p.interest_due_fen)), interest_paid=Money(fen_str(p.interest_paid_fen)),
                   principal_paid=Money(fen_str(p.principal_paid_fen)),
                   residual_paid=Money(fen_str(p.residual_paid_fen)),
                   closing_balance=Money(fen_str(p.closing_balance_fen)))


@strawberry.type(description="The early-amortisation triggers as tested at a period's end.")
class PeriodTriggers:
    cumulative_defaults: Money
    cumulative_default_rate: Rate
    max_cumulative_default_rate: Rate
    oc_ratio: Rate | None = strawberry.field(
        description="Collateral over the rated tranches; null once they are repaid.")
    min_oc_ratio: Rate
    breaches: list[str]

    @classmethod
    def from_report(cls, t: dict[str, Any]) -> PeriodTriggers:
        # The report keeps the limits as written ("0.05"); every Rate here reads with six places.
        def rate(key: str) -> Rate:
            return Rate(rate_str(Decimal(str(t.get(key) or "0"))))

        return cls(cumulative_defaults=Money(money_str(Decimal(str(t.get("cumulativeDefaults") or "0")))),
                   cumulative_default_rate=rate("cumulativeDefaultRate"),
                   max_cumulative_default_rate=rate("maxCumulativeDefaultRate"),
                   oc_ratio=None if t.get("ocRatio") is None else rate("ocRatio"),
                   min_oc_ratio=rate("minOcRatio"), breaches=list(t.get("breaches") or []))


@strawberry.type
class PoolPeriod:
    number: int
    start_date: date = strawberry.field(description="Collections dated after this day ...")
    end_date: date = strawberry.field(description="... up to and including this one.")
    phase: PoolPhase
    opening_balance: Money
    closing_balance: Money
    interest: Money
    principal: Money
    recoveries: Money
    insurance: Money
    defaults: Money
    cash_in: Money
    paid_out: Money
    kept: Money = strawberry.field(description="Principal kept to buy loans with.")
    purchased: Money
    purchased_count: int
    trustee_fee: Money
    servicer_fee: Money
    pk: strawberry.Private[int]

    @classmethod
    def from_row(cls, r: PeriodRow) -> PoolPeriod:
        return cls(
            number=r.number, start_date=r.start_date, end_date=r.end_date, phase=PoolPhase(r.phase),
            opening_balance=Money(fen_str(r.opening_balance_fen)),
            closing_balance=Money(fen_str(r.closing_balance_fen)),
            interest=Money(fen_str(r.interest_fen)), principal=Money(fen_str(r.principal_fen)),
            recoveries=Money(fen_str(r.recoveries_fen)), insurance=Money(fen_str(r.insurance_fen)),
            defaults=Money(fen_str(r.defaults_fen)), cash_in=Money(fen_str(r.cash_in_fen)),
            paid_out=Money(fen_str(r.paid_out_fen)), kept=Money(fen_str(r.kept_fen)),
            purchased=Money(fen_str(r.purchased_fen)), purchased_count=r.purchased_count,
            trustee_fee=Money(fen_str(r.trustee_fee_fen)), servicer_fee=Money(fen_str(r.servicer_fee_fen)), pk=r.id,
        )

    @strawberry.field
    async def payments(self, info: Info) -> list[TranchePayment]:
        rows = await info.context.loaders.payments_by_period_id.load(self.pk)
        return [TranchePayment.from_row(p) for p in rows]

    @strawberry.field(description="The investor report stored when the period closed.")
    async def report(self, info: Info) -> JSON:
        return await info.context.loaders.period_report_by_id.load(self.pk)

    @strawberry.field
    async def triggers(self, info: Info) -> PeriodTriggers:
        report = await info.context.loaders.period_report_by_id.load(self.pk)
        return PeriodTriggers.from_report(report.get("triggers") or {})


@strawberry.type
class CompositionGroup:
    key: str
    count: int
    balance: Money
    share: Rate = strawberry.field(description="Of the pool's balance.")
    wa_daily_rate: Rate = strawberry.field(description="Weighted by outstanding principal.")
    wa_remaining_term_months: str = strawberry.field(description="Months as a decimal string: \"11.50\".")

    @classmethod
    def from_stats(cls, key: str, g: GroupStats) -> CompositionGroup:
        # str() keeps every place the statistics were rounded to (eight for a daily rate).
        return cls(key=key, count=g.count, balance=Money(money_str(g.balance)), share=Rate(str(g.share)),
                   wa_daily_rate=Rate(str(g.wa_daily_rate)), wa_remaining_term_months=str(g.wa_remaining_term_months))


@strawberry.type(description="The loans a pool holds today (active or overdue), in total and by group.")
class PoolComposition:
    count: int
    balance: Money
    wa_daily_rate: Rate
    wa_remaining_term_months: str
    by_method: list[CompositionGroup]
    by_score_band: list[CompositionGroup]
    by_segment: list[CompositionGroup]

    @classmethod
    def from_stats(cls, stats: PoolStats) -> PoolComposition:
        t = stats.total

        def groups(by: dict[str, GroupStats]) -> list[CompositionGroup]:
            return [CompositionGroup.from_stats(k, g) for k, g in by.items()]

        return cls(count=t.count, balance=Money(money_str(t.balance)), wa_daily_rate=Rate(str(t.wa_daily_rate)),
                   wa_remaining_term_months=str(t.wa_remaining_term_months), by_method=groups(stats.by_method),
                   by_score_band=groups(stats.by_score_band), by_segment=groups(stats.by_segment))


def _ratio(numerator: int, denominator: int) -> Rate:
    if denominator <= 0:
        return Rate(ppm_str(0))
    value = (Decimal(numerator) / Decimal(denominator)).quantize(RATIO_PLACES, rounding=ROUND_HALF_UP)
    return Rate(str(value))


@strawberry.type
class ProjectedPayment:
    tranche: str
    interest: Money
    principal: Money
    residual: Money


@strawberry.type
class ProjectedPeriod:
    number: int
    phase: PoolPhase
    opening_balance: Money
    interest: Money
    scheduled_principal: Money
    prepayments: Money
    defaults: Money
    recoveries: Money
    purchases: Money
    closing_balance: Money
    trustee_fee: Money
    servicer_fee: Money
    payments: list[ProjectedPayment]
    triggers_breached: list[str]

    @classmethod
    def from_result(cls, p: ProjectedFlows) -> ProjectedPeriod:
        w = p.waterfall
        return cls(
            number=p.number, phase=PoolPhase(p.phase.value), opening_balance=Money(money_str(p.opening_balance)),
            interest=Money(money_str(p.interest)), scheduled_principal=Money(money_str(p.scheduled_principal)),
            prepayments=Money(money_str(p.prepayments)), defaults=Money(money_str(p.defaults)),
            recoveries=Money(money_str(p.recoveries)), purchases=Money(money_str(p.purchases)),
            closing_balance=Money(money_str(p.closing_balance)), trustee_fee=Money(money_str(w.trustee_fee.paid)),
            servicer_fee=Money(money_str(w.servicer_fee.paid)),
            payments=[ProjectedPayment(tranche=t.name, interest=Money(money_str(t.interest_paid)),
                                       principal=Money(money_str(t.principal_paid)),
                                       residual=Money(money_str(t.residual_paid))) for t in w.tranches],
            triggers_breached=[str(b) for b in p.triggers.breaches] if p.triggers else [],
        )


@strawberry.type
class Pool(Node):
    name: str
    status: PoolStatus
    cut_off_date: date
    revolving_until: date = strawberry.field(description="The last day of the last revolving period.")
    principal_mode: PrincipalMode
    turbo: bool = strawberry.field(description="Amortisation: every fen left pays principal, not just principal cash.")
    trustee_fee: Rate = strawberry.field(description="A year, on the pool balance.")
    servicer_fee: Rate = strawberry.field(description="A year, on the pool balance.")
    trustee_fee_fixed: Money = strawberry.field(description="A period, on top of the yearly rate.")
    servicer_fee_fixed: Money = strawberry.field(description="A period, on top of the yearly rate.")
    max_default_rate: Rate = strawberry.field(description="Cumulative default rate above which revolving ends.")
    min_oc_ratio: Rate = strawberry.field(description="Overcollateralisation ratio below which revolving ends.")
    cut_off_balance: Money
    cash: Money = strawberry.field(description="Principal kept for purchases and not yet spent.")
    cumulative_bought: Money = strawberry.field(description="Every loan the pool ever held, at its purchase.")
    cumulative_defaults: Money
    cumulative_default_rate: Rate
    periods_closed: int
    trigger_breached_on: date | None
    trigger_breaches: list[str]
    pk: strawberry.Private[int]

    @classmethod
    def from_row(cls, p: models.Pool) -> Pool:
        return cls(
            id=strawberry.ID(to_global_id("Pool", p.id)), name=p.name, status=PoolStatus(p.status),
            cut_off_date=p.cut_off_date, revolving_until=p.revolving_until,
            principal_mode=PrincipalMode(p.principal_mode), turbo=p.turbo, trustee_fee=Rate(ppm_str(p.trustee_fee_ppm)),
            servicer_fee=Rate(ppm_str(p.servicer_fee_ppm)), trustee_fee_fixed=Money(fen_str(p.trustee_fee_fixed_fen)),
            servicer_fee_fixed=Money(fen_str(p.servicer_fee_fixed_fen)),
            max_default_rate=Rate(ppm_str(p.max_default_rate_ppm)),
            min_oc_ratio=Rate(ppm_str(p.min_oc_ppm)), cut_off_balance=Money(fen_str(p.cut_off_balance_fen)),
            cash=Money(fen_str(p.cash_fen)), cumulative_bought=Money(fen_str(p.cumulative_bought_fen)),
            cumulative_defaults=Money(fen_str(p.cumulative_defaults_fen)),
            cumulative_default_rate=_ratio(p.cumulative_defaults_fen, p.cumulative_bought_fen),
            periods_closed=p.periods_closed, trigger_breached_on=p.trigger_breached_on,
            trigger_breaches=[b for b in p.trigger_breaches.split(",") if b], pk=p.id,
        )

    @strawberry.field(description="Outstanding principal of the pool's loans still active or overdue.")
    async def balance(self, info: Info) -> Money:
        return Money(fen_str((await info.context.loaders.holdings_by_pool_id.load(self.pk)).balance_fen))

    @strawberry.field(description="How many of the pool's loans are still active or overdue.")
    async def loan_count(self, info: Info) -> int:
        return (await info.context.loaders.holdings_by_pool_id.load(self.pk)).count

    @strawberry.field(description="Most senior first.")
    async def tranches(self, info: Info) -> list[Tranche]:
        return [Tranche.from_row(t) for t in await info.context.loaders.tranches_by_pool_id.load(self.pk)]

    @strawberry.field(description="Closed collection periods, newest first; `first` keeps the newest few.")
    async def periods(self, info: Info, first: int | None = None) -> list[PoolPeriod]:
        rows = await info.context.loaders.periods_by_pool_id.load(self.pk)
        if first is not None:
            rows = rows[:first_between(first)]
        return [PoolPeriod.from_row(r) for r in rows]

    @strawberry.field(description=(
        "The pool's loans as they stand, projected under constant annual default (cdr) and prepayment (cpr) "
        "rates, a recovery rate and lag (periods), through the pool's waterfall and triggers; changes nothing."))
    async def projection(self, info: Info, cdr: Rate, cpr: Rate, recovery_rate: Rate, recovery_lag: int = 0,
                         periods: int | None = None) -> list[ProjectedPeriod]:
        wanted = assumptions(cdr=parse_rate(cdr, "cdr"), cpr=parse_rate(cpr, "cpr"),
                             recovery_rate=parse_rate(recovery_rate, "recoveryRate"), recovery_lag=recovery_lag,
                             periods=periods)
        result = await project_pool(self.pk, wanted, settings=info.context.settings)
        return [ProjectedPeriod.from_result(p) for p in result.periods]

    @strawberry.field(description="Computed from the loans on each request: ask for it only where needed.")
    async def composition(self, info: Info) -> PoolComposition:
        return PoolComposition.from_stats(await info.context.loaders.composition_by_pool_id.load(self.pk))


@strawberry.type
class PoolEdge:
    cursor: str
    node: Pool


@strawberry.type
class PoolConnection:
    edges: list[PoolEdge]
    page_info: PageInfo

    @classmethod
    def from_rows(cls, rows: list[models.Pool], limit: int, after_given: bool) -> PoolConnection:
        edges = [PoolEdge(cursor=to_cursor(POOL_CURSOR, p.id), node=Pool.from_row(p)) for p in rows[:limit]]
        return cls(edges=edges, page_info=page_info([e.cursor for e in edges], has_next=len(rows) > limit,
                                                    has_previous=after_given))
