"""Limits and prices that move after a line is opened.

- Every `limit_raise_every` instalments paid on time raise the limit by `limit_raise_ratio` (up
  to a third of annual income and the line cap) and lower the daily rate by `limit_rate_step`.
- A score that falls `limit_score_drop` points below the score the limit rests on lowers the
  limit to what the policy gives the new score (nothing more to draw when it would decline)
  and raises the rate; the limit never goes below the principal in use, so available never
  goes below zero.
- Overdue freezes the line (close of business does it); frozen lines get no raises.

Each move carries a reason, emits CREDIT_LIMIT_CHANGED and appends a LIMIT_CHANGE block (staff
changes: MANUAL_OVERRIDE)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_DOWN, Decimal
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from domain import audit
from domain.bureau import BureauReport
from domain.db import date_param, dialect, sql
from domain.errors import NotFound, ValidationFailed
from domain.models import CreditApplication, CreditLimitState, CreditLine
from domain.money import format_money, format_rate, from_fen, ppm_to_rate, rate_to_ppm, to_fen
from domain.services import events
from domain.services._scorer import ApplicationInputs, income_ceiling, policy_terms
from domain.services.calendar import business_date, utcnow
from domain.settings import Settings, get_settings

ON_TIME_REPAYMENT = "ON_TIME_REPAYMENT"
SCORE_DECLINED = "SCORE_DECLINED"
_CHUNK = 500


@dataclass(frozen=True)
class LimitChange:
    credit_line_id: int
    borrower_id: int
    old_limit: Decimal
    new_limit: Decimal
    old_rate: Decimal
    new_rate: Decimal
    reason: str


def raised_limit(limit: Decimal, steps: int, ratio: Decimal, ceiling: Decimal) -> Decimal:
    """`steps` raises of `ratio` each, rounded down to a hundred yuan, never above `ceiling`
    and never below where it started."""
    grown = limit * (1 + ratio) ** steps
    grown = (grown / 100).to_integral_value(rounding=ROUND_DOWN) * 100
    return max(limit, min(grown, ceiling))


def lowered_limit(limit: Decimal, used: Decimal, target: Decimal) -> Decimal:
    """Down to `target`, but never below the principal in use and never up."""
    return max(used, min(limit, target))


async def refresh_limits(today: date | None = None, *, settings: Settings | None = None) -> list[LimitChange]:
    """Find the lines whose repayment behaviour earned a raise, or whose score fell, and move
    them. Safe to run again or from several workers at once: what a raise used up is claimed
    first, and a lowered limit rests on the new score from then on."""
    settings = settings or get_settings()
    today = today or await business_date()
    changes: list[LimitChange] = []
    rows = await _raise_candidates(today, settings)
    for start in range(0, len(rows), _CHUNK):
        async with in_transaction() as tx:
            for row in rows[start:start + _CHUNK]:
                change = await _raise(row, today, settings, tx)
                if change:
                    changes.append(change)
    for row in await _score_fall_candidates(settings):
        change = await apply_score(int(row["borrower_id"]), int(row["score"]), today=today, settings=settings)
        if change:
            changes.append(change)
    return changes


async def _score_fall_candidates(settings: Settings) -> list[dict[str, Any]]:
    """Lines whose borrower's latest score sits `limit_score_drop` or more below the score the
    limit rests on (the last one acted on, else the score at approval)."""
    async with in_transaction() as tx:
        text = (
            "SELECT c.borrower_id, r.score FROM credit_line c "
            "JOIN score_record r ON r.id = (SELECT MAX(id) FROM score_record WHERE borrower_id = c.borrower_id) "
            "LEFT JOIN credit_limit_state s ON s.credit_line_id = c.id "
            "LEFT JOIN credit_application a ON a.id = ("
            "  SELECT MAX(id) FROM credit_application WHERE credit_line_id = c.id) "
            "WHERE c.status != 'CLOSED' AND r.score <= COALESCE(s.base_score, a.score) - ? ORDER BY c.id"
        )
        return await tx.execute_query_dict(sql(tx, text), [settings.limit_score_drop])


async def _raise_candidates(today: date, settings: Settings) -> list[dict[str, Any]]:
    async with in_transaction() as tx:
        text = (
            "SELECT c.id, c.borrower_id, t.on_time, "
            "COALESCE(s.on_time_counted, 0) AS counted, s.id AS state_id, a.monthly_income_fen AS income_fen, "
            "a.segment "
            "FROM credit_line c "
            "LEFT JOIN credit_application a ON a.id = ("
            "  SELECT MAX(id) FROM credit_application WHERE credit_line_id = c.id) "
            "JOIN (SELECT l.credit_line_id AS line_id, COUNT(*) AS on_time FROM installment i "
            "      JOIN loan l ON l.id = i.loan_id "
            f"     WHERE i.status = 'PAID' AND i.paid_on <= i.due_date AND i.due_date <= {date_param(tx)} "
            "      GROUP BY l.credit_line_id) t ON t.line_id = c.id "
            "LEFT JOIN credit_limit_state s ON s.credit_line_id = c.id "
            "WHERE c.status = 'ACTIVE' AND t.on_time >= COALESCE(s.on_time_counted, 0) + ? "
            "AND NOT EXISTS (SELECT 1 FROM loan o WHERE o.credit_line_id = c.id "
            "                AND o.status IN ('ACTIVE', 'OVERDUE') AND o.dpd > 0) "
            "ORDER BY c.id"
        )
        day: Any = today if dialect(tx) == "postgres" else today.isoformat()
        return await tx.execute_query_dict(sql(tx, text), [day, settings.limit_raise_every])


async def _raise(row: dict[str, Any], today: date, settings: Settings, tx) -> LimitChange | None:
    every = settings.limit_raise_every
    counted, on_time = int(row["counted"]), int(row["on_time"])
    steps = (on_time - counted) // every
    line = await CreditLine.filter(id=int(row["id"]), status="ACTIVE").select_for_update().using_db(tx).first()
    if line is None:
        return None  # frozen or closed since the candidates were read
    if not await _claim(tx, line.id, row["state_id"], counted, counted + steps * every, today):
        return None
    limit = from_fen(line.limit_fen)
    ceiling = settings.max_line_limit
    if row["income_fen"] is not None:
        ceiling = income_ceiling(from_fen(row["income_fen"]), settings, initial=False)
    if row["segment"] == "STUDENT":
        ceiling = min(ceiling, settings.student_max_limit)
    new_limit = raised_limit(limit, steps, settings.limit_raise_ratio, ceiling)
    rate = ppm_to_rate(line.daily_rate_ppm)
    new_rate = max(settings.min_daily_rate, rate - settings.limit_rate_step * steps)
    if new_limit == limit and new_rate == rate:
        return None  # at the caps already: the instalments are used up all the same
    return await _move(tx, int(row["id"]), int(row["borrower_id"]), new_limit, new_rate, ON_TIME_REPAYMENT, today,
                       audit.LIMIT_CHANGE, {"onTimeInstalments": on_time})


async def _claim(tx, line_id: int, state_id: int | None, counted: int, new_counted: int, today: date) -> bool:
    """Take the on-time instalments a raise uses; False when another run took them first."""
    if state_id is None:
        try:
            async with in_transaction() as savepoint:  # nested in the caller's: a savepoint
                await CreditLimitState.create(credit_line_id=line_id, on_time_counted=new_counted,
                                              last_change_on=today, using_db=savepoint)
        except IntegrityError:
            return False
        return True
    return bool(await CreditLimitState.filter(id=state_id, on_time_counted=counted).using_db(tx).update(
        on_time_counted=new_counted, last_change_on=today))


async def apply_score(borrower_id: int, score: int, *, today: date | None = None,
                      settings: Settings | None = None) -> LimitChange | None:
    """Act on a borrower's new score: lower the limit (and raise the rate) when it fell far
    enough below the score the limit rests on. Called after each re-scoring."""
    settings = settings or get_settings()
    today = today or await business_date()
    async with in_transaction() as tx:
        line = await CreditLine.filter(borrower_id=borrower_id).select_for_update().using_db(tx).first()
        if line is None or line.status == "CLOSED":
            return None
        app = await CreditApplication.filter(credit_line_id=line.id).using_db(tx).order_by("-id").first()
        state = await CreditLimitState.get_or_none(credit_line_id=line.id, using_db=tx)
        base = state.base_score if state and state.base_score is not None else (app.score if app else None)
        if base is None or score > base - settings.limit_score_drop:
            if base is None:
                await _set_base(tx, line.id, state, score, today)
            return None
        limit, used, rate = from_fen(line.limit_fen), from_fen(line.used_fen), ppm_to_rate(line.daily_rate_ppm)
        terms = policy_terms(score, _inputs(app), settings) if app else None
        if terms is not None and terms.outcome == "APPROVED":
            base_terms = policy_terms(base, _inputs(app), settings)
            # Scale the current limit as the policy's offer scales between the two scores, so a
            # limit earned by good repayment shrinks in proportion rather than back to an offer.
            share = terms.limit / base_terms.limit if base_terms.limit > 0 else Decimal(1)
            target = (limit * min(share, Decimal(1)) / 100).to_integral_value(rounding=ROUND_DOWN) * 100
            new_rate = min(settings.max_daily_rate, max(rate, terms.daily_rate))
        else:
            target = used  # the new score would not be lent to: nothing more to draw
            new_rate = min(settings.max_daily_rate, rate + settings.limit_rate_step)
        await _set_base(tx, line.id, state, score, today)
        new_limit = lowered_limit(limit, used, target)
        if new_limit == limit and new_rate == rate:
            return None
        return await _move(tx, line.id, borrower_id, new_limit, new_rate, SCORE_DECLINED, today, audit.LIMIT_CHANGE,
                           {"score": score, "baseScore": base})


async def change_limit(line_id: int, new_limit: Decimal, *, staff: str, reason: str,
                       daily_rate: Decimal | None = None, today: date | None = None,
                       settings: Settings | None = None) -> LimitChange | None:
    """A limit (and optionally rate) set by staff, inside the same bounds as any line."""
    settings = settings or get_settings()
    staff, reason = (staff or "").strip(), (reason or "").strip()
    if not staff or not reason or len(reason) > 200:
        raise ValidationFailed("a staff user and a reason of 1-200 characters are required", field="reason")
    if new_limit <= 0 or new_limit > settings.max_line_limit or new_limit != new_limit.quantize(Decimal("0.01")):
        raise ValidationFailed(f"the limit must be a positive amount up to {settings.max_line_limit}", field="limit")
    if daily_rate is not None and not settings.min_daily_rate <= daily_rate <= settings.max_daily_rate:
        raise ValidationFailed("the daily rate is outside the product's range", field="dailyRate")
    today = today or await business_date()
    async with in_transaction() as tx:
        line = await CreditLine.filter(id=line_id).select_for_update().using_db(tx).first()
        if line is None:
            raise NotFound("no such credit line")
        if to_fen(new_limit) < line.used_fen:
            raise ValidationFailed(f"the limit cannot go below the {format_money(from_fen(line.used_fen))} in use",
                                   field="limit")
        app = await CreditApplication.filter(credit_line_id=line.id).using_db(tx).order_by("-id").first()
        if app is not None:
            ceiling = income_ceiling(from_fen(app.monthly_income_fen), settings, initial=False)
            if app.segment == "STUDENT":
                ceiling = min(ceiling, settings.student_max_limit)
            if new_limit > ceiling:
                raise ValidationFailed(f"the limit cannot go above {format_money(ceiling)} for this borrower",
                                       field="limit")
        rate = daily_rate if daily_rate is not None else ppm_to_rate(line.daily_rate_ppm)
        return await _move(tx, line.id, line.borrower_id, new_limit, rate, "MANUAL", today, audit.MANUAL_OVERRIDE,
                           {"staff": staff, "note": reason})


def _now(tx) -> Any:
    # SQLite keeps timestamps as str(datetime) text, as Tortoise writes them.
    now = utcnow()
    return now if dialect(tx) == "postgres" else str(now)


async def _set_base(tx, line_id: int, state: CreditLimitState | None, score: int, today: date) -> None:
    if state is None:
        await CreditLimitState.create(credit_line_id=line_id, base_score=score, last_change_on=today, using_db=tx)
    else:
        await CreditLimitState.filter(id=state.id).using_db(tx).update(base_score=score, last_change_on=today)


def _inputs(app: CreditApplication) -> ApplicationInputs:
    return ApplicationInputs(from_fen(app.monthly_income_fen), app.employment_type, app.employment_months,
                             app.housing, from_fen(app.monthly_debt_payments_fen), app.purpose, app.age,
                             BureauReport.from_summary(app.bureau) if app.bureau else None)


async def _move(tx, line_id: int, borrower_id: int, new_limit: Decimal, new_rate: Decimal, reason: str,
                today: date, kind: str, detail: dict[str, Any]) -> LimitChange | None:
    """Set the limit in one statement that holds it at or above the principal in use, even
    against a draw landing at the same moment."""
    before = await CreditLine.get(id=line_id, using_db=tx)
    target = to_fen(new_limit)
    await tx.execute_query(sql(tx, "UPDATE credit_line SET limit_fen = CASE WHEN used_fen > ? THEN used_fen ELSE ? "
                                   "END, daily_rate_ppm = ?, updated_at = ? WHERE id = ?"),
                           [target, target, rate_to_ppm(new_rate), _now(tx), line_id])
    after = await CreditLine.get(id=line_id, using_db=tx)
    if (after.limit_fen, after.daily_rate_ppm) == (before.limit_fen, before.daily_rate_ppm):
        return None
    change = LimitChange(line_id, borrower_id, from_fen(before.limit_fen), from_fen(after.limit_fen),
                         ppm_to_rate(before.daily_rate_ppm), ppm_to_rate(after.daily_rate_ppm), reason)
    data = {"creditLineId": line_id, "oldLimit": format_money(change.old_limit),
            "newLimit": format_money(change.new_limit), "oldDailyRate": format_rate(change.old_rate),
            "dailyRate": format_rate(change.new_rate), "reason": reason}
    await events.append("CREDIT_LIMIT_CHANGED", business_date=today, borrower_id=borrower_id, data=data,
                        using_db=tx)
    await audit.append_block(kind, {**data, "borrowerId": borrower_id, "businessDate": today, **detail}, tx,
                             borrower_id=borrower_id)
    return change
