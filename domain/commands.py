"""Commands: what an entry point asks the domain to do, named as orders."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal


@dataclass(frozen=True)
class RegisterBorrower:
    phone: str
    name: str
    id_number: str
    agreement_version: str
    password_hash: str | None = None
    segment: str = "GENERAL"
    consented_at: datetime | None = None


@dataclass(frozen=True)
class OpenCreditLine:
    borrower_id: int
    limit: Decimal
    daily_rate: Decimal


@dataclass(frozen=True)
class Drawdown:
    borrower_id: int
    amount: Decimal
    method: str
    idempotency_key: str
    term_months: int | None = None
    term_days: int | None = None


@dataclass(frozen=True)
class Repay:
    borrower_id: int
    loan_id: int
    amount: Decimal
    idempotency_key: str
    # SHORTEN_TERM or LOWER_INSTALLMENT: what a payment beyond what is due does to the schedule.
    prepayment_mode: str = "SHORTEN_TERM"


@dataclass(frozen=True)
class ChangeLineStatus:
    line_id: int
    reason: str = "MANUAL"
    actor: str = "system"


@dataclass(frozen=True)
class Guardian:
    """A student's second source of repayment, where the operator's licence allows students."""

    name: str
    phone: str
    id_number: str
    relationship: str = "PARENT"


@dataclass(frozen=True)
class ApplyForCredit:
    borrower_id: int
    monthly_income: Decimal
    employment_type: str  # SALARIED, SELF_EMPLOYED, STUDENT, OTHER
    employment_months: int
    housing: str  # OWN, MORTGAGE, RENT, FAMILY, OTHER
    monthly_debt_payments: Decimal
    purpose: str
    device_id: str
    ip: str | None = None
    guardian: Guardian | None = None
