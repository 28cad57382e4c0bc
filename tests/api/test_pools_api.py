"""Securitised pools over GraphQL: who may read them, and the figures of a closed period.

The scenario is the revolving period of tests/integration/test_pools.py: four 12,000.00 CNY
equal-principal loans over 12 months at 0.05% a day (1.5% a month on the 30/360 basis) are sold
to a pool on 2026-01-05 with tranches A (senior, 80%, 6% a year), B (mezzanine, 10%, 9%) and
C (subordinated, the rest); fees are 0.6% (trustee) and 1.2% (servicer) a year. Each loan pays
its first instalment of 1,000.00 principal + 180.00 interest on 2026-02-05, three new loans of
3,000.00, 1,500.00 and 2,500.00 are offered for purchase, and period 1 closes on 2026-02-06."""

from __future__ import annotations

from decimal import Decimal

from admin.auth import SESSION_COOKIE, sign
from domain.services import staff as staff_service
from domain.services.cob import run_close
from domain.services.partners import create_partner
from domain.services.pooling.build import create_pool
from domain.services.pooling.periods import close_due_periods
from domain.settings import get_settings
from tests.api._server import Api, borrower_with_line, global_id
from tests.pool_factories import loan_of, pay, spec

D = Decimal

POOLS = """query($status: PoolStatus, $first: Int, $after: String) {
  pools(status: $status, first: $first, after: $after) {
    edges { cursor node { id name status cutOffDate revolvingUntil principalMode trusteeFee servicerFee
      maxDefaultRate minOcRatio cutOffBalance balance loanCount cash cumulativeBought cumulativeDefaults
      cumulativeDefaultRate periodsClosed triggerBreachedOn triggerBreaches
      tranches { name kind seniority originalBalance balance coupon interestUnpaid }
      periods { number startDate endDate phase openingBalance closingBalance interest principal recoveries
        insurance defaults cashIn paidOut kept purchased purchasedCount trusteeFee servicerFee
        payments { tranche openingBalance interestDue interestPaid principalPaid residualPaid closingBalance }
        triggers { cumulativeDefaults cumulativeDefaultRate maxCumulativeDefaultRate ocRatio minOcRatio breaches }
        report } } }
    pageInfo { hasNextPage hasPreviousPage endCursor }
  }
}"""
ONE = "query($id: ID!) { pool(id: $id) { id name balance } }"
COMPOSITION = """query($id: ID!) { pool(id: $id) { composition { count balance waDailyRate waRemainingTermMonths
  byMethod { key count balance share waDailyRate waRemainingTermMonths } byScoreBand { key count }
  bySegment { key count balance } } } }"""
NAMES = "query($first: Int, $after: String) { pools(first: $first, after: $after) { edges { node { name } } " \
        "pageInfo { hasNextPage endCursor } } }"


async def pool_with_a_closed_period():
    pooled = [await loan_of("12000.00") for _ in range(4)]
    pool = await create_pool(spec())
    await run_close(31)  # to 2026-02-05, the end of period 1
    for loan in pooled:
        await pay(loan, "1180.00")
    fresh = [await loan_of(amount, "EQUAL_INSTALLMENT", 6) for amount in ("3000.00", "1500.00", "2500.00")]
    await run_close(1)
    [period] = await close_due_periods()
    return pool, fresh


async def partner_key(scopes: str, name: str) -> str:
    return (await create_partner(name, scopes))[1]


async def staff_cookie(role: str = "viewer", username: str = "pool.reader") -> str:
    user = await staff_service.create_staff(username, role, "pools-and-periods-2026")
    token, _ = await staff_service.open_session(user)
    return sign(token, get_settings())


async def as_staff(api: Api, query: str, variables: dict | None = None, cookie: str | None = None) -> dict:
    response = await api.http.post("/graphql", json={"query": query, "variables": variables or {}},
                                   headers={"cookie": f"{SESSION_COOKIE}={cookie}"} if cookie else {})
    assert response.status_code == 200, response.text
    return response.json()


