"""Staff accounts, sign-in with throttling, sessions, and the audit log of staff actions."""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F
from tortoise.transactions import in_transaction

from domain import passwords
from domain.commands import ChangeLineStatus
from domain.errors import DomainError, NotAllowed, NotFound, ValidationFailed
from domain.models import CreditLine, Notification, StaffAction, StaffSession, StaffSignInThrottle, StaffUser
from domain.money import MoneyFormatError, format_money, from_fen, parse_money, to_fen
from domain.services import credit_lines
from domain.services.calendar import utcnow
from domain.settings import Settings

ROLES = ("admin", "risk", "operator", "viewer")
LANGUAGES = ("zh", "en")
USERNAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{2,63}$")

# Sign-in throttling: the first few failures cost nothing, then each further attempt must
# wait twice as long as the one before, and after LOCK_AFTER failures the name is refused
# for LOCK_MINUTES whatever the password.
FREE_FAILURES = 3
LOCK_AFTER = 10
LOCK_MINUTES = 15
SESSION_HOURS = 8

# Checked against when the user name is unknown, so that a wrong name and a wrong password
# take the same time.
_DUMMY_HASH = passwords.hash_password("not-a-real-password-0")


class InvalidCredentials(DomainError):
    code = "INVALID_CREDENTIALS"


class SignInThrottled(DomainError):
    code = "SIGN_IN_THROTTLED"

    def __init__(self, message: str, *, retry_after: int, locked: bool) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.locked = locked


@dataclass(frozen=True)
class Actor:
    """Who is acting, as recorded in the audit log."""

    staff_id: int | None
    username: str
    role: str = "viewer"
    ip: str | None = None


def normalize_username(username: str) -> str:
    return (username or "").strip().lower()


def validate_role(role: str) -> str:
    if role not in ROLES:
        raise ValidationFailed(f"role must be one of {', '.join(ROLES)}", field="role")
    return role


def validate_new_password(password: str) -> None:
    try:
        passwords.validate_password_strength(password or "")
    except ValueError as exc:
        raise ValidationFailed(str(exc), field="password") from exc


async def create_staff(username: str, role: str, password: str, *, display_name: str = "",
                       actor: Actor | None = None) -> StaffUser:
    name = normalize_username(username)
    if not USERNAME.match(name):
        raise ValidationFailed("user name: 3-64 characters of a-z, 0-9, '.', '_' or '-'", field="username")
    validate_role(role)
    validate_new_password(password)
    if await StaffUser.exists(username=name):
        raise ValidationFailed("this user name is taken", field="username")
    try:
        user = await StaffUser.create(username=name, role=role, password_hash=passwords.hash_password(password),
                                      display_name=(display_name or "").strip()[:64])
    except IntegrityError as exc:
        raise ValidationFailed("this user name is taken", field="username") from exc
    await record_action(actor or Actor(None, "system"), "staff.create", "staff", user.id,
                        after={"username": name, "role": role, "active": True})
    return user


def _delay_seconds(failures: int) -> int:
    return 0 if failures <= FREE_FAILURES else 2 ** (failures - FREE_FAILURES)


async def authenticate(username: str, password: str, *, now: datetime | None = None) -> StaffUser:
    """Check a sign-in. Refuses while the name is throttled, before even looking at the password."""
    now = now or utcnow()
    name = normalize_username(username)[:64]
    throttle = await StaffSignInThrottle.get_or_none(username=name)
    if throttle is not None:
        if throttle.locked_until and throttle.locked_until > now:
            wait = int((throttle.locked_until - now).total_seconds()) + 1
            raise SignInThrottled("too many failed sign-ins; this account is locked for now",
                                  retry_after=wait, locked=True)
        ready_at = (throttle.last_failed_at or now) + timedelta(seconds=_delay_seconds(throttle.failures))
        if ready_at > now:
            raise SignInThrottled("too many failed sign-ins; wait before trying again",
                                  retry_after=int((ready_at - now).total_seconds()) + 1, locked=False)
    user = await StaffUser.get_or_none(username=name) if name else None
    ok = passwords.verify_password(user.password_hash if user else _DUMMY_HASH, password or "")
    if not ok or user is None or not user.active:
        await _count_failure(name, now)
        raise InvalidCredentials("wrong user name or password")
    if throttle is not None:
        await StaffSignInThrottle.filter(username=name).delete()
    changes: dict[str, Any] = {"last_sign_in_at": now}
    if passwords.needs_rehash(user.password_hash):
        changes["password_hash"] = passwords.hash_password(password)
    await StaffUser.filter(id=user.id).update(**changes)
    return user


