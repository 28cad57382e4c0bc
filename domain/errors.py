"""Domain errors. Each has a stable ``code`` that the API returns to clients."""

from __future__ import annotations

from decimal import Decimal


class DomainError(Exception):
    code = "DOMAIN_ERROR"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class ValidationFailed(DomainError):
    code = "VALIDATION_ERROR"


class NotFound(DomainError):
    code = "NOT_FOUND"


class NotAllowed(DomainError):
    code = "NOT_ALLOWED"


class InsufficientCredit(DomainError):
    code = "INSUFFICIENT_CREDIT"

    def __init__(self, message: str, *, available: Decimal) -> None:
        super().__init__(message)
        self.available = available


class IdempotencyConflict(DomainError):
    code = "IDEMPOTENCY_CONFLICT"


class Overpayment(ValidationFailed):
    code = "OVERPAYMENT"

    def __init__(self, message: str, *, payoff: Decimal) -> None:
        super().__init__(message, field="amount")
        self.payoff = payoff


class LineNotActive(NotAllowed):
    code = "LINE_NOT_ACTIVE"
