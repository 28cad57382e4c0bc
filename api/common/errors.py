"""The error members of mutation result unions. Every one implements Error."""

from __future__ import annotations

import strawberry

from api.common.scalars import Money, money_str
from domain import errors as domain


@strawberry.interface
class Error:
    code: str
    message: str


@strawberry.type
class ValidationError(Error):
    field: str | None = None


@strawberry.type
class InsufficientCredit(Error):
    available: Money


@strawberry.type
class IdempotencyConflict(Error):
    pass


@strawberry.type
class NotAllowed(Error):
    pass


@strawberry.type
class TooManyAttempts(Error):
    retry_after_seconds: int


def validation_error(exc: domain.ValidationFailed) -> ValidationError:
    return ValidationError(code=exc.code, message=exc.message, field=exc.field)


def not_allowed(message: str = "sign in as a borrower first", code: str = "NOT_ALLOWED") -> NotAllowed:
    return NotAllowed(code=code, message=message)


def insufficient_credit(exc: domain.InsufficientCredit) -> InsufficientCredit:
    return InsufficientCredit(code=exc.code, message=exc.message, available=Money(money_str(exc.available)))


def idempotency_conflict(exc: domain.IdempotencyConflict) -> IdempotencyConflict:
    return IdempotencyConflict(code=exc.code, message=exc.message)


def refused(exc: domain.NotAllowed | domain.NotFound) -> NotAllowed:
    return NotAllowed(code=exc.code if isinstance(exc, domain.NotAllowed) else "NOT_ALLOWED", message=exc.message)


def error_member(exc: domain.DomainError) -> Error:
    """The result-union member a domain error is answered with; any other error is unexpected."""
    if isinstance(exc, domain.InsufficientCredit):
        return insufficient_credit(exc)
    if isinstance(exc, domain.IdempotencyConflict):
        return idempotency_conflict(exc)
    if isinstance(exc, domain.ValidationFailed):
        return validation_error(exc)
    if isinstance(exc, domain.NotAllowed | domain.NotFound):
        return refused(exc)
    raise exc