async def _count_failure(name: str, now: datetime) -> None:
    if not name:
        return
    row, created = await StaffSignInThrottle.get_or_create(username=name, defaults={"failures": 0})
    await StaffSignInThrottle.filter(id=row.id).update(failures=F("failures") + 1, last_failed_at=now)
    failures = row.failures + 1
    if failures >= LOCK_AFTER:
        await StaffSignInThrottle.filter(id=row.id).update(locked_until=now + timedelta(minutes=LOCK_MINUTES))


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def open_session(user: StaffUser, *, now: datetime | None = None, ip: str | None = None,
                       hours: int = SESSION_HOURS) -> tuple[str, StaffSession]:
    """A new session; returns the token for the cookie (only its hash is stored)."""
    now = now or utcnow()
    token = secrets.token_urlsafe(32)
    session = await StaffSession.create(token_hash=_token_hash(token), staff_id=user.id,
                                        csrf_token=secrets.token_urlsafe(32), created_at=now,
                                        expires_at=now + timedelta(hours=hours), ip=(ip or "")[:64] or None)
    return token, session


async def load_session(token: str, *, now: datetime | None = None) -> StaffSession | None:
    """The live session for a token, with its staff user loaded, in one query."""
    if not token:
        return None
    now = now or utcnow()
    session = (await StaffSession.filter(token_hash=_token_hash(token), revoked_at=None, expires_at__gt=now,
                                         staff__active=True).select_related("staff").first())
    return session


async def revoke_session(token: str) -> None:
    await StaffSession.filter(token_hash=_token_hash(token), revoked_at=None).update(revoked_at=utcnow())


async def set_language(user_id: int, language: str) -> None:
    if language not in LANGUAGES:
        raise ValidationFailed("unknown language", field="language")
    await StaffUser.filter(id=user_id).update(language=language)


async def record_action(actor: Actor, action: str, target_type: str, target_id: Any = None, *,
                        before: dict | None = None, after: dict | None = None, reason: str | None = None,
                        borrower_id: int | None = None, using_db=None) -> StaffAction:
    return await StaffAction.create(
        staff_id=actor.staff_id, username=actor.username, action=action, target_type=target_type,
        target_id=None if target_id is None else str(target_id), borrower_id=borrower_id, before=before,
        after=after, reason=reason, ip=actor.ip, at=utcnow(), using_db=using_db,
    )


@asynccontextmanager
async def audited(actor: Actor, action: str, target_type: str, target_id: Any = None, *,
                  borrower_id: int | None = None, reason: str | None = None) -> AsyncIterator[dict[str, Any]]:
    """Run a service call and its audit record in one transaction. The caller fills in
    "before" and "after" (and may set "borrower_id" or "target_id") on the yielded dict."""
    record: dict[str, Any] = {"before": None, "after": None, "borrower_id": borrower_id, "target_id": target_id}
    async with in_transaction() as tx:
        yield record
        await record_action(actor, action, target_type, record["target_id"], before=record["before"],
                            after=record["after"], reason=reason, borrower_id=record["borrower_id"], using_db=tx)


def _staff_view(user: StaffUser) -> dict[str, Any]:
    return {"username": user.username, "role": user.role, "active": user.active}


async def _other_admins(user_id: int) -> int:
    return await StaffUser.filter(role="admin", active=True).exclude(id=user_id).count()


async def update_staff(actor: Actor, staff_id: int, *, role: str | None = None, active: bool | None = None,
                       password: str | None = None) -> StaffUser:
    """Change a member of staff's role, active flag or password. The last active admin
    cannot be demoted or disabled, so the console never loses its administrators."""
    user = await StaffUser.get_or_none(id=staff_id)
    if user is None:
        raise NotFound("no such member of staff")
    before = _staff_view(user)
    changes: dict[str, Any] = {}
    if role is not None and role != user.role:
        changes["role"] = validate_role(role)
    if active is not None and active != user.active:
        changes["active"] = active
    if password:
        validate_new_password(password)
        changes["password_hash"] = passwords.hash_password(password)
    if not changes:
        return user
    losing_admin = user.role == "admin" and user.active and (
        changes.get("role", "admin") != "admin" or changes.get("active", True) is False)
    if losing_admin and not await _other_admins(user.id):
        raise NotAllowed("the last active admin cannot be demoted or disabled")
    await StaffUser.filter(id=user.id).update(**changes)
    if changes.get("active") is False or "password_hash" in changes:
        await StaffSession.filter(staff_id=user.id, revoked_at=None).update(revoked_at=utcnow())
    await user.refresh_from_db()
    after = _staff_view(user)
    if "password_hash" in changes:
        after["password"] = "changed"
    await record_action(actor, "staff.update", "staff", user.id, before=before, after=after)
    return user


