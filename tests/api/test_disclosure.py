"""Public operating data, computed from the loan book; anyone may ask for it."""

from __future__ import annotations

from domain.models import Loan
from tests.api._server import Api
from tests.factories import make_borrower, make_line, make_loan

QUERY = """{ disclosure { asOf cumulativeLoanCount cumulativeLoanAmount outstandingLoanCount outstandingBalance
  borrowersServed overdueAmount overdueCount overdue90Amount overdue90Count overdueRate insurancePayouts
  top10BorrowerShare } }"""


async def borrower_with_loans(name: str, *amounts: str) -> list[Loan]:
    borrower = await make_borrower(name)
    await make_line(borrower, "50000.00")
    return [await make_loan(borrower, amount, months=3) for amount in amounts]


async def test_the_disclosure_adds_up_the_loan_book(api: Api):
    await borrower_with_loans("Anna", "1000.00", "2000.00")
    await borrower_with_loans("Bert", "500.00")
    [late] = await borrower_with_loans("Cleo", "3000.00")
    [very_late] = await borrower_with_loans("Dora", "1500.00")
    [repaid] = await borrower_with_loans("Emil", "800.00")
    # The states close of business and repayments would leave behind.
    await Loan.filter(id=late.id).update(status="OVERDUE", dpd=10, classification="SPECIAL_MENTION")
    await Loan.filter(id=very_late.id).update(status="OVERDUE", dpd=120, classification="SUBSTANDARD")
    await Loan.filter(id=repaid.id).update(status="PAID_OFF", outstanding_principal_fen=0)

    figures = (await api.data(QUERY))["disclosure"]
    assert figures == {
        "asOf": "2026-01-05",
        "cumulativeLoanCount": 6,
        "cumulativeLoanAmount": "8800.00",  # 1000 + 2000 + 500 + 3000 + 1500 + 800
        "outstandingLoanCount": 5,
        "outstandingBalance": "8000.00",  # all but the 800 repaid
        "borrowersServed": 5,
        "overdueAmount": "4500.00",  # 3000 + 1500
        "overdueCount": 2,
        "overdue90Amount": "1500.00",
        "overdue90Count": 1,
        "overdueRate": "0.562500",  # 4500 / 8000
        "insurancePayouts": "0.00",
        "top10BorrowerShare": "1.000000",  # five borrowers: the ten largest are all of them
    }


async def test_the_ten_largest_borrowers_share_of_the_balance(api: Api):
    for k in range(1, 13):
        await borrower_with_loans("Borrower " + "ABCDEFGHIJKL"[k - 1], f"{100 * k}.00")
    share = (await api.data("{ disclosure { top10BorrowerShare outstandingBalance } }"))["disclosure"]
    # Balances 100..1200 sum to 7800; the ten largest (300..1200) to 7500: 7500 / 7800 = 0.9615384...
    assert share == {"top10BorrowerShare": "0.961538", "outstandingBalance": "7800.00"}


async def test_an_empty_book_discloses_zeros(api: Api):
    figures = (await api.data(QUERY))["disclosure"]
    assert figures["cumulativeLoanCount"] == 0 and figures["overdueRate"] == "0.000000"
