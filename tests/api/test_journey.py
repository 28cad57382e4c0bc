"""A borrower's whole journey through a running server: sign up, apply, quote, draw, repay."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import numpy_financial as npf

from tests.api._server import SOUND_APPLICATION, Api, well_regarded_id_number

REGISTER = """
mutation Register($input: RegisterBorrowerInput!) {
  registerBorrower(input: $input) {
    __typename
    ... on BorrowerRegistered { token borrower { id name phoneMasked } }
    ... on Error { code message }
  }
}"""

SIGN_IN = """
mutation SignIn($phone: String!, $password: String!) {
  signIn(phone: $phone, password: $password) {
    __typename
    ... on SignedIn { token borrower { id } }
    ... on Error { code message }
  }
}"""

APPLY = """
mutation Apply($input: CreditApplicationInput!) {
  applyForCredit(input: $input) {
    __typename
    ... on CreditDecision { outcome reasons score creditLine { id status limit available dailyRate } }
    ... on Error { code message }
  }
}"""

QUOTE = """
query Quote($amount: Money!) {
  quote(amount: $amount, method: EQUAL_INSTALLMENT, termMonths: 3) {
    method principal dailyRate apr totalInterest totalFees
    schedule { number dueDate principal interest fee total paid status }
  }
}"""

DRAW = """
mutation Draw($input: DrawdownInput!) {
  drawdown(input: $input) {
    __typename
    ... on LoanDrawn { loan { id method principal outstandingPrincipal dailyRate apr status classification
                              daysPastDue disbursedOn maturityDate schedule { number total status } } }
    ... on Error { code message }
  }
}"""

REPAY = """
mutation Repay($input: RepayInput!) {
  repay(input: $input) {
    __typename
    ... on RepaymentMade { repayment { id amount penalty interest principal receivedAt }
                           loan { id status outstandingPrincipal schedule { number paid status } } }
    ... on Error { code message }
  }
}"""

DASHBOARD = """
query Dashboard {
  me {
    name phoneMasked
    creditLine { status limit available outstandingPrincipal dailyRate }
    loans(first: 50) { edges { cursor node { id status outstandingPrincipal
      schedule { number total paid status } repayments { id amount } } } pageInfo { hasNextPage } }
  }
}"""


def fen(x: float) -> str:
    return str(Decimal(str(x)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


async def test_a_borrower_signs_up_applies_quotes_draws_and_repays(api: Api):
    phone, password = "13800138000", "journey-pass-1"
    registered = (await api.data(REGISTER, {"input": {
        "phone": phone, "name": "李四", "idNumber": well_regarded_id_number(),
        "password": password, "agreementVersion": "2026-01",
    }}))["registerBorrower"]
    assert registered["__typename"] == "BorrowerRegistered", registered
    assert registered["borrower"]["phoneMasked"] == "138****8000"

    signed = (await api.data(SIGN_IN, {"phone": phone, "password": password}))["signIn"]
    assert signed["__typename"] == "SignedIn"
    assert signed["borrower"]["id"] == registered["borrower"]["id"]
    token = signed["token"]

    decision = (await api.data(APPLY, {"input": SOUND_APPLICATION}, token))["applyForCredit"]
    assert decision["__typename"] == "CreditDecision", decision
    assert decision["outcome"] == "APPROVED", decision
    line = decision["creditLine"]
    assert line["status"] == "ACTIVE" and line["available"] == line["limit"]
    monthly = Decimal(line["dailyRate"]) * 30

    quote = (await api.data(QUOTE, {"amount": "1200.00"}, token))["quote"]
    # Equal instalments: the payment is numpy-financial's pmt at the monthly rate (daily rate x 30).
    payment = fen(-npf.pmt(float(monthly), 3, 1200))
    assert [i["total"] for i in quote["schedule"][:2]] == [payment, payment]
    assert quote["schedule"][0]["interest"] == fen(1200 * float(monthly))
    assert sum(Decimal(i["principal"]) for i in quote["schedule"]) == Decimal("1200.00")
    flows = [-1200.0] + [float(i["total"]) for i in quote["schedule"]]
    assert Decimal(quote["apr"]) == Decimal(str(npf.irr(flows) * 12)).quantize(Decimal("0.000001"))
    assert quote["dailyRate"] == line["dailyRate"] and len(quote["dailyRate"].split(".")[1]) == 6

    drawn = (await api.data(DRAW, {"input": {
        "amount": "1200.00", "method": "EQUAL_INSTALLMENT", "termMonths": 3, "idempotencyKey": "journey-draw-1",
    }}, token))["drawdown"]
    assert drawn["__typename"] == "LoanDrawn", drawn
    loan = drawn["loan"]
    assert (loan["status"], loan["classification"], loan["daysPastDue"]) == ("ACTIVE", "NORMAL", 0)
    assert loan["apr"] == quote["apr"] and loan["outstandingPrincipal"] == "1200.00"
    assert [i["total"] for i in loan["schedule"]] == [i["total"] for i in quote["schedule"]]

    # The same request again is answered with the same loan.
    again = (await api.data(DRAW, {"input": {
        "amount": "1200.00", "method": "EQUAL_INSTALLMENT", "termMonths": 3, "idempotencyKey": "journey-draw-1",
    }}, token))["drawdown"]
    assert again["loan"]["id"] == loan["id"]

    first = quote["schedule"][0]
    paid = (await api.data(REPAY, {"input": {
        "loanId": loan["id"], "amount": first["total"], "idempotencyKey": "journey-repay-1",
    }}, token))["repay"]
    assert paid["__typename"] == "RepaymentMade", paid
    assert paid["repayment"]["amount"] == first["total"]
    assert paid["repayment"]["principal"] == first["principal"]
    assert paid["loan"]["schedule"][0]["status"] == "PAID"
    assert paid["loan"]["outstandingPrincipal"] == fen(1200 - float(first["principal"]))

    me = (await api.data(DASHBOARD, token=token))["me"]
    assert me["name"] == "李四"
    assert me["creditLine"]["outstandingPrincipal"] == paid["loan"]["outstandingPrincipal"]
    assert Decimal(me["creditLine"]["available"]) == Decimal(line["limit"]) - Decimal(
        paid["loan"]["outstandingPrincipal"])
    [edge] = me["loans"]["edges"]
    assert edge["node"]["repayments"] == [{"id": paid["repayment"]["id"], "amount": first["total"]}]
