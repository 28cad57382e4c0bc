"""A demo portfolio: borrowers apply, draw and repay (some late, some never) over simulated
business days, with close of business run every night. Seeded, so it repeats exactly."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from domain.commands import ApplyForCredit, Drawdown, RegisterBorrower, Repay
from domain.errors import DomainError
from domain.identity import make_resident_id
from domain.models import CreditLine, Installment, InsurancePlan, InsurancePolicy, Insurer, Loan, Pool
from domain.money import from_fen
from domain.pools.eligibility import Criteria
from domain.pools.waterfall import TrancheKind
from domain.services.borrowers import register_borrower
from domain.services.calendar import business_date, local_today, set_business_date
from domain.services.cob import close_business_day
from domain.services.decisions import apply_for_credit
from domain.services.drawdown import drawdown
from domain.services.insurance import create_insurer, create_plan
from domain.services.ledger import ensure_chart
from domain.services.pooling.build import create_pool
from domain.services.pooling.periods import close_due_periods
from domain.services.pooling.spec import PoolSpec, TrancheSpec
from domain.services.repay import quote_payoff, repay

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红娥玲飞鹏辉宇浩然子轩梓涵一诺欣怡思远晨曦佳琪"
REGIONS = ("110105", "310104", "440305", "330106", "510107", "420106", "320102", "500103")
# behaviour -> share of borrowers: pays on the due date, a few to twenty days late, stops paying,
# or settles early.
BEHAVIOURS = (("on_time", 0.70), ("late", 0.15), ("never", 0.08), ("early", 0.07))
# One insurer guaranteeing instalment loans: 0.25% a month of the principal, 80% of what is owed
# paid at the claim. Daily-interest loans go uninsured, so the portfolio shows both.
DEMO_INSURER = "Ping An Guarantee Demo"
DEMO_PLAN = "Instalment guarantee"
# A pool sold a third of the way in, so the demo closes a collection period or two.
DEMO_POOL = PoolSpec(
    name="Suixing Consumer ABS 2026-1",
    criteria=Criteria(max_borrower_share=Decimal("0.02")),
    tranches=(TrancheSpec("Senior A", TrancheKind.SENIOR, Decimal("0.80"), Decimal("0.045")),
              TrancheSpec("Mezzanine B", TrancheKind.MEZZANINE, Decimal("0.10"), Decimal("0.07")),
              TrancheSpec("Subordinated", TrancheKind.SUBORDINATED)),
    revolving_months=6, trustee_fee=Decimal("0.0005"), servicer_fee=Decimal("0.01"),
    max_default_rate=Decimal("0.05"),
)


@dataclass
class _Borrower:
    id: int
    behaviour: str
    lateness: int


def _pick_behaviour(rng: random.Random) -> str:
    x, acc = rng.random(), 0.0
    for name, share in BEHAVIOURS:
        acc += share
        if x < acc:
            return name
    return BEHAVIOURS[0][0]


def _application(rng: random.Random, borrower_id: int) -> ApplyForCredit:
    employment = rng.choices(("SALARIED", "SELF_EMPLOYED", "OTHER"), (0.7, 0.2, 0.1))[0]
    income = Decimal(rng.randrange(4000, 30000, 500))
    return ApplyForCredit(
        borrower_id=borrower_id,
        monthly_income=income,
        employment_type=employment,
        employment_months=rng.randrange(6, 120),
        housing=rng.choice(("OWN", "MORTGAGE", "RENT", "FAMILY")),
        monthly_debt_payments=(income * Decimal(rng.choice((0, 0.05, 0.1, 0.2)))).quantize(Decimal("0.01")),
        purpose=rng.choice(("日常消费", "旅游", "教育培训", "装修", "数码产品")),
        device_id=f"demo-device-{borrower_id}",
        ip=f"10.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}",
    )


async def _register(rng: random.Random, n: int, today: date) -> int | None:
    birth = today - timedelta(days=rng.randrange(22 * 365, 50 * 365))
    name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
    try:
        b = await register_borrower(
            RegisterBorrower(
                phone=f"1{rng.choice('3456789')}{n:09d}",
                name=name,
                id_number=make_resident_id(rng.choice(REGIONS), birth, f"{n % 1000:03d}"),
                agreement_version="2026-01",
            ),
            today=today,
        )
    except DomainError:
        return None
    return b.id


async def _draw(rng: random.Random, b: _Borrower, today: date, n: int) -> None:
    line = await CreditLine.get_or_none(borrower_id=b.id)
    if line is None or line.status != "ACTIVE":
        return
    available = line.limit_fen - line.used_fen
    if available < 5000:
        return
    amount = from_fen(rng.randrange(5000, max(available // 2, 5001), 100))
    method = rng.choices(("DAILY_INTEREST", "EQUAL_INSTALLMENT", "EQUAL_PRINCIPAL"), (0.35, 0.45, 0.2))[0]
    months = days = None
    if method == "DAILY_INTEREST":
        days = rng.choice((7, 14, 30, 60, 90))
    else:
        months = rng.choice((3, 6, 12))
    try:
        await drawdown(Drawdown(b.id, amount, method, f"demo-draw-{b.id}-{today}-{n}", term_months=months,
                                term_days=days), today=today)
    except DomainError:
        pass


async def _pay(b: _Borrower, loan: Loan, today: date) -> None:
    dues = await quote_payoff(loan, today=today)
    # Daily-interest loans are repaid in one go; early settlers clear the whole loan.
    settle = b.behaviour == "early" or loan.method == "DAILY_INTEREST"
    amount = dues.payoff if settle else dues.due_now
    if amount <= 0:
        return
    try:
        await repay(Repay(b.id, loan.id, from_fen(amount), f"demo-pay-{loan.id}-{today}"), today=today)
    except DomainError:
        pass


async def _repayments(borrowers: dict[int, _Borrower], today: date) -> int:
    """Each borrower pays as their behaviour says: loans with something due today, or overdue
    by the borrower's usual lateness, or (early settlers) a week after the draw."""
    paid = 0
    loans = await Loan.filter(status__in=("ACTIVE", "OVERDUE"), borrower_id__in=list(borrowers)).all()
    due_today = set(
        await Installment.filter(loan_id__in=[ln.id for ln in loans], due_date=today)
        .exclude(status="PAID").values_list("loan_id", flat=True)
    )
    for loan in loans:
        b = borrowers[loan.borrower_id]
        if b.behaviour == "never":
            continue
        settles_now = b.behaviour == "early" and (today - loan.disbursed_on).days == 7
        pays_late = b.behaviour == "late" and loan.dpd == b.lateness
        pays_on_time = b.behaviour in ("on_time", "early") and loan.id in due_today
        if not (settles_now or pays_late or pays_on_time):
            continue
        await _pay(b, loan, today)
        paid += 1
    return paid