# Credit-line actions taken by staff. Each runs the lending service and writes its audit row
# in the same transaction, so an action is never done without its record, nor recorded undone.

def _line_view(line: CreditLine) -> dict[str, Any]:
    return {"status": line.status, "frozenReason": line.frozen_reason,
            "limit": format_money(from_fen(line.limit_fen)), "used": format_money(from_fen(line.used_fen))}


async def _load_line(line_id: int, tx) -> CreditLine:
    line = await CreditLine.get_or_none(id=line_id, using_db=tx)
    if line is None:
        raise NotFound("no such credit line")
    return line


def _clean_reason(reason: str, *, required: bool) -> str:
    text = (reason or "").strip()
    if required and not text:
        raise ValidationFailed("a reason is required", field="reason")
    if len(text) > 500:
        raise ValidationFailed("the reason is limited to 500 characters", field="reason")
    return text


async def _change_status(actor: Actor, line_id: int, reason: str, action: str, service) -> CreditLine:
    note = _clean_reason(reason, required=False)
    async with audited(actor, f"line.{action}", "credit_line", line_id, reason=note or None) as record:
        line = await _load_line(line_id, None)
        record["before"], record["borrower_id"] = _line_view(line), line.borrower_id
        line = await service(ChangeLineStatus(line_id, reason="MANUAL", actor=actor.username))
        record["after"] = _line_view(line)
        return line


async def freeze_line(actor: Actor, line_id: int, reason: str = "") -> CreditLine:
    return await _change_status(actor, line_id, reason, "freeze", credit_lines.freeze)


async def unfreeze_line(actor: Actor, line_id: int, reason: str = "") -> CreditLine:
    return await _change_status(actor, line_id, reason, "unfreeze", credit_lines.unfreeze)


_GROUPED = re.compile(r"^\d{1,3}(,\d{3})+(\.\d{1,2})?$")


def parse_limit(text: str) -> Decimal:
    """A typed amount: 12000, 12000.50 or 12,000.50 (commas only between groups of three)."""
    text = (text or "").strip()
    if _GROUPED.match(text):
        text = text.replace(",", "")
    try:
        return parse_money(text)
    except MoneyFormatError as exc:
        raise ValidationFailed("enter an amount such as 12000 or 12000.50", field="limit") from exc


async def change_limit(actor: Actor, line_id: int, new_limit: Decimal, reason: str, *,
                       settings: Settings | None = None) -> CreditLine:
    """Set a line's limit by hand, through the limit engine (which keeps it at or above the
    principal drawn, emits the event and appends a manual-override block to the decision chain)."""
    note = _clean_reason(reason, required=True)
    if len(note) > 200:
        raise ValidationFailed("the reason is limited to 200 characters", field="reason")
    async with in_transaction() as tx:
        line = await _load_line(line_id, tx)
        before = _line_view(line)
        if to_fen(new_limit) < line.used_fen:
            raise ValidationFailed("the limit cannot go below the principal drawn on the line", field="limit")
        # Imported here: the limit engine brings the credit model's libraries, slow to load.
        from domain.services import limits

        change = await limits.change_limit(line.id, new_limit, staff=actor.username, reason=note, settings=settings)
        if change is None:
            raise ValidationFailed("the limit is already this amount", field="limit")
        await line.refresh_from_db(using_db=tx)
        await record_action(actor, "line.limit", "credit_line", line.id, before=before, after=_line_view(line),
                            reason=note, borrower_id=line.borrower_id, using_db=tx)
        return line


async def resend_reminder(actor: Actor, notification_id: int) -> Notification:
    """Put a failed reminder back in the queue, to go out at the next run (quiet hours still apply)."""
    async with audited(actor, "reminder.resend", "notification", notification_id) as record:
        note = await Notification.get_or_none(id=notification_id)
        if note is None:
            raise NotFound("no such reminder")
        record["borrower_id"] = note.borrower_id
        record["before"] = {"status": note.status, "attempts": note.attempts, "error": note.error}
        moved = await Notification.filter(id=note.id, status="FAILED").update(
            status="PENDING", attempts=0, scheduled_for=utcnow(), claimed_at=None)
        if not moved:
            raise NotAllowed("only a failed reminder can be sent again")
        await note.refresh_from_db()
        record["after"] = {"status": note.status, "attempts": note.attempts}
        return note
