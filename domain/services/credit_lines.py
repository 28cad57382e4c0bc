"""Opening, freezing and unfreezing credit lines."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from tortoise.transactions import in_transaction

from domain.commands import ChangeLineStatus, OpenCreditLine
from domain.errors import NotAllowed, NotFound, ValidationFailed
from domain.models import Borrower, CreditLine
from domain.money import FEN, format_money, format_rate, from_fen, rate_to_ppm, to_fen
from domain.services import events
from domain.services.calendar import business_date
from domain.settings import Settings, get_settings


def validate_terms(limit: Decimal, daily_rate: Decimal, settings: Settings) -> None:
    if limit <= 0 or limit != limit.quantize(FEN):
        raise ValidationFailed("limit must be a positive amount in whole fen", field="limit")
    if limit > settings.max_line_limit:
        raise ValidationFailed(f"a line is never above {settings.max_line_limit} CNY", field="limit")
    if not settings.min_daily_rate <= daily_rate <= settings.max_daily_rate:
        raise ValidationFailed(
            f"daily rate must be between {settings.min_daily_rate} and {settings.max_daily_rate}",
            field="dailyRate",
        )
    try:
        rate_to_ppm(daily_rate)
    except ValueError as exc:
        raise ValidationFailed(str(exc), field="dailyRate") from exc


async def open_credit_line(cmd: OpenCreditLine, *, today: date | None = None,
                           settings: Settings | None = None) -> CreditLine:
    """Open a line at a limit and rate decided by the caller (the credit decision)."""
    settings = settings or get_settings()
    validate_terms(cmd.limit, cmd.daily_rate, settings)
    async with in_transaction() as tx:
        borrower = await Borrower.get_or_none(id=cmd.borrower_id, using_db=tx)
        if borrower is None:
            raise NotFound("no such borrower")
        if await CreditLine.exists(borrower_id=cmd.borrower_id, using_db=tx):
            raise NotAllowed("the borrower already has a credit line")
        today = today or await business_date()
        line = await CreditLine.create(
            borrower_id=cmd.borrower_id,
            limit_fen=to_fen(cmd.limit),
            daily_rate_ppm=rate_to_ppm(cmd.daily_rate),
            opened_on=today,
            using_db=tx,
        )
        await events.append(
            "CREDIT_LIMIT_CHANGED",
            business_date=today,
            borrower_id=cmd.borrower_id,
            data={
                "creditLineId": line.id,
                "oldLimit": "0.00",
                "newLimit": format_money(cmd.limit),
                "dailyRate": format_rate(cmd.daily_rate),
                "reason": "LINE_OPENED",
            },
            using_db=tx,
        )
        return line


async def _set_status(cmd: ChangeLineStatus, *, to: str, allowed_from: tuple[str, ...], event: str,
                      today: date | None) -> CreditLine:
    async with in_transaction() as tx:
        line = await CreditLine.get_or_none(id=cmd.line_id, using_db=tx)
        if line is None:
            raise NotFound("no such credit line")
        if line.status == to:
            return line
        if line.status not in allowed_from:
            raise NotAllowed(f"a {line.status.lower()} line cannot become {to.lower()}")
        updated = await CreditLine.filter(id=line.id, status=line.status).using_db(tx).update(
            status=to, frozen_reason=cmd.reason if to == "FROZEN" else None
        )
        if not updated:
            raise NotAllowed("the line changed meanwhile; try again")
        await events.append(
            event,
            business_date=today or await business_date(),
            borrower_id=line.borrower_id,
            data={"creditLineId": line.id, "reason": cmd.reason, "actor": cmd.actor},
            using_db=tx,
        )
        await line.refresh_from_db(using_db=tx)
        return line


async def freeze(cmd: ChangeLineStatus, *, today: date | None = None) -> CreditLine:
    return await _set_status(cmd, to="FROZEN", allowed_from=("ACTIVE",), event="CREDIT_LINE_FROZEN", today=today)


async def unfreeze(cmd: ChangeLineStatus, *, today: date | None = None) -> CreditLine:
    return await _set_status(cmd, to="ACTIVE", allowed_from=("FROZEN",), event="CREDIT_LINE_UNFROZEN",
                             today=today)


def available(line: CreditLine) -> Decimal:
    return from_fen(max(line.limit_fen - line.used_fen, 0))
