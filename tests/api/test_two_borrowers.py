"""Two borrowers side by side: each sees and touches only their own records."""

from __future__ import annotations

from decimal import Decimal

import pytest

from domain.commands import Repay
from domain.models import CreditLine, Loan, Repayment, ScoreRecord
from domain.services.calendar import utcnow
from domain.services.repay import repay as receive
from tests.api._server import SOUND_APPLICATION, Api, borrower_with_line, global_id, loan_id, signed_in
from tests.conftest import START
from tests.factories import make_borrower, make_loan

ME = """{ me { id name score scoreHistory { score reason } creditLine { id limit dailyRate outstandingPrincipal }
  loans { edges { cursor node { id principal repayments { id } } } } } }"""
NODE = """query($id: ID!) { node(id: $id) { __typename id
  ... on Loan { principal } ... on CreditLine { limit } ... on Repayment { amount } ... on Borrower { name } } }"""


@pytest.fixture
async def two(api: Api):
    """Alice and Bob, each with a line (at different rates), a loan and a repayment."""
    people = {}
    for name, rate, amount in (("Alice", "0.0005", "1000.00"), ("Bob", "0.0003", "2000.00")):
        borrower, token = await borrower_with_line(name, rate=rate)
        loan = await make_loan(borrower, amount, months=3)
        repayment = await receive(Repay(borrower.id, loan.id, Decimal("50.00"), f"r-{name}"))
        line = await CreditLine.get(borrower_id=borrower.id)
        score = 700 if name == "Alice" else 600
        await ScoreRecord.create(borrower_id=borrower.id, score=score, pd=0.02, model_version="v-test",
                                 reason="APPLICATION", business_date=START, at=utcnow())
        people[name] = {"borrower": borrower, "token": token, "loan": loan, "repayment": repayment, "line": line}
    return people


async def test_each_borrower_sees_only_their_own_profile_line_and_loans(api: Api, two):
    for name, other in (("Alice", "Bob"), ("Bob", "Alice")):
        me = (await api.data(ME, token=two[name]["token"]))["me"]
        assert me["name"] == name
        assert me["score"] == (700 if name == "Alice" else 600)
        assert me["scoreHistory"] == [{"score": me["score"], "reason": "APPLICATION"}]
        assert me["id"] == global_id("Borrower", two[name]["borrower"].id)
        assert me["creditLine"]["id"] == global_id("CreditLine", two[name]["line"].id)
        [edge] = me["loans"]["edges"]
        assert edge["node"]["id"] == loan_id(two[name]["loan"])
        assert edge["node"]["repayments"] == [{"id": global_id("Repayment", two[name]["repayment"].id)}]
        assert loan_id(two[other]["loan"]) not in str(me)


async def test_node_answers_a_borrowers_own_objects_and_null_for_anyone_elses(api: Api, two):
    for name, other in (("Alice", "Bob"), ("Bob", "Alice")):
        token = two[name]["token"]
        for kind, key in (("Loan", "loan"), ("CreditLine", "line"), ("Repayment", "repayment")):
            mine = (await api.data(NODE, {"id": global_id(kind, two[name][key].id)}, token))["node"]
            assert mine["__typename"] == kind
            theirs = (await api.data(NODE, {"id": global_id(kind, two[other][key].id)}, token))["node"]
            assert theirs is None
        assert (await api.data(NODE, {"id": global_id("Borrower", two[other]["borrower"].id)}, token))["node"] is None
        assert (await api.data(NODE, {"id": global_id("Borrower", two[name]["borrower"].id)}, token))["node"]
    # Without a token nothing is found at all.
    assert (await api.data(NODE, {"id": loan_id(two["Alice"]["loan"])}))["node"] is None


async def test_repaying_someone_elses_loan_is_not_allowed_and_changes_nothing(api: Api, two):
    bob_loan = two["Bob"]["loan"]
    before = (await Loan.get(id=bob_loan.id), await Repayment.all().count(), await CreditLine.all().values())
    result = (await api.data(
        "mutation($i: RepayInput!) { repay(input: $i) { __typename ... on Error { code message } } }",
        {"i": {"loanId": loan_id(bob_loan), "amount": "100.00", "idempotencyKey": "alice-pays-bob"}},
        two["Alice"]["token"],
    ))["repay"]
    assert result["__typename"] == "NotAllowed"
    after = (await Loan.get(id=bob_loan.id), await Repayment.all().count(), await CreditLine.all().values())
    assert after[0].outstanding_principal_fen == before[0].outstanding_principal_fen
    assert after[1:] == before[1:]