def forbidden(body: dict) -> bool:
    # `pools` is non-null, so its refusal nulls the whole data; `pool` is nullable and comes back null.
    nothing = body["data"] is None or all(v is None for v in body["data"].values())
    return nothing and body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_an_investor_reads_the_pool_its_tranches_and_the_closed_period(api: Api):
    pool, fresh = await pool_with_a_closed_period()
    key = await partner_key("pools:read", "Investor")
    page = (await api.data(POOLS, {}, key))["pools"]
    assert page["pageInfo"] == {"hasNextPage": False, "hasPreviousPage": False,
                                "endCursor": page["edges"][0]["cursor"]}
    [node] = [e["node"] for e in page["edges"]]
    periods = node.pop("periods")
    tranches = node.pop("tranches")
    assert node == {
        "id": global_id("Pool", pool.id), "name": "Suixing 2026-1", "status": "REVOLVING",
        "cutOffDate": "2026-01-05", "revolvingUntil": "2027-01-05",  # twelve months of revolving
        "principalMode": "SEQUENTIAL", "trusteeFee": "0.006000", "servicerFee": "0.012000",
        "maxDefaultRate": "0.050000", "minOcRatio": "1.000000",
        "cutOffBalance": "48000.00",  # 4 × 12,000.00
        # Each of the four loans owes 11,000.00 after its first 1,000.00; the 3,000.00 loan was bought.
        "balance": "47000.00", "loanCount": 5,
        # 4,000.00 of principal kept, 3,000.00 spent on the purchase.
        "cash": "1000.00",
        "cumulativeBought": "51000.00",  # 48,000.00 at the cut-off + 3,000.00 bought
        "cumulativeDefaults": "0.00", "cumulativeDefaultRate": "0.000000",
        "periodsClosed": 1, "triggerBreachedOn": None, "triggerBreaches": [],
    }
    # Revolving: no principal paid to the notes, so every tranche keeps its size.
    assert tranches == [
        {"name": "A", "kind": "SENIOR", "seniority": 1, "originalBalance": "38400.00", "balance": "38400.00",
         "coupon": "0.060000", "interestUnpaid": "0.00"},
        {"name": "B", "kind": "MEZZANINE", "seniority": 2, "originalBalance": "4800.00", "balance": "4800.00",
         "coupon": "0.090000", "interestUnpaid": "0.00"},
        {"name": "C", "kind": "SUBORDINATED", "seniority": 3, "originalBalance": "4800.00", "balance": "4800.00",
         "coupon": "0.000000", "interestUnpaid": "0.00"},
    ]
    [period] = periods
    report = period.pop("report")
    payments = period.pop("payments")
    triggers = period.pop("triggers")
    assert period == {
        "number": 1, "startDate": "2026-01-05", "endDate": "2026-02-05", "phase": "REVOLVING",
        "openingBalance": "48000.00",
        "closingBalance": "47000.00",  # 48,000.00 - 4,000.00 repaid + 3,000.00 bought
        "interest": "720.00", "principal": "4000.00",  # 4 × 180.00 and 4 × 1,000.00
        "recoveries": "0.00", "insurance": "0.00", "defaults": "0.00",
        "cashIn": "4720.00",
        # Fees 24.00 + 48.00 (48,000.00 × 0.6% / 12 and × 1.2% / 12), senior interest 192.00
        # (38,400.00 × 6% / 12), mezzanine 36.00 (4,800.00 × 9% / 12), and the 420.00 left of the
        # interest to the subordinated tranche: 720.00 paid out; the 4,000.00 of principal is kept.
        "paidOut": "720.00", "kept": "4000.00",
        # Oldest first while the 4,000.00 lasts: 3,000.00 fits, 1,500.00 does not fit in the 1,000.00 left.
        "purchased": "3000.00", "purchasedCount": 1,
        "trusteeFee": "24.00", "servicerFee": "48.00",
    }
    assert payments == [
        {"tranche": "A", "openingBalance": "38400.00", "interestDue": "192.00", "interestPaid": "192.00",
         "principalPaid": "0.00", "residualPaid": "0.00", "closingBalance": "38400.00"},
        {"tranche": "B", "openingBalance": "4800.00", "interestDue": "36.00", "interestPaid": "36.00",
         "principalPaid": "0.00", "residualPaid": "0.00", "closingBalance": "4800.00"},
        {"tranche": "C", "openingBalance": "4800.00", "interestDue": "0.00", "interestPaid": "0.00",
         "principalPaid": "0.00", "residualPaid": "420.00", "closingBalance": "4800.00"},
    ]
    # Collateral at the period's end: 44,000.00 of loans + 4,000.00 of principal cash = 48,000.00,
    # over 43,200.00 of rated notes (38,400.00 + 4,800.00) = 1.1111...
    assert triggers == {"cumulativeDefaults": "0.00", "cumulativeDefaultRate": "0.000000",
                        "maxCumulativeDefaultRate": "0.050000", "ocRatio": "1.111111", "minOcRatio": "1.000000",
                        "breaches": []}
    assert report["period"] == 1 and report["collections"]["cashIn"] == "4720.00"
    assert report["tranches"][2]["residualPaid"] == "420.00"

    one = (await api.data(ONE, {"id": node["id"]}, key))["pool"]
    assert one == {"id": node["id"], "name": "Suixing 2026-1", "balance": "47000.00"}
    assert (await api.data(POOLS, {"status": "AMORTISING"}, key))["pools"]["edges"] == []