async def _insurance() -> None:
    if not await Insurer.exists(name=DEMO_INSURER):
        await create_insurer(DEMO_INSURER)
    if not await InsurancePlan.exists(name=DEMO_PLAN):
        await create_plan(DEMO_PLAN, insurer=DEMO_INSURER, premium_monthly=Decimal("0.0025"), cover=Decimal("0.8"),
                          methods="EQUAL_INSTALLMENT,EQUAL_PRINCIPAL")


async def build_demo(*, borrowers: int = 200, days: int = 90, seed: int = 7) -> str:
    rng = random.Random(seed)
    await ensure_chart()
    await _insurance()  # before any draw, so instalment loans are insured from the start
    start = local_today() - timedelta(days=days)
    if await business_date() > start:
        await set_business_date(start)
    today = await business_date()
    people: dict[int, _Borrower] = {}
    for n in range(1, borrowers + 1):
        bid = await _register(rng, n, today)
        if bid is None:
            continue
        decision = await apply_for_credit(_application(rng, bid), today=today)
        people[bid] = _Borrower(bid, _pick_behaviour(rng), rng.randrange(4, 21))
        if decision.outcome == "APPROVED":
            await _draw(rng, people[bid], today, 0)
    repayments = 0
    for day in range(days):
        today = await business_date()
        for b in rng.sample(list(people.values()), k=max(1, len(people) // 12)):
            await _draw(rng, b, today, day + 1)
        repayments += await _repayments(people, today)
        if day == days // 3:
            await _pool()
        await close_business_day(expected=today)
        await close_due_periods()
    loans = await Loan.all().count()
    overdue = await Loan.filter(status="OVERDUE").count()
    insured = await InsurancePolicy.all().count()
    pooled = await Loan.exclude(pool_id=None).count()
    return (f"demo: {len(people)} borrowers, {loans} loans ({insured} insured, {pooled} pooled), {repayments} "
            f"repayments, {overdue} overdue, business date {await business_date()}")


async def _pool() -> None:
    if not await Pool.exists(name=DEMO_POOL.name):
        try:
            await create_pool(DEMO_POOL, actor="demo")
        except DomainError:
            pass  # a portfolio too small to select anything from has no pool