async def test_a_draw_moves_only_the_drawing_borrowers_line(api: Api, two):
    result = (await api.data(
        'mutation { drawdown(input: {amount: "300.00", method: DAILY_INTEREST, termDays: 30, idempotencyKey: "d"})'
        " { __typename ... on LoanDrawn { loan { id } } } }", token=two["Bob"]["token"],
    ))["drawdown"]
    assert result["__typename"] == "LoanDrawn"
    alice_line = await CreditLine.get(id=two["Alice"]["line"].id)
    bob_line = await CreditLine.get(id=two["Bob"]["line"].id)
    assert alice_line.used_fen == two["Alice"]["line"].used_fen
    assert bob_line.used_fen == two["Bob"]["line"].used_fen + 30000


async def test_the_same_idempotency_key_belongs_to_each_borrower_separately(api: Api, two):
    mutation = ('mutation { drawdown(input: {amount: "100.00", method: EQUAL_INSTALLMENT, termMonths: 3, '
                'idempotencyKey: "shared-key"}) { __typename ... on LoanDrawn { loan { id } } } }')
    alice = (await api.data(mutation, token=two["Alice"]["token"]))["drawdown"]
    bob = (await api.data(mutation, token=two["Bob"]["token"]))["drawdown"]
    assert alice["__typename"] == bob["__typename"] == "LoanDrawn"
    assert alice["loan"]["id"] != bob["loan"]["id"]


async def test_a_quote_is_at_the_quoting_borrowers_own_rate(api: Api, two):
    query = '{ quote(amount: "1000.00", method: DAILY_INTEREST, termDays: 30) { dailyRate totalInterest } }'
    alice = (await api.data(query, token=two["Alice"]["token"]))["quote"]
    bob = (await api.data(query, token=two["Bob"]["token"]))["quote"]
    # Daily interest: principal x daily rate x days held.
    assert alice == {"dailyRate": "0.000500", "totalInterest": "15.00"}  # 1000 x 0.0005 x 30
    assert bob == {"dailyRate": "0.000300", "totalInterest": "9.00"}  # 1000 x 0.0003 x 30


async def test_applying_opens_a_line_only_for_the_applicant(api: Api, two):
    carol = await make_borrower("Carol")
    token = await signed_in(carol)
    result = (await api.data(
        "mutation($i: CreditApplicationInput!) { applyForCredit(input: $i) { __typename } }",
        {"i": SOUND_APPLICATION}, token,
    ))["applyForCredit"]
    assert result["__typename"] == "CreditDecision"
    lines = {line.borrower_id: line.limit_fen for line in await CreditLine.all()}
    assert lines[two["Alice"]["borrower"].id] == two["Alice"]["line"].limit_fen
    assert lines[two["Bob"]["borrower"].id] == two["Bob"]["line"].limit_fen


async def test_a_cursor_from_another_borrowers_list_reveals_none_of_their_loans(api: Api, two):
    bob_cursor = (await api.data(ME, token=two["Bob"]["token"]))["me"]["loans"]["edges"][0]["cursor"]
    query = "query($a: String) { me { loans(after: $a) { edges { node { id } } } } }"
    page = (await api.data(query, {"a": bob_cursor}, two["Alice"]["token"]))["me"]["loans"]["edges"]
    assert all(edge["node"]["id"] != loan_id(two["Bob"]["loan"]) for edge in page)


async def test_signing_out_ends_only_the_signing_out_borrowers_token(api: Api, two):
    out = (await api.data("mutation { signOut { __typename } }", token=two["Alice"]["token"]))["signOut"]
    assert out["__typename"] == "SignedOut"
    assert (await api.data("{ me { name } }", token=two["Alice"]["token"]))["me"] is None
    assert (await api.data("{ me { name } }", token=two["Bob"]["token"]))["me"]["name"] == "Bob"


async def test_a_borrower_token_cannot_read_the_partner_event_feed(api: Api, two):
    body = await api.run("{ events { edges { node { type } } } }", token=two["Alice"]["token"])
    assert body["data"] is None and body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
