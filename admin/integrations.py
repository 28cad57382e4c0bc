"""The parts of the system that other work provides: application records, the credit model's
score history, reminders sent, the decision chain, the model registry.

A service module that is not installed yet comes back as None, so the page can say so plainly
instead of showing anything made up."""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any

from domain.models import AuditBlock, CreditApplication, Notification, ScoreRecord


def module(name: str) -> ModuleType | None:
    """A domain module that another part of the system provides, or None while it is absent."""
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name and name.startswith(exc.name):
            return None
        raise


async def applications_of(borrower_id: int) -> list[Any]:
    return await CreditApplication.filter(borrower_id=borrower_id).order_by("-id").limit(20)


async def score_history_of(borrower_id: int) -> list[Any]:
    rows = await ScoreRecord.filter(borrower_id=borrower_id).order_by("-id").limit(60)
    return list(reversed(rows))


async def reminders_of(borrower_id: int) -> list[Any]:
    return await Notification.filter(borrower_id=borrower_id).order_by("-id").limit(30)


async def chain_blocks_of(borrower_id: int) -> list[Any]:
    return await AuditBlock.filter(borrower_id=borrower_id).order_by("-seq").limit(20)
