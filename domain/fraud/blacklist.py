"""Keeping the blacklist: ID numbers and phones go in as blind indexes, never as plaintext."""

from __future__ import annotations

import ipaddress

from tortoise.exceptions import IntegrityError

from domain import identity
from domain.crypto import cipher_for
from domain.errors import NotFound, ValidationFailed
from domain.fraud.rules import BLACKLIST_KINDS
from domain.models import BlacklistEntry
from domain.settings import Settings, get_settings


def normalize_ip(text: str) -> str:
    return ipaddress.ip_address(text.strip()).compressed


def blacklist_value(kind: str, raw: str, settings: Settings) -> str:
    """The value stored (and looked up) for a raw identifier of a kind."""
    try:
        if kind == "ID_NUMBER":
            return cipher_for(settings).blind_index(identity.parse_resident_id(raw).number)
        if kind == "PHONE":
            return cipher_for(settings).blind_index(identity.normalize_phone(raw))
        if kind == "IP":
            return normalize_ip(raw)
    except identity.IdentityError as exc:
        raise ValidationFailed(exc.message, field="value") from exc
    except ValueError as exc:
        raise ValidationFailed("not an IP address", field="value") from exc
    if kind == "DEVICE":
        value = raw.strip()
        if not value or len(value) > 128:
            raise ValidationFailed("a device id has 1-128 characters", field="value")
        return value
    raise ValidationFailed(f"kind must be one of {', '.join(BLACKLIST_KINDS)}", field="kind")


async def add_to_blacklist(kind: str, raw: str, *, reason: str, actor: str,
                           settings: Settings | None = None) -> BlacklistEntry:
    """Blacklist an identifier; adding one already there returns the existing entry."""
    settings = settings or get_settings()
    value = blacklist_value(kind, raw, settings)
    reason = reason.strip()
    if not reason or len(reason) > 200:
        raise ValidationFailed("a reason of 1-200 characters is required", field="reason")
    existing = await BlacklistEntry.get_or_none(kind=kind, value=value)
    if existing is not None:
        return existing
    try:
        return await BlacklistEntry.create(kind=kind, value=value, reason=reason, added_by=actor)
    except IntegrityError:
        return await BlacklistEntry.get(kind=kind, value=value)


async def remove_from_blacklist(entry_id: int) -> None:
    if not await BlacklistEntry.filter(id=entry_id).delete():
        raise NotFound("no such blacklist entry")
