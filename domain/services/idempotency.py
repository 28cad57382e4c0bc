"""Idempotency keys for money mutations."""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal
from typing import Any

from domain.errors import IdempotencyConflict, ValidationFailed
from domain.models import IdempotencyRecord


def request_hash(payload: dict[str, Any]) -> str:
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def canonical_amount(amount: Decimal) -> str:
    """One spelling per amount, so 300, 300.0 and 300.00 are the same request."""
    return str(Decimal(amount).normalize())


def check_key(key: str) -> str:
    key = (key or "").strip()
    if not 1 <= len(key) <= 128:
        raise ValidationFailed("idempotency key must be 1-128 characters", field="idempotencyKey")
    return key


async def find_previous(scope: str, owner_id: int, key: str, digest: str, using_db=None) -> int | None:
    """The result id of an earlier identical request, None if the key is new; a different
    request under the same key is a conflict."""
    record = await IdempotencyRecord.get_or_none(scope=scope, owner_id=owner_id, key=key, using_db=using_db)
    if record is None:
        return None
    if record.request_hash != digest:
        raise IdempotencyConflict("this idempotency key was used for a different request")
    return record.result_id
