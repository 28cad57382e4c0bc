"""The insurer's view over GraphQL: an insurer's partner reads its own policies and claims only;
staff read every insurer's; anyone else is refused."""

from __future__ import annotations

from datetime import date

from admin.auth import SESSION_COOKIE, sign
from domain.models import InsuranceClaim, InsurancePlan, InsurancePolicy, Insurer, Loan
from domain.services import staff as staff_service
from domain.services.partners import create_partner
from domain.settings import get_settings
from tests.api._server import Api, borrower_with_line, global_id
from tests.factories import make_borrower, make_line, make_loan

POLICIES = """query($first: Int, $after: String, $insurerId: ID) {
  insurancePolicies(first: $first, after: $after, insurerId: $insurerId) {
    edges { cursor node { id loanId status coverRatio premium startedOn insurer { name } } }
    pageInfo { hasNextPage hasPreviousPage endCursor }
  }
}"""
CLAIMS = """query($insurerId: ID) { insuranceClaims(insurerId: $insurerId) { edges { node {
  id loanId businessDate daysPastDue principal interest paid recovered insurer { name } } } } }"""
INSURERS = "{ insurers { id name partnerName } }"


async def a_loan(amount: str) -> Loan:
    borrower = await make_borrower()
    await make_line(borrower, limit="50000.00")
    return await make_loan(borrower, amount, months=12)


async def insurer_with_plan(name: str, partner_id: int | None) -> tuple[Insurer, InsurancePlan]:
    insurer = await Insurer.create(name=name, partner_id=partner_id)
    # Inactive, so no draw takes out a policy of its own: the policies below are made by hand.
    plan = await InsurancePlan.create(insurer=insurer, name=f"{name} guarantee", premium_monthly_ppm=2_000,
                                      cover_ppm=800_000, active=False)
    return insurer, plan


async def policy(loan: Loan, insurer: Insurer, plan: InsurancePlan, status: str = "ACTIVE") -> InsurancePolicy:
    # Premium: 0.2% a month of the principal for 12 months.
    premium_fen = loan.principal_fen * 2_000 * 12 // 1_000_000
    return await InsurancePolicy.create(loan=loan, plan=plan, insurer=insurer, cover_ppm=800_000,
                                        premium_fen=premium_fen, status=status, started_on=date(2026, 1, 5))


class Book:
    """Two insurers with a partner each, a third partner that is no insurer, three insured loans."""

    async def build(self) -> Book:
        east, self.east_key = await create_partner("East Insurance", "events:read")
        west, self.west_key = await create_partner("West Insurance", "events:read")
        _, self.stranger_key = await create_partner("Funder", "pools:read,events:read")
        self.loans = [await a_loan(amount) for amount in ("1000.00", "2000.00", "3000.00")]
        self.east, east_plan = await insurer_with_plan("East", east.id)
        self.west, west_plan = await insurer_with_plan("West", west.id)
        self.first_policy = await policy(self.loans[0], self.east, east_plan)
        claimed = await policy(self.loans[1], self.east, east_plan, "CLAIMED")
        western = await policy(self.loans[2], self.west, west_plan, "CLAIMED")
        # 2,000.00 principal and 90.00 interest owed at 90 days past due: 80% of 2,090.00 is 1,672.00.
        await InsuranceClaim.create(policy=claimed, loan_id=self.loans[1].id, insurer=self.east,
                                    business_date=date(2026, 4, 5), dpd=90, principal_fen=200_000,
                                    interest_fen=9_000, paid_fen=167_200, recovered_fen=10_000)
        # 3,000.00 and 135.00: 80% of 3,135.00 is 2,508.00.
        await InsuranceClaim.create(policy=western, loan_id=self.loans[2].id, insurer=self.west,
                                    business_date=date(2026, 4, 6), dpd=90, principal_fen=300_000,
                                    interest_fen=13_500, paid_fen=250_800)
        return self

    def loan_ids(self, *indexes: int) -> list[str]:
        return [global_id("Loan", self.loans[i].id) for i in indexes]


async def staff_cookie() -> str:
    user = await staff_service.create_staff("claims.viewer", "viewer", "claims-and-covers-2026")
    token, _ = await staff_service.open_session(user)
    return sign(token, get_settings())


async def as_staff(api: Api, query: str, variables: dict | None, cookie: str) -> dict:
    response = await api.http.post("/graphql", json={"query": query, "variables": variables or {}},
                                   headers={"cookie": f"{SESSION_COOKIE}={cookie}"})
    assert response.status_code == 200, response.text
    return response.json()


def loans_of(connection: dict) -> list[str]:
    return [e["node"]["loanId"] for e in connection["edges"]]