async def test_the_composition_groups_the_loans_the_pool_holds_today(api: Api):
    pool, fresh = await pool_with_a_closed_period()
    key = await partner_key("pools:read", "Investor")
    composition = (await api.data(COMPOSITION, {"id": global_id("Pool", pool.id)}, key))["pool"]["composition"]
    # Four 11,000.00 equal-principal loans and the 3,000.00 equal-instalment loan, all at 0.0005 a day.
    assert (composition["count"], composition["balance"], composition["waDailyRate"]) == (5, "47000.00",
                                                                                             "0.00050000")
    # On 2026-02-06: the four mature on 2027-01-05, 10 months and 30 days away, a part month
    # counting as one: 11; the bought loan on 2026-08-05, 5 months and 30 days: 6.
    # (44,000 × 11 + 3,000 × 6) / 47,000 = 502,000 / 47,000 = 10.6808...
    assert composition["waRemainingTermMonths"] == "10.68"
    assert composition["byMethod"] == [
        {"key": "EQUAL_INSTALLMENT", "count": 1, "balance": "3000.00", "share": "0.063830",  # 3 / 47
         "waDailyRate": "0.00050000", "waRemainingTermMonths": "6.00"},
        {"key": "EQUAL_PRINCIPAL", "count": 4, "balance": "44000.00", "share": "0.936170",  # 44 / 47
         "waDailyRate": "0.00050000", "waRemainingTermMonths": "11.00"},
    ]
    assert sum(g["count"] for g in composition["byScoreBand"]) == 5
    assert composition["bySegment"] == [{"key": "GENERAL", "count": 5, "balance": "47000.00"}]


async def test_staff_read_pools_with_their_admin_session(api: Api):
    pool, _ = await pool_with_a_closed_period()
    cookie = await staff_cookie()
    body = await as_staff(api, ONE, {"id": global_id("Pool", pool.id)}, cookie)
    assert body["data"]["pool"]["balance"] == "47000.00", body
    # A forged cookie, or one whose session has ended, is no one.
    forged = sign("not-a-session", get_settings())
    assert forbidden(await as_staff(api, ONE, {"id": global_id("Pool", pool.id)}, forged))
    assert forbidden(await as_staff(api, ONE, {"id": global_id("Pool", pool.id)}, cookie + "x"))
    user = await staff_service.create_staff("gone.reader", "operator", "pools-and-periods-2026")
    token, _ = await staff_service.open_session(user)
    await staff_service.revoke_session(token)
    assert forbidden(await as_staff(api, ONE, {"id": global_id("Pool", pool.id)}, sign(token, get_settings())))


async def test_pools_are_refused_to_everyone_else(api: Api):
    events_only = await partner_key("events:read", "Event follower")
    _, borrower_token = await borrower_with_line()
    for credential in (None, events_only, borrower_token, "sxp_not-a-key"):
        assert forbidden(await api.run(POOLS, {}, credential))
        assert forbidden(await api.run(ONE, {"id": global_id("Pool", 1)}, credential))


async def test_pool_inputs_are_checked(api: Api):
    key = await partner_key("pools:read", "Investor")
    pools = []
    for n in range(3):
        await loan_of("1000.00")
        pools.append(await create_pool(spec(f"Pool {n}")))
    # Any id that is not a pool's is simply not found.
    for bad in ("garbage", global_id("Loan", pools[0].id), global_id("Pool", 10**12)):
        assert (await api.data(ONE, {"id": bad}, key))["pool"] is None
    for first in (0, -1, 101):
        body = await api.run(NAMES, {"first": first}, key)
        assert body["errors"][0]["extensions"] == {"code": "VALIDATION_ERROR", "field": "first"}, body
    body = await api.run(NAMES, {"after": "not a cursor"}, key)
    assert body["errors"][0]["extensions"] == {"code": "VALIDATION_ERROR", "field": "after"}
    # Newest first, two to a page.
    page = (await api.data(NAMES, {"first": 2}, key))["pools"]
    assert [e["node"]["name"] for e in page["edges"]] == ["Pool 2", "Pool 1"]
    assert page["pageInfo"]["hasNextPage"] is True
    rest = (await api.data(NAMES, {"first": 2, "after": page["pageInfo"]["endCursor"]}, key))["pools"]
    assert [e["node"]["name"] for e in rest["edges"]] == ["Pool 0"] and rest["pageInfo"]["hasNextPage"] is False
    body = await api.run("{ pools { edges { node { periods(first: 0) { number } } } } }", {}, key)
    assert body["errors"][0]["extensions"] == {"code": "VALIDATION_ERROR", "field": "first"}


