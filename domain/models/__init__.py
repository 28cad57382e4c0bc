"""Tortoise models, one module per aggregate."""

from domain.models.borrowers import Borrower
from domain.models.calendar import BusinessDay, CloseRun
from domain.models.credit import CreditLine
from domain.models.events import Event
from domain.models.idempotency import IdempotencyRecord
from domain.models.ledger import JournalEntry, LedgerAccount, Posting
from domain.models.loans import Installment, Loan, Repayment

__all__ = [
    "Borrower",
    "BusinessDay",
    "CloseRun",
    "CreditLine",
    "Event",
    "IdempotencyRecord",
    "Installment",
    "JournalEntry",
    "LedgerAccount",
    "Loan",
    "Posting",
    "Repayment",
]
