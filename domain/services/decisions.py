"""Credit decisions for a borrower's application.

A small rule table on income, debts and employment, kept behind `apply_for_credit` so the
scoring engine can take its place without any caller changing."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from domain.commands import ApplyForCredit, OpenCreditLine
from domain.errors import NotAllowed, ValidationFailed
from domain.models import Borrower, CreditLine
from domain.money import round_fen
from domain.services import events
from domain.services.calendar import business_date
from domain.services.credit_lines import open_credit_line
from domain.settings import Settings, get_settings

EMPLOYMENT = ("SALARIED", "SELF_EMPLOYED", "STUDENT", "OTHER")
HOUSING = ("OWN", "MORTGAGE", "RENT", "FAMILY", "OTHER")
# employment type -> (limit as months of income, daily rate)
RULES = {
    "SALARIED": (Decimal(2), Decimal("0.0003")),
    "SELF_EMPLOYED": (Decimal("1.5"), Decimal("0.0004")),
    "OTHER": (Decimal(1), Decimal("0.0005")),
}
MIN_LIMIT, MAX_INITIAL_LIMIT = Decimal(500), Decimal(30000)


@dataclass(frozen=True)
class CreditDecisionResult:
    outcome: str  # APPROVED, DECLINED, REVIEW
    reasons: list[str] = field(default_factory=list)
    score: int | None = None
    credit_line: CreditLine | None = None


def validate(cmd: ApplyForCredit) -> None:
    if cmd.monthly_income <= 0:
        raise ValidationFailed("monthly income must be positive", field="monthlyIncome")
    if cmd.monthly_debt_payments < 0:
        raise ValidationFailed("monthly debt payments cannot be negative", field="monthlyDebtPayments")
    if cmd.employment_type not in EMPLOYMENT:
        raise ValidationFailed("unknown employment type", field="employmentType")
    if cmd.housing not in HOUSING:
        raise ValidationFailed("unknown housing", field="housing")
    if not 0 <= cmd.employment_months <= 600:
        raise ValidationFailed("employment months must be between 0 and 600", field="employmentMonths")
    if not cmd.device_id.strip() or len(cmd.device_id) > 128:
        raise ValidationFailed("a device id of 1-128 characters is required", field="deviceId")
    if not cmd.purpose.strip() or len(cmd.purpose) > 200:
        raise ValidationFailed("a purpose of 1-200 characters is required", field="purpose")


def rule_decision(cmd: ApplyForCredit, settings: Settings) -> tuple[str, list[str], Decimal, Decimal]:
    if cmd.employment_type == "STUDENT":
        return "DECLINED", ["STUDENT_LENDING_RESTRICTED"], Decimal(0), Decimal(0)
    if cmd.monthly_debt_payments > cmd.monthly_income / 2:
        return "DECLINED", ["DEBT_TO_INCOME_TOO_HIGH"], Decimal(0), Decimal(0)
    if cmd.employment_months < 3:
        return "REVIEW", ["SHORT_EMPLOYMENT"], Decimal(0), Decimal(0)
    months, rate = RULES[cmd.employment_type]
    limit = min(cmd.monthly_income * months, cmd.monthly_income * 12 / 3, MAX_INITIAL_LIMIT, settings.max_line_limit)
    limit = round_fen(Decimal(int(limit / 100) * 100))
    if limit < MIN_LIMIT:
        return "DECLINED", ["INCOME_TOO_LOW"], Decimal(0), Decimal(0)
    return "APPROVED", [], limit, rate


async def apply_for_credit(cmd: ApplyForCredit, *, today: date | None = None,
                           settings: Settings | None = None) -> CreditDecisionResult:
    settings = settings or get_settings()
    validate(cmd)
    borrower = await Borrower.get_or_none(id=cmd.borrower_id)
    if borrower is None:
        raise NotAllowed("no such borrower")
    if await CreditLine.exists(borrower_id=borrower.id):
        raise NotAllowed("the borrower already has a credit line")
    today = today or await business_date()
    outcome, reasons, limit, rate = rule_decision(cmd, settings)
    line = None
    if outcome == "APPROVED":
        line = await open_credit_line(OpenCreditLine(borrower.id, limit, rate), today=today, settings=settings)
    await events.append("CREDIT_DECISION", business_date=today, borrower_id=borrower.id,
                        data={"outcome": outcome, "reasons": reasons,
                              "limit": f"{limit:.2f}" if line else None})
    return CreditDecisionResult(outcome, reasons, None, line)
