"""What a loan owes on a day, split into the allocation buckets. No I/O: it reads the loan
and its unpaid instalments as they were loaded."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from domain.models import Installment, Loan
from domain.money import from_fen, ppm_to_rate, to_fen
from domain.rules.early import payoff_interest_for_period


@dataclass
class Dues:
    """Fen owed per bucket if the borrower pays what is due now, and the full payoff amount.

    `payoff_current_interest` replaces `current_interest` when the loan is settled in full:
    an early settlement pays only the days used in the running period."""

    owed: dict[str, int]
    payoff: int
    payoff_current_interest: int
    past: list[Installment] = field(default_factory=list)
    current: Installment | None = None
    future: list[Installment] = field(default_factory=list)

    @property
    def due_now(self) -> int:
        return sum(self.owed.values())


def _unpaid(i: Installment) -> tuple[int, int, int]:
    return (
        i.interest_fen - i.paid_interest_fen,
        i.fee_fen - i.paid_fee_fen,
        i.principal_fen - i.paid_principal_fen,
    )


def compute_dues(loan: Loan, unpaid: list[Installment], today: date, period_start: date) -> Dues:
    """`unpaid` are the loan's unpaid instalments in order; `period_start` is where the
    running period began (the previous due date, or the disbursement date)."""
    if loan.method == "DAILY_INTEREST":
        return _daily_dues(loan, unpaid, today)
    past = [i for i in unpaid if i.due_date < today]
    ahead = [i for i in unpaid if i.due_date >= today]
    current, future = (ahead[0], ahead[1:]) if ahead else (None, [])
    owed = {
        "penalty": loan.penalty_receivable_fen,
        "overdue_interest": sum(_unpaid(i)[0] for i in past),
        "overdue_fee": sum(_unpaid(i)[1] for i in past),
        "overdue_principal": sum(_unpaid(i)[2] for i in past),
        "current_interest": 0,
        "current_fee": 0,
        "current_principal": 0,
    }
    payoff_interest = 0
    remaining_principal = 0
    if current is not None:
        ci, cf, cp = _unpaid(current)
        owed.update(current_interest=ci, current_fee=cf, current_principal=cp)
        remaining_principal = sum(_unpaid(i)[2] for i in ahead)
        if current.due_date == today:
            payoff_interest = ci
        else:
            used = payoff_interest_for_period(
                from_fen(remaining_principal),
                ppm_to_rate(loan.daily_rate_ppm),
                period_start,
                today,
                from_fen(current.interest_fen),
            )
            payoff_interest = max(to_fen(used) - current.paid_interest_fen, 0)
    payoff = (
        owed["penalty"] + owed["overdue_interest"] + owed["overdue_fee"] + owed["overdue_principal"]
        + payoff_interest + owed["current_fee"] + remaining_principal
    )
    return Dues(owed, payoff, payoff_interest, past, current, future)


def _daily_dues(loan: Loan, unpaid: list[Installment], today: date) -> Dues:
    only = unpaid[0] if unpaid else None
    late = only is not None and only.due_date < today
    interest = loan.interest_receivable_fen
    fee = (only.fee_fen - only.paid_fee_fen) if only else 0
    principal = loan.outstanding_principal_fen
    prefix = "overdue" if late else "current"
    owed = {
        "penalty": loan.penalty_receivable_fen,
        "overdue_interest": 0, "overdue_fee": 0, "overdue_principal": 0,
        "current_interest": 0, "current_fee": 0, "current_principal": 0,
    }
    owed[f"{prefix}_interest"] = interest
    owed[f"{prefix}_fee"] = fee
    owed[f"{prefix}_principal"] = principal
    payoff = sum(owed.values())
    past, current = ([only], None) if late else ([], only)
    return Dues(owed, payoff, interest, past if only else [], current, [])
