"""The borrower dashboard costs a fixed number of SQL statements, however many loans there are."""

from __future__ import annotations

from decimal import Decimal

from domain.commands import Repay
from domain.services.repay import repay
from tests.api._server import Api, borrower_with_line
from tests.factories import make_loan

DASHBOARD = """
query Dashboard {
  me {
    name
    creditLine { id status limit available outstandingPrincipal dailyRate }
    loans(first: 50) {
      edges { node { id status principal outstandingPrincipal apr
        schedule { number dueDate principal interest fee total paid status }
        repayments { id amount penalty interest principal receivedAt } } }
      pageInfo { hasNextPage endCursor }
    }
  }
}"""

# The token's session, the borrower, the credit line, one page of loans, their instalments,
# their repayments: one statement each.
DASHBOARD_STATEMENTS = 6


async def add_loans(borrower, n: int, start: int) -> None:
    for i in range(start, start + n):
        loan = await make_loan(borrower, "100.00", months=12, key=f"count-{i}")
        await repay(Repay(borrower.id, loan.id, Decimal("10.00"), f"count-repay-{i}"))


async def dashboard(api: Api, token: str) -> tuple[int, int, int]:
    body = await api.run(DASHBOARD, token=token)
    assert not body.get("errors"), body
    loans = body["data"]["me"]["loans"]["edges"]
    return len(loans), sum(len(e["node"]["schedule"]) for e in loans), body["extensions"]["sqlQueries"]


async def test_the_dashboard_runs_the_same_few_statements_for_two_loans_or_twenty(api: Api):
    borrower, token = await borrower_with_line(limit="50000.00")
    await add_loans(borrower, 2, 0)
    assert await dashboard(api, token) == (2, 24, DASHBOARD_STATEMENTS)
    await add_loans(borrower, 18, 2)
    assert await dashboard(api, token) == (20, 240, DASHBOARD_STATEMENTS)


async def test_fetching_a_loan_by_id_is_one_statement_after_the_token(api: Api):
    borrower, token = await borrower_with_line()
    await add_loans(borrower, 1, 0)
    me = (await api.data("{ me { loans { edges { node { id } } } } }", token=token))["me"]
    loan_id = me["loans"]["edges"][0]["node"]["id"]
    body = await api.run("query($id: ID!) { node(id: $id) { id ... on Loan { status } } }", {"id": loan_id}, token)
    assert body["data"]["node"]["id"] == loan_id
    assert body["extensions"]["sqlQueries"] == 2
