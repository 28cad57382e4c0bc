"""Performance-guarantee insurance: insurers and their plans, the policy a draw takes out, the
premiums passed on to the insurer, and the insurer's share of what a claimed loan recovers.

Claims themselves are made by close of business (domain/services/insurance_claims.py)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F, Q

from domain.errors import ValidationFailed
from domain.models import InsuranceClaim, InsurancePlan, InsurancePolicy, Insurer, Loan, Partner
from domain.money import FEN, ZERO, format_money, format_rate, from_fen, ppm_to_rate, rate_to_ppm, to_fen
from domain.rules.schedule import Method
from domain.services import ledger
from domain.services.insurance_premium import premium_per_period
from domain.services.quotes import Quote, make_quote
from domain.settings import Settings

_NAME = re.compile(r"^\S(?:.{0,62}\S)?$")
# A sanity bound: a monthly premium above this is a typing mistake, not a product.
MAX_PREMIUM_MONTHLY = Decimal("0.1")


# -- insurers and plans ------------------------------------------------------------------------

def _name(value: str, field: str) -> str:
    value = (value or "").strip()
    if not _NAME.match(value):
        raise ValidationFailed(f"{field}: 1-64 characters", field=field)
    return value


def _decimal(value: Decimal | str | int, field: str) -> Decimal:
    try:
        out = Decimal(str(value).strip())
    except InvalidOperation as exc:
        raise ValidationFailed(f"{field}: not a number: {value!r}", field=field) from exc
    if not out.is_finite():
        raise ValidationFailed(f"{field}: not a number: {value!r}", field=field)
    return out


def _ppm(value: Decimal | str, field: str, low: Decimal, high: Decimal, *, low_open: bool = False) -> int:
    rate = _decimal(value, field)
    if rate > high or rate < low or (low_open and rate == low):
        side = "above" if low_open else "from"
        raise ValidationFailed(f"{field}: must be {side} {low} up to {high}, not {rate}", field=field)
    try:
        return rate_to_ppm(rate)
    except ValueError as exc:
        raise ValidationFailed(f"{field}: at most six decimal places", field=field) from exc


def _amount_fen(value: Decimal | str | None, field: str) -> int | None:
    if value is None or str(value).strip() == "":
        return None
    amount = _decimal(value, field)
    if amount < 0 or amount != amount.quantize(FEN):
        raise ValidationFailed(f"{field}: a non-negative amount in whole fen", field=field)
    return to_fen(amount)


def parse_methods(value: str | list[str] | tuple[str, ...] | None) -> str:
    """Comma-separated repayment methods, checked and in a fixed order; empty means every method."""
    items = value.split(",") if isinstance(value, str) else list(value or ())
    wanted = {m.strip().upper() for m in items if m.strip()}
    unknown = sorted(wanted - {m.value for m in Method})
    if unknown:
        known = ", ".join(m.value for m in Method)
        raise ValidationFailed(f"methods: unknown method {unknown[0]!r}; known: {known}", field="methods")
    return ",".join(m.value for m in Method if m.value in wanted)


async def create_insurer(name: str, partner_name: str | None = None, *, using_db=None) -> Insurer:
    name = _name(name, "name")
    partner_id = None
    if partner_name:
        partner = await Partner.get_or_none(name=partner_name.strip(), using_db=using_db)
        if partner is None:
            raise ValidationFailed(f"partner: no partner named {partner_name!r}", field="partner")
        partner_id = partner.id
    if await Insurer.exists(name=name, using_db=using_db):
        raise ValidationFailed(f"name: an insurer named {name!r} exists", field="name")
    try:
        return await Insurer.create(name=name, partner_id=partner_id, using_db=using_db)
    except IntegrityError as exc:
        raise ValidationFailed(f"name: an insurer named {name!r} exists", field="name") from exc


async def create_plan(name: str, *, insurer: str, premium_monthly: Decimal | str, cover: Decimal | str,
                      methods: str | list[str] | None = None, min_amount: Decimal | str | None = None,
                      max_amount: Decimal | str | None = None, priority: int | str = 100,
                      active: bool = True, using_db=None) -> InsurancePlan:
    """A plan of an insurer (by name). Rates are fractions: premium 0.003 is 0.3% a month,
    cover 0.8 pays 80% of what is owed at the claim."""
    name = _name(name, "name")
    owner = await Insurer.get_or_none(name=(insurer or "").strip(), using_db=using_db)
    if owner is None:
        raise ValidationFailed(f"insurer: no insurer named {insurer!r}", field="insurer")
    premium_ppm = _ppm(premium_monthly, "premiumMonthly", ZERO, MAX_PREMIUM_MONTHLY)
    cover_ppm = _ppm(cover, "cover", ZERO, Decimal(1), low_open=True)
    low = _amount_fen(min_amount, "minAmount") or 0
    high = _amount_fen(max_amount, "maxAmount")
    if high is not None and high < low:
        raise ValidationFailed("maxAmount: below the minimum amount", field="maxAmount")
    try:
        rank = int(str(priority).strip())
    except ValueError as exc:
        raise ValidationFailed(f"priority: not a whole number: {priority!r}", field="priority") from exc
    if await InsurancePlan.exists(name=name, using_db=using_db):
        raise ValidationFailed(f"name: a plan named {name!r} exists", field="name")
    try:
        return await InsurancePlan.create(
            insurer_id=owner.id, name=name, premium_monthly_ppm=premium_ppm, cover_ppm=cover_ppm,
            methods=parse_methods(methods), min_amount_fen=low, max_amount_fen=high, priority=rank,
            active=active, using_db=using_db)
    except IntegrityError as exc:
        raise ValidationFailed(f"name: a plan named {name!r} exists", field="name") from exc


@dataclass(frozen=True)
class InsurerSummary:
    insurer: Insurer
    partner_name: str | None
    plans: list[InsurancePlan]


async def list_insurers(using_db=None) -> list[InsurerSummary]:
    insurers = await Insurer.all(using_db=using_db).order_by("name")
    plans = await InsurancePlan.all(using_db=using_db).order_by("priority", "id")
    partner_ids = {i.partner_id for i in insurers if i.partner_id is not None}
    partners = {p.id: p.name for p in await Partner.filter(id__in=list(partner_ids)).using_db(using_db)} \
        if partner_ids else {}
    return [InsurerSummary(i, partners.get(i.partner_id), [p for p in plans if p.insurer_id == i.id])
            for i in insurers]


def describe_plan(p: InsurancePlan) -> str:
    low = format_money(from_fen(p.min_amount_fen))
    limits = f"{low}-{format_money(from_fen(p.max_amount_fen))}" if p.max_amount_fen is not None else f"{low} and up"
    return (f"{p.name}: premium {format_rate(ppm_to_rate(p.premium_monthly_ppm))}/month, "
            f"cover {format_rate(ppm_to_rate(p.cover_ppm))}, methods {p.methods or 'all'}, amount {limits}, "
            f"priority {p.priority}{'' if p.active else ', inactive'}")


# -- at drawdown -------------------------------------------------------------------------------

async def plan_for(amount_fen: int, method: str, using_db=None) -> InsurancePlan | None:
    """The first active plan (by priority, then id) whose methods and amount range fit."""
    candidates = await InsurancePlan.filter(active=True, min_amount_fen__lte=amount_fen).filter(
        Q(max_amount_fen__isnull=True) | Q(max_amount_fen__gte=amount_fen)
    ).using_db(using_db).order_by("priority", "id")
    for plan in candidates:
        if not plan.methods or method in plan.methods.split(","):
            return plan
    return None


async def quote_for_draw(amount: Decimal, daily_rate: Decimal, method: str, *, start: date,
                         term_months: int | None, term_days: int | None, settings: Settings,
                         using_db=None) -> tuple[Quote, InsurancePlan | None]:
    """The quote of a draw with the premium of the plan that would cover it, if any, as a fee on
    its instalments; the quote query and the drawdown both come here, so they agree."""
    plan = None
    if amount == amount.quantize(FEN) and amount > 0 and method in {m.value for m in Method}:
        plan = await plan_for(to_fen(amount), method, using_db)
    fee = ZERO
    if plan is not None:
        fee = premium_per_period(amount, plan.premium_monthly_ppm, method, term_months=term_months,
                                 term_days=term_days)
    quote = make_quote(amount, daily_rate, method, start=start, term_months=term_months, term_days=term_days,
                       settings=settings, fee_per_period=fee)
    return quote, plan


async def open_policy(loan: Loan, plan: InsurancePlan, quote: Quote, today: date, tx) -> InsurancePolicy:
    return await InsurancePolicy.create(
        loan_id=loan.id, plan_id=plan.id, insurer_id=plan.insurer_id, cover_ppm=plan.cover_ppm,
        premium_fen=to_fen(quote.total_fees), status="ACTIVE", started_on=today, using_db=tx)


# -- at repayment ------------------------------------------------------------------------------

async def cede_premium(loan_id: int, fee_fen: int, today: date, tx) -> None:
    """Fees paid on an insured loan are its premium: they are owed to the insurer."""
    if fee_fen <= 0 or not await InsurancePolicy.filter(loan_id=loan_id, status="ACTIVE").using_db(tx).exists():
        return
    await ledger.post("PREMIUM_CEDED", [ledger.debit("PREMIUMS_CEDED", fee_fen, loan_id),
                                        ledger.credit("INSURER_PAYABLE", fee_fen, loan_id)],
                      business_date=today, loan_id=loan_id, memo="premium owed to the insurer", using_db=tx)


async def take_recovery(loan_id: int, amount_fen: int, tx) -> int:
    """Of money received on a claimed loan, the insurer's part: up to what its claim paid and
    has not yet recovered. The caller holds the loan's row lock, so claims are not raced."""
    claim = await InsuranceClaim.filter(loan_id=loan_id).using_db(tx).first()
    if claim is None:
        return 0
    share = min(amount_fen, max(claim.paid_fen - claim.recovered_fen, 0))
    if share:
        await InsuranceClaim.filter(id=claim.id).using_db(tx).update(recovered_fen=F("recovered_fen") + share)
    return share


async def end_policy(loan_id: int, tx) -> None:
    """A loan paid off no longer needs cover."""
    await InsurancePolicy.filter(loan_id=loan_id, status="ACTIVE").using_db(tx).update(status="ENDED")