DASHBOARD = """{ pools(first: 50) { edges { node { name balance loanCount
  tranches { name balance } periods { number cashIn payments { tranche interestPaid } triggers { ocRatio } } } } } }"""
# The partner's key, one page of pools, their loan holdings (one grouped statement), their
# tranches, their periods, the periods' payments and the periods' reports: one statement each.
DASHBOARD_STATEMENTS = 7


async def pool_dashboard(api: Api, key: str) -> tuple[int, int, int]:
    body = await api.run(DASHBOARD, {}, key)
    assert not body.get("errors"), body
    pools = [e["node"] for e in body["data"]["pools"]["edges"]]
    payments = sum(len(p["payments"]) for pool in pools for p in pool["periods"])
    return len(pools), payments, body["extensions"]["sqlQueries"]


async def test_reading_pools_costs_the_same_statements_for_one_pool_or_three(api: Api):
    key = await partner_key("pools:read", "Investor")
    await loan_of("12000.00")
    await create_pool(spec("Pool 1"))
    await run_close(32)
    await close_due_periods()
    # One pool, one period, three tranche payments.
    assert await pool_dashboard(api, key) == (1, 3, DASHBOARD_STATEMENTS)
    for name in ("Pool 2", "Pool 3"):
        await loan_of("12000.00")
        await create_pool(spec(name))
    await run_close(32)
    await close_due_periods()
    # Pool 1 has closed its second period, the others their first: four periods, twelve payments.
    assert await pool_dashboard(api, key) == (3, 12, DASHBOARD_STATEMENTS)


PROJECTION = """query($id: ID!, $cdr: Rate!, $cpr: Rate!, $rr: Rate!, $periods: Int) {
  pool(id: $id) { projection(cdr: $cdr, cpr: $cpr, recoveryRate: $rr, recoveryLag: 2, periods: $periods) {
    number phase openingBalance interest scheduledPrincipal prepayments defaults closingBalance
    trusteeFee servicerFee payments { tranche interest principal residual } triggersBreached } } }"""


async def test_a_pool_projects_its_loans_through_its_waterfall_and_checks_the_assumptions(api: Api):
    import numpy_financial as npf

    pool, _ = await pool_with_a_closed_period()
    key = await partner_key("pools:read", "Investor")
    variables = {"id": global_id("Pool", pool.id), "cdr": "0", "cpr": "0", "rr": "0", "periods": 2}
    first, second = (await api.data(PROJECTION, variables, key))["pool"]["projection"]
    # No defaults or prepayments: four loans owe 11,000.00 over 11 months (1,000.00 principal and
    # 165.00 interest a month each) and the bought 3,000.00 over 6 months at 1.5% a month, whose
    # first level instalment pays 45.00 interest and principal as numpy-financial's ppmt gives.
    bought_principal = D(repr(float(npf.ppmt(0.015, 1, 6, -3000)))).quantize(D("0.01"))
    assert first["openingBalance"] == "47000.00" and first["interest"] == "705.00"
    assert D(first["scheduledPrincipal"]) == D("4000.00") + bought_principal
    assert first["defaults"] == first["prepayments"] == "0.00" and first["phase"] == "REVOLVING"
    # Fees and note interest as in the closed period, on the 47,000.00 now held: 23.50 and 47.00.
    assert (first["trusteeFee"], first["servicerFee"]) == ("23.50", "47.00")
    assert [p["interest"] for p in first["payments"]] == ["192.00", "36.00", "0.00"]
    assert second["number"] == 2

    stressed = (await api.data(PROJECTION, {**variables, "cdr": "0.95", "periods": 3}, key))["pool"]["projection"]
    assert stressed[0]["triggersBreached"] and stressed[0]["phase"] == "AMORTISING"
    for bad in ({"cdr": "1.5"}, {"cpr": "-0.1"}, {"rr": "abc"}, {"periods": 0}):
        body = await api.run(PROJECTION, {**variables, **bad}, token=key)
        assert body["errors"][0]["extensions"]["code"] == "VALIDATION_ERROR", body


async def test_node_answers_a_pool_to_those_who_may_read_pools_only(api: Api):
    await loan_of("12000.00")
    pool = await create_pool(spec())
    query = "query($id: ID!) { node(id: $id) { id ... on Pool { name } } }"
    variables = {"id": global_id("Pool", pool.id)}
    investor = await partner_key("pools:read", "Investor")
    assert (await api.data(query, variables, investor))["node"] == {"id": variables["id"], "name": "Suixing 2026-1"}
    follower = await partner_key("events:read", "Follower")
    assert (await api.data(query, variables, follower))["node"] is None
    assert (await api.data(query, variables))["node"] is None
