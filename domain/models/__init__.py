"""Tortoise models, one module per aggregate."""

from domain.models.applications import BlacklistEntry, CreditApplication
from domain.models.audit import AuditBlock, AuditChainHead
from domain.models.auth import BorrowerSession, BorrowerSignInThrottle, Partner
from domain.models.borrowers import Borrower
from domain.models.calendar import BusinessDay, CloseRun
from domain.models.close_ranges import CloseRange
from domain.models.credit import CreditLine
from domain.models.events import Event
from domain.models.idempotency import IdempotencyRecord
from domain.models.insurance import InsuranceClaim, InsurancePlan, InsurancePolicy, Insurer
from domain.models.ledger import JournalEntry, LedgerAccount, Posting
from domain.models.limits import CreditLimitState
from domain.models.loans import Installment, Loan, Repayment
from domain.models.notifications import Notification
from domain.models.pools import Pool, PoolCollection, PoolPeriod, Tranche, TranchePayment
from domain.models.scoring import LearnedOutcome, ModelVersion, ScoreRecord
from domain.models.staff import StaffAction, StaffSession, StaffSignInThrottle, StaffUser

__all__ = [
    "AuditBlock",
    "AuditChainHead",
    "BlacklistEntry",
    "Borrower",
    "BorrowerSession",
    "BorrowerSignInThrottle",
    "BusinessDay",
    "CloseRange",
    "CloseRun",
    "CreditApplication",
    "CreditLimitState",
    "CreditLine",
    "Event",
    "IdempotencyRecord",
    "Installment",
    "InsuranceClaim",
    "InsurancePlan",
    "InsurancePolicy",
    "Insurer",
    "JournalEntry",
    "LearnedOutcome",
    "LedgerAccount",
    "Loan",
    "ModelVersion",
    "Notification",
    "Partner",
    "Pool",
    "PoolCollection",
    "PoolPeriod",
    "Posting",
    "Repayment",
    "ScoreRecord",
    "StaffAction",
    "StaffSession",
    "StaffSignInThrottle",
    "StaffUser",
    "Tranche",
    "TranchePayment",
]
