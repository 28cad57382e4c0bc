"""Borrower sign-in: signed, expiring, revocable bearer tokens and throttled password checks.

A token reads ``v1.<session id>.<borrower id>.<expiry>.<signature>``: the signature is an
HMAC-SHA256 of the rest under a key derived from the application secret, so a token cannot
be forged or altered, and the session row it names can be revoked before it expires.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

from tortoise.expressions import F

from domain import identity, passwords
from domain.crypto import cipher_for
from domain.errors import DomainError, ValidationFailed
from domain.models import Borrower, BorrowerSession, BorrowerSignInThrottle
from domain.services.calendar import utcnow
from domain.settings import Settings

TOKEN_VERSION = "v1"
_TOKEN_LABEL = b"suixing/borrower-token/v1"

# Checked when the phone is unknown, so that a wrong phone and a wrong password take as long.
_DUMMY_HASH = passwords.hash_password("not-a-real-password-0")


class SignInThrottled(DomainError):
    code = "TOO_MANY_ATTEMPTS"

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


@dataclass(frozen=True)
class TokenClaims:
    session_id: str
    borrower_id: int
    expires_at: int  # Unix seconds


@dataclass(frozen=True)
class SignedIn:
    borrower: Borrower
    token: str


@lru_cache(maxsize=8)
def _signing_key(secret: str) -> bytes:
    return hmac.new(secret.encode(), _TOKEN_LABEL, hashlib.sha256).digest()


def _sign(body: str, secret: str) -> str:
    digest = hmac.new(_signing_key(secret), body.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def issue_token(claims: TokenClaims, settings: Settings) -> str:
    body = f"{TOKEN_VERSION}.{claims.session_id}.{claims.borrower_id}.{claims.expires_at}"
    return f"{body}.{_sign(body, settings.secret_key)}"


def read_token(token: str, settings: Settings, *, now: datetime | None = None) -> TokenClaims | None:
    """The claims of a well-signed, unexpired token; None for anything else. No database access."""
    parts = (token or "").split(".")
    if len(parts) != 5 or parts[0] != TOKEN_VERSION:
        return None
    body, signature = ".".join(parts[:4]), parts[4]
    if not hmac.compare_digest(signature, _sign(body, settings.secret_key)):
        return None
    try:
        claims = TokenClaims(parts[1], int(parts[2]), int(parts[3]))
    except ValueError:
        return None
    if claims.expires_at <= int((now or utcnow()).timestamp()):
        return None
    return claims


def looks_like_borrower_token(text: str) -> bool:
    return text.startswith(TOKEN_VERSION + ".")


async def start_session(borrower_id: int, settings: Settings, *, now: datetime | None = None) -> str:
    """Open a session and return its bearer token."""
    now = now or utcnow()
    expires = now + timedelta(seconds=settings.token_ttl_seconds)
    session = await BorrowerSession.create(
        id=secrets.token_hex(16), borrower_id=borrower_id, created_at=now, expires_at=expires
    )
    return issue_token(TokenClaims(session.id, borrower_id, int(expires.timestamp())), settings)


async def authenticate(token: str, settings: Settings) -> TokenClaims | None:
    """The claims of a token whose session is still open: one indexed lookup."""
    claims = read_token(token, settings)
    if claims is None:
        return None
    alive = await BorrowerSession.filter(
        id=claims.session_id, borrower_id=claims.borrower_id, revoked_at=None, expires_at__gt=utcnow()
    ).exists()
    return claims if alive else None


async def revoke_session(session_id: str) -> bool:
    return bool(await BorrowerSession.filter(id=session_id, revoked_at=None).update(revoked_at=utcnow()))


async def revoke_all_sessions(borrower_id: int) -> int:
    return await BorrowerSession.filter(borrower_id=borrower_id, revoked_at=None).update(revoked_at=utcnow())


def check_new_password(password: str) -> None:
    try:
        passwords.validate_password_strength(password or "")
    except ValueError as exc:
        raise ValidationFailed(str(exc), field="password") from exc


async def hash_new_password(password: str) -> str:
    """Validate and hash off the event loop (argon2id takes tens of milliseconds of CPU)."""
    check_new_password(password)
    return await asyncio.to_thread(passwords.hash_password, password)


async def sign_in(phone: str, password: str, settings: Settings) -> SignedIn:
    """Check a phone and password. A locked-out phone is refused before the password is looked
    at. Each attempt takes a slot of the window before the check (so parallel guesses cannot
    slip past the count); a success gives it back, a failure is answered a little more slowly
    than the one before, and the last allowed failure locks the phone out."""
    try:
        normalized = identity.normalize_phone(phone)
    except identity.IdentityError as exc:
        raise ValidationFailed(str(exc), field="phone") from exc
    phone_hash = cipher_for(settings).blind_index(normalized)
    now = utcnow()
    attempt = await _take_attempt(phone_hash, now, settings)
    borrower = await Borrower.get_or_none(phone_hash=phone_hash)
    stored = borrower.password_hash if borrower is not None and borrower.password_hash else _DUMMY_HASH
    ok = await asyncio.to_thread(passwords.verify_password, stored, password or "")
    if not ok or borrower is None or not borrower.password_hash:
        if attempt >= settings.sign_in_max_failures:
            await _lock_out(phone_hash, now, settings)
        delay_ms = min(settings.sign_in_delay_ms * 2 ** (attempt - 1), settings.sign_in_delay_max_ms)
        await asyncio.sleep(delay_ms / 1000)
        raise ValidationFailed("the phone number or password is wrong", field="password")
    await BorrowerSignInThrottle.filter(phone_hash=phone_hash).delete()
    if passwords.needs_rehash(borrower.password_hash):
        new_hash = await asyncio.to_thread(passwords.hash_password, password)
        await Borrower.filter(id=borrower.id).update(password_hash=new_hash)
    return SignedIn(borrower, await start_session(borrower.id, settings, now=now))


async def _take_attempt(phone_hash: str, now: datetime, settings: Settings) -> int:
    """Count one attempt in the phone's window, atomically; refuse while it is locked out."""
    row, _ = await BorrowerSignInThrottle.get_or_create(phone_hash=phone_hash, defaults={"window_started_at": now})
    if row.locked_until is not None and row.locked_until > now:
        wait = int((row.locked_until - now).total_seconds()) + 1
        raise SignInThrottled(f"too many failed sign-ins; try again in {wait} seconds", retry_after=wait)
    rows = BorrowerSignInThrottle.filter(phone_hash=phone_hash)
    window = timedelta(seconds=settings.sign_in_window_seconds)
    await rows.filter(window_started_at__lte=now - window).update(failures=0, window_started_at=now)
    await rows.update(failures=F("failures") + 1)
    failures = (await rows.get()).failures
    if failures > settings.sign_in_max_failures:
        # Parallel attempts beyond the allowance: lock out now.
        await _lock_out(phone_hash, now, settings)
        raise SignInThrottled("too many failed sign-ins; try again later",
                              retry_after=settings.sign_in_lockout_seconds)
    return failures


async def _lock_out(phone_hash: str, now: datetime, settings: Settings) -> None:
    until = now + timedelta(seconds=settings.sign_in_lockout_seconds)
    # The lock-out starts a fresh window for when it ends.
    await BorrowerSignInThrottle.filter(phone_hash=phone_hash).update(
        locked_until=until, failures=0, window_started_at=until
    )
