from __future__ import annotations

from datetime import date

import strawberry

from api.common.scalars import Money, Rate, money_str, rate_str
from domain.services.disclosure import Disclosure as Figures


@strawberry.type(description="Public operating data, from the loan book as of the business date.")
class Disclosure:
    as_of: date
    cumulative_loan_count: int
    cumulative_loan_amount: Money
    outstanding_loan_count: int
    outstanding_balance: Money
    borrowers_served: int
    overdue_amount: Money
    overdue_count: int
    overdue90_amount: Money
    overdue90_count: int
    overdue_rate: Rate
    insurance_payouts: Money
    top10_borrower_share: Rate

    @classmethod
    def from_figures(cls, f: Figures) -> Disclosure:
        return cls(
            as_of=f.as_of,
            cumulative_loan_count=f.cumulative_loan_count,
            cumulative_loan_amount=Money(money_str(f.cumulative_loan_amount)),
            outstanding_loan_count=f.outstanding_loan_count,
            outstanding_balance=Money(money_str(f.outstanding_balance)),
            borrowers_served=f.borrowers_served,
            overdue_amount=Money(money_str(f.overdue_amount)),
            overdue_count=f.overdue_count,
            overdue90_amount=Money(money_str(f.overdue90_amount)),
            overdue90_count=f.overdue90_count,
            overdue_rate=Rate(rate_str(f.overdue_rate)),
            insurance_payouts=Money(money_str(f.insurance_payouts)),
            top10_borrower_share=Rate(rate_str(f.top10_borrower_share)),
        )