async def test_an_insurers_partner_sees_only_its_own_policies_and_claims(api: Api):
    book = await Book().build()
    body = await api.run(POLICIES, {}, book.east_key)
    assert not body.get("errors"), body
    # The partner's key, its insurers, one page of policies, and the insurers' names for them.
    assert body["extensions"]["sqlQueries"] == 4
    policies = body["data"]["insurancePolicies"]
    assert loans_of(policies) == book.loan_ids(1, 0)  # newest first
    assert policies["edges"][1]["node"] == {
        "id": global_id("InsurancePolicy", book.first_policy.id), "loanId": book.loan_ids(0)[0],
        "status": "ACTIVE", "coverRatio": "0.800000",
        "premium": "24.00",  # 1,000.00 × 0.2% × 12
        "startedOn": "2026-01-05", "insurer": {"name": "East"},
    }
    claims = (await api.data(CLAIMS, {}, book.east_key))["insuranceClaims"]
    assert [{k: v for k, v in e["node"].items() if k != "id"} for e in claims["edges"]] == [{
        "loanId": book.loan_ids(1)[0], "businessDate": "2026-04-05", "daysPastDue": 90, "principal": "2000.00",
        "interest": "90.00", "paid": "1672.00", "recovered": "100.00", "insurer": {"name": "East"},
    }]

    west = (await api.data(POLICIES, {}, book.west_key))["insurancePolicies"]
    assert loans_of(west) == book.loan_ids(2)
    assert west["edges"][0]["node"]["premium"] == "72.00"  # 3,000.00 × 0.2% × 12
    assert loans_of((await api.data(CLAIMS, {}, book.west_key))["insuranceClaims"]) == book.loan_ids(2)
    # Naming another insurer narrows nothing open: the partner still sees only its own rows.
    other = global_id("Insurer", book.west.id)
    assert loans_of((await api.data(POLICIES, {"insurerId": other}, book.east_key))["insurancePolicies"]) == []
    assert loans_of((await api.data(CLAIMS, {"insurerId": other}, book.east_key))["insuranceClaims"]) == []


async def test_policies_page_newest_first(api: Api):
    book = await Book().build()
    page = (await api.data(POLICIES, {"first": 1}, book.east_key))["insurancePolicies"]
    assert loans_of(page) == book.loan_ids(1)
    assert page["pageInfo"]["hasNextPage"] is True and page["pageInfo"]["hasPreviousPage"] is False
    rest = (await api.data(POLICIES, {"first": 1, "after": page["pageInfo"]["endCursor"]},
                           book.east_key))["insurancePolicies"]
    assert loans_of(rest) == book.loan_ids(0)
    assert rest["pageInfo"]["hasNextPage"] is False and rest["pageInfo"]["hasPreviousPage"] is True
    for first in (0, 101):
        body = await api.run(POLICIES, {"first": first}, book.east_key)
        assert body["errors"][0]["extensions"] == {"code": "VALIDATION_ERROR", "field": "first"}


async def test_staff_see_every_insurers_rows_and_may_pick_one(api: Api):
    book = await Book().build()
    cookie = await staff_cookie()
    body = await as_staff(api, POLICIES, {}, cookie)
    assert loans_of(body["data"]["insurancePolicies"]) == book.loan_ids(2, 1, 0), body
    east = global_id("Insurer", book.east.id)
    body = await as_staff(api, POLICIES, {"insurerId": east}, cookie)
    assert loans_of(body["data"]["insurancePolicies"]) == book.loan_ids(1, 0)
    body = await as_staff(api, CLAIMS, {}, cookie)
    assert loans_of(body["data"]["insuranceClaims"]) == book.loan_ids(2, 1)
    body = await as_staff(api, INSURERS, {}, cookie)
    assert body["data"]["insurers"] == [
        {"id": east, "name": "East", "partnerName": "East Insurance"},
        {"id": global_id("Insurer", book.west.id), "name": "West", "partnerName": "West Insurance"},
    ]
    body = await as_staff(api, POLICIES, {"insurerId": "garbage"}, cookie)
    assert body["errors"][0]["extensions"] == {"code": "VALIDATION_ERROR", "field": "insurerId"}
    body = await as_staff(api, POLICIES, {"insurerId": global_id("Loan", book.loans[0].id)}, cookie)
    assert body["errors"][0]["extensions"] == {"code": "VALIDATION_ERROR", "field": "insurerId"}


async def test_everyone_else_is_refused(api: Api):
    book = await Book().build()
    _, borrower_token = await borrower_with_line()
    for credential in (None, book.stranger_key, borrower_token, "sxp_not-a-key"):
        for query in (POLICIES, CLAIMS, INSURERS):
            body = await api.run(query, {}, credential)
            assert body["data"] is None and body["errors"][0]["extensions"]["code"] == "FORBIDDEN", body
    # The insurers list is staff's alone.
    body = await api.run(INSURERS, {}, book.east_key)
    assert body["data"] is None and body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    # An insurer whose partner link was removed reads nothing any more.
    await Insurer.filter(id=book.west.id).update(partner_id=None)
    body = await api.run(POLICIES, {}, book.west_key)
    assert body["data"] is None and body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_reading_claims_with_their_insurers_costs_the_same_statements_for_two_insurers_or_three(api: Api):
    await Book().build()
    cookie = await staff_cookie()
    query = """{ insuranceClaims(first: 50) { edges { node { paid insurer { name } } } }
                 insurancePolicies(first: 50) { edges { node { status insurer { name } } } } }"""

    async def statements() -> tuple[int, int, int]:
        body = await as_staff(api, query, None, cookie)
        assert not body.get("errors"), body
        claims, policies = body["data"]["insuranceClaims"]["edges"], body["data"]["insurancePolicies"]["edges"]
        return len(claims), len(policies), body["extensions"]["sqlQueries"]

    two_insurers = await statements()
    # A third insurer with a claim of its own: one more row each, the same statements.
    north, north_plan = await insurer_with_plan("North", None)
    loan = await a_loan("4000.00")
    claimed = await policy(loan, north, north_plan, "CLAIMED")
    await InsuranceClaim.create(policy=claimed, loan_id=loan.id, insurer=north, business_date=date(2026, 4, 7),
                                dpd=90, principal_fen=400_000, interest_fen=0, paid_fen=320_000)
    three_insurers = await statements()
    assert two_insurers[:2] == (2, 3) and three_insurers[:2] == (3, 4)
    assert three_insurers[2] == two_insurers[2]
