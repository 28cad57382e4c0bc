"""Partner systems and their API keys.

A key is shown once, when it is made; only its SHA-256 is stored. Keys are 32 random bytes,
so a plain hash is enough: there is nothing to guess that a slow hash would protect.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass

from tortoise.exceptions import IntegrityError

from domain.errors import NotFound, ValidationFailed
from domain.models import Partner
from domain.services.calendar import utcnow

SCOPES = ("events:read", "pools:read")
KEY_PREFIX = "sxp_"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}$")


@dataclass(frozen=True)
class PartnerPrincipal:
    id: int
    name: str
    scopes: frozenset[str]

    def can(self, scope: str) -> bool:
        return scope in self.scopes


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def looks_like_partner_key(text: str) -> bool:
    return text.startswith(KEY_PREFIX)


def parse_scopes(text: str | list[str] | tuple[str, ...]) -> list[str]:
    items = text.split(",") if isinstance(text, str) else list(text)
    scopes = sorted({s.strip() for s in items if s.strip()})
    if not scopes:
        raise ValidationFailed("at least one scope is required", field="scopes")
    unknown = [s for s in scopes if s not in SCOPES]
    if unknown:
        raise ValidationFailed(f"unknown scope {unknown[0]!r}; known: {', '.join(SCOPES)}", field="scopes")
    return scopes


async def create_partner(name: str, scopes: str | list[str]) -> tuple[Partner, str]:
    """Register a partner; returns the row and its API key, which is never available again."""
    name = (name or "").strip()
    if not _NAME.match(name):
        raise ValidationFailed("name: 1-64 letters, digits, spaces, '.', '_' or '-'", field="name")
    wanted = parse_scopes(scopes)
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    try:
        partner = await Partner.create(name=name, key_prefix=key[:12], key_hash=hash_key(key), scopes=",".join(wanted))
    except IntegrityError as exc:
        raise ValidationFailed(f"a partner named {name!r} exists", field="name") from exc
    return partner, key


async def revoke_partner(name: str) -> Partner:
    partner = await Partner.get_or_none(name=(name or "").strip())
    if partner is None:
        raise NotFound(f"no partner named {name!r}")
    if partner.revoked_at is None:
        partner.revoked_at = utcnow()
        await partner.save(update_fields=["revoked_at"])
    return partner


async def authenticate_partner(key: str) -> PartnerPrincipal | None:
    if not looks_like_partner_key(key or ""):
        return None
    partner = await Partner.get_or_none(key_hash=hash_key(key), revoked_at=None)
    if partner is None:
        return None
    return PartnerPrincipal(partner.id, partner.name, frozenset(partner.scopes.split(",")))
