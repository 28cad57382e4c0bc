"""Deciding an application for a credit line.

validate -> fraud screen -> student policy -> bureau -> score -> policy; then, in one
transaction: the application row, the line when approved, the score in the borrower's score
history, a CREDIT_DECISION event and a CREDIT_DECISION block in the decision chain. The
bureau is asked before the transaction opens, so a slow bureau never holds database locks, and
not at all when fraud or the student policy has already decided.

The outcome is the strictest of what fraud, the bureau and the policy say: DECLINED over
REVIEW over APPROVED, with every reason kept. Without the bureau an application is never
approved, nor declined on its score alone: it goes to a person."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from domain import audit, fraud, identity
from domain.bureau import Bureau, BureauReport, BureauUnavailable, bureau_for
from domain.commands import ApplyForCredit, OpenCreditLine
from domain.crypto import cipher_for
from domain.errors import NotAllowed, ValidationFailed
from domain.models import Borrower, CreditApplication, CreditLine
from domain.money import format_money, format_rate, rate_to_ppm, to_fen
from domain.services import events, scoring
from domain.services._scorer import ApplicationInputs, Scored, Terms, knockouts, policy_terms, score_application
from domain.services.calendar import business_date, utcnow
from domain.services.credit_lines import open_credit_line
from domain.settings import Settings, get_settings

EMPLOYMENT = ("SALARIED", "SELF_EMPLOYED", "STUDENT", "OTHER")
HOUSING = ("OWN", "MORTGAGE", "RENT", "FAMILY", "OTHER")
GUARDIAN_RELATIONSHIPS = ("PARENT", "GUARDIAN", "RELATIVE")
_SEVERITY = {"APPROVED": 0, "REVIEW": 1, "DECLINED": 2}


@dataclass(frozen=True)
class CreditDecisionResult:
    outcome: str  # APPROVED, DECLINED, REVIEW
    reasons: list[str] = field(default_factory=list)
    score: int | None = None
    credit_line: CreditLine | None = None
    application_id: int | None = None


def validate(cmd: ApplyForCredit) -> None:
    if cmd.monthly_income <= 0 or cmd.monthly_income > Decimal("10000000"):
        raise ValidationFailed("monthly income must be positive", field="monthlyIncome")
    if cmd.monthly_debt_payments < 0 or cmd.monthly_debt_payments > Decimal("10000000"):
        raise ValidationFailed("monthly debt payments cannot be negative", field="monthlyDebtPayments")
    for value, name in ((cmd.monthly_income, "monthlyIncome"), (cmd.monthly_debt_payments, "monthlyDebtPayments")):
        try:
            to_fen(value)
        except ValueError as exc:
            raise ValidationFailed("amounts are in whole fen", field=name) from exc
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
    if cmd.ip is not None:
        try:
            fraud.normalize_ip(cmd.ip)
        except ValueError as exc:
            raise ValidationFailed("not an IP address", field="ip") from exc


def guardian_record(guardian: Any, applicant_id_hash: str, today: date, settings: Settings) -> dict[str, Any]:
    """Validate a student's guardian (name, phone, ID number, relationship) and return what is
    stored: the name, encrypted ID and phone, and their blind indexes."""
    try:
        name = identity.validate_name(guardian.name)
        phone = identity.normalize_phone(guardian.phone)
        rid = identity.parse_resident_id(guardian.id_number)
        identity.validate_borrower_age(rid, today, min_age=18, max_age=65)
    except identity.IdentityError as exc:
        raise ValidationFailed(f"guardian: {exc.message}", field=f"guardian.{exc.field}") from exc
    relationship = guardian.relationship
    if relationship not in GUARDIAN_RELATIONSHIPS:
        raise ValidationFailed("unknown guardian relationship", field="guardian.relationship")
    cipher = cipher_for(settings)
    id_hash = cipher.blind_index(rid.number)
    if id_hash == applicant_id_hash:
        raise ValidationFailed("the guardian must be another person", field="guardian.idNumber")
    return {"name": name, "relationship": relationship, "idNumberEnc": cipher.encrypt(rid.number),
            "idNumberHash": id_hash, "phoneEnc": cipher.encrypt(phone), "phoneHash": cipher.blind_index(phone)}


def strictest(*outcomes: str) -> str:
    return max(outcomes, key=_SEVERITY.__getitem__)


async def apply_for_credit(cmd: ApplyForCredit, *, today: date | None = None, settings: Settings | None = None,
                           bureau: Bureau | None = None) -> CreditDecisionResult:
    settings = settings or get_settings()
    validate(cmd)
    borrower = await Borrower.get_or_none(id=cmd.borrower_id)
    if borrower is None:
        raise NotAllowed("no such borrower")
    if await CreditLine.exists(borrower_id=borrower.id):
        raise NotAllowed("the borrower already has a credit line")
    today = today or await business_date()
    now = utcnow()
    cipher = cipher_for(settings)
    id_number = cipher.decrypt(borrower.id_number_enc)
    student = cmd.employment_type == "STUDENT" or borrower.segment == "STUDENT"
    guardian = cmd.guardian
    guardian_row = guardian_record(guardian, borrower.id_number_hash, today, settings) if guardian else None
    age = _age(borrower, today)
    ip = fraud.normalize_ip(cmd.ip) if cmd.ip else None

    screening = await fraud.screen(fraud.Applicant(
        id_number=id_number, id_hash=borrower.id_number_hash, phone_hash=borrower.phone_hash,
        name_hash=cipher.blind_index(borrower.name), device_id=cmd.device_id.strip(), ip=ip,
        monthly_income=cmd.monthly_income, monthly_debt=cmd.monthly_debt_payments,
        employment_months=cmd.employment_months, age=age, today=today, now=now,
    ), settings)
    v = _Verdict({None: "APPROVED", fraud.REVIEW: "REVIEW", fraud.DECLINE: "DECLINED"}[screening.verdict],
                 list(screening.codes), screening)
    if v.outcome != "DECLINED":
        if student and not settings.student_lending_enabled:
            v.outcome, v.reasons = "DECLINED", [*v.reasons, "STUDENT_LENDING_RESTRICTED"]
        elif student and guardian_row is None:
            v.outcome, v.reasons = "DECLINED", [*v.reasons, "GUARDIAN_REQUIRED"]
        else:
            await _assess(v, cmd, id_number, age, student, guardian_row, bureau or bureau_for(settings), settings)
    try:
        app, line = await _record(cmd, borrower, v, ip=ip, age=age, student=student, guardian_row=guardian_row,
                                  today=today, now=now, settings=settings)
    except IntegrityError as exc:
        # A concurrent application of the same borrower opened the line first.
        if await CreditLine.exists(borrower_id=borrower.id):
            raise NotAllowed("the borrower already has a credit line") from exc
        raise
    return CreditDecisionResult(v.outcome, v.reasons, v.scored.score if v.scored else None, line, app.id)


@dataclass
class _Verdict:
    outcome: str
    reasons: list[str]
    screening: fraud.Screening
    report: BureauReport | None = None
    scored: Scored | None = None
    terms: Terms = field(default_factory=lambda: Terms("DECLINED"))


async def _assess(v: _Verdict, cmd: ApplyForCredit, id_number: str, age: int, student: bool,
                  guardian_row: dict[str, Any] | None, bureau: Bureau, settings: Settings) -> None:
    """Bureau, score and policy, folded into the verdict fraud screening began."""
    try:
        v.report = await bureau.report(id_number)
    except BureauUnavailable:
        v.reasons.append("BUREAU_UNAVAILABLE")
    inputs = ApplicationInputs(cmd.monthly_income, cmd.employment_type, cmd.employment_months, cmd.housing,
                               cmd.monthly_debt_payments, cmd.purpose, age, v.report,
                               "GUARANTOR" if guardian_row else "NONE")
    v.scored = await score_application(inputs, settings)
    terms = policy_terms(v.scored.score, inputs, settings)
    if student and terms.limit > settings.student_max_limit:
        terms = Terms(terms.outcome, terms.reasons, settings.student_max_limit, terms.daily_rate)
    policy_outcome = terms.outcome
    if v.report is None and policy_outcome == "DECLINED" and not knockouts(inputs):
        # A score without the bureau's half is no ground to decline on: a person decides.
        policy_outcome = "REVIEW"
    v.outcome = strictest(v.outcome, "REVIEW" if v.report is None else "APPROVED", policy_outcome)
    v.reasons.extend(terms.reasons)
    v.terms = terms


async def _record(cmd: ApplyForCredit, borrower: Borrower, v: _Verdict, *, ip: str | None, age: int, student: bool,
                  guardian_row: dict[str, Any] | None, today: date, now: datetime,
                  settings: Settings) -> tuple[CreditApplication, CreditLine | None]:
    """One transaction: the application, the line, the score, the event and the chain block."""
    cipher = cipher_for(settings)
    scored, terms = v.scored, v.terms
    async with in_transaction() as tx:
        app = await CreditApplication.create(
            borrower_id=borrower.id, monthly_income_fen=to_fen(cmd.monthly_income),
            employment_type=cmd.employment_type, employment_months=cmd.employment_months, housing=cmd.housing,
            monthly_debt_payments_fen=to_fen(cmd.monthly_debt_payments), purpose=cmd.purpose.strip(),
            device_id=cmd.device_id.strip(), ip=ip, id_number_hash=borrower.id_number_hash,
            phone_hash=borrower.phone_hash, name_hash=cipher.blind_index(borrower.name), age=age,
            segment="STUDENT" if student else "GENERAL", guardian=guardian_row,
            bureau=v.report.summary() if v.report else None,
            fraud_hits=[h.as_dict() for h in v.screening.hits], anomaly_score=v.screening.anomaly_score,
            pd=scored.pd if scored else None, score=scored.score if scored else None,
            model_version=scored.model_version if scored else None,
            offered_limit_fen=to_fen(terms.limit) if terms.limit > 0 else None,
            offered_rate_ppm=rate_to_ppm(terms.daily_rate) if terms.daily_rate > 0 else None,
            outcome=v.outcome, reasons=v.reasons, business_date=today, created_at=now, decided_at=now, using_db=tx,
        )
        line = None
        if v.outcome == "APPROVED":
            line = await open_credit_line(OpenCreditLine(borrower.id, terms.limit, terms.daily_rate), today=today,
                                          settings=settings)
            app.credit_line_id = line.id
            await app.save(using_db=tx, update_fields=["credit_line_id"])
        if scored is not None:
            await scoring.record_score(borrower.id, features=scored.features, pd=scored.pd, score=scored.score,
                                       model_version=scored.model_version, reason="APPLICATION", today=today,
                                       using_db=tx)
        await record_decision(app, tx, actor="engine")
    return app, line


async def record_decision(app: CreditApplication, tx, *, actor: str, kind: str = audit.CREDIT_DECISION,
                          extra: dict[str, Any] | None = None) -> None:
    """The CREDIT_DECISION event and a chain block for an application's (new) outcome."""
    limit = rate = None
    if app.outcome == "APPROVED" and app.credit_line_id:
        line = await CreditLine.get(id=app.credit_line_id, using_db=tx)
        limit, rate = format_money(Decimal(line.limit_fen) / 100), format_rate(Decimal(line.daily_rate_ppm) / 10**6)
    data = {"applicationId": app.id, "outcome": app.outcome, "reasons": list(app.reasons), "score": app.score,
            "limit": limit, "dailyRate": rate, "creditLineId": app.credit_line_id}
    await events.append("CREDIT_DECISION", business_date=app.business_date, borrower_id=app.borrower_id,
                        data=data, using_db=tx)
    payload = {**data, "borrowerId": app.borrower_id, "pd": app.pd, "modelVersion": app.model_version,
               "businessDate": app.business_date, "actor": actor, "applicationDigest": application_digest(app),
               **(extra or {})}
    await audit.append_block(kind, payload, tx, borrower_id=app.borrower_id)


def application_digest(app: CreditApplication) -> str:
    """SHA-256 of what the engine decided on, so the chain vouches for the inputs too without
    holding them (the guardian's encrypted fields are left out: their ciphertext is random)."""
    inputs = {
        "borrowerId": app.borrower_id, "monthlyIncomeFen": app.monthly_income_fen,
        "employmentType": app.employment_type, "employmentMonths": app.employment_months, "housing": app.housing,
        "monthlyDebtPaymentsFen": app.monthly_debt_payments_fen, "purpose": app.purpose, "deviceId": app.device_id,
        "ip": app.ip, "age": app.age, "segment": app.segment, "bureau": app.bureau, "fraudHits": app.fraud_hits,
        "guardianIdHash": (app.guardian or {}).get("idNumberHash"),
    }
    return hashlib.sha256(audit.canonical_json(inputs).encode()).hexdigest()


def _age(borrower: Borrower, today: date) -> int:
    b = borrower.birth_date
    return today.year - b.year - (0 if (today.month, today.day) >= (b.month, b.day) else 1)
