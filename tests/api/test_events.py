"""The partner event feed: the `events` query and the resumable `events` subscription."""

from __future__ import annotations

import asyncio
import base64

import pytest
from gql import GraphQLRequest
from websockets.exceptions import ConnectionClosed

from domain.models import Event
from domain.services import events
from domain.services.event_feed import PARTNER_EVENT_TYPES
from domain.services.partners import create_partner, revoke_partner
from tests.api._server import Api, borrower_with_line, global_id
from tests.conftest import START

FOLLOW = """
subscription Follow($after: String, $types: [EventType!]) {
  events(after: $after, types: $types) { cursor type occurredAt borrowerId loanId data }
}"""


def follow(**variables) -> GraphQLRequest:
    # A fresh request each time: gql keeps variables on the request object.
    return GraphQLRequest(FOLLOW, variable_values=variables)
EVENTS = """query($after: String, $types: [EventType!], $first: Int) {
  events(after: $after, types: $types, first: $first) {
    edges { cursor node { cursor type borrowerId loanId data } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}"""
DRAW = """mutation($k: String!) { drawdown(input: {amount: "100.00", method: DAILY_INTEREST, termDays: 30,
  idempotencyKey: $k}) { __typename ... on LoanDrawn { loan { id } } } }"""
WAIT = 20


async def partner_key(scopes: str = "events:read", name: str = "Funder") -> str:
    return (await create_partner(name, scopes))[1]


async def draws(api: Api, token: str, n: int, prefix: str) -> list[str]:
    ids = []
    for i in range(n):
        result = (await api.data(DRAW, {"k": f"{prefix}-{i}"}, token))["drawdown"]
        assert result["__typename"] == "LoanDrawn", result
        ids.append(result["loan"]["id"])
    return ids


async def table_feed() -> list[tuple[str, int | None]]:
    rows = await Event.filter(type__in=PARTNER_EVENT_TYPES).order_by("id").values_list("type", "loan_id")
    return [(t, loan) for t, loan in rows]


def as_pairs(received: list[dict]) -> list[tuple[str, int | None]]:
    def pk(gid):
        return int(base64.b64decode(gid).decode().split(":")[1]) if gid else None

    return [(e["type"], pk(e["loanId"])) for e in received]


async def take(stream, n: int) -> list[dict]:
    received: list[dict] = []
    try:
        for _ in range(n):
            received.append((await asyncio.wait_for(anext(stream), WAIT))["events"])
    except TimeoutError:
        raise AssertionError(f"only {len(received)} of {n} events arrived: {as_pairs(received)}; "
                             f"the table holds {await table_feed()}") from None
    return received


async def test_the_event_log_pages_oldest_first_with_cursors_and_a_type_filter(api: Api):
    key = await partner_key()
    borrower, token = await borrower_with_line()
    loans = await draws(api, token, 3, "page")
    page = (await api.data(EVENTS, {"first": 2}, key))["events"]
    assert [e["node"]["type"] for e in page["edges"]] == ["CREDIT_LIMIT_CHANGED", "LOAN_DISBURSED"]
    assert page["pageInfo"]["hasNextPage"] is True and page["pageInfo"]["hasPreviousPage"] is False
    assert page["edges"][1]["node"]["loanId"] == loans[0]
    assert page["edges"][1]["node"]["borrowerId"] == global_id("Borrower", borrower.id)
    assert page["edges"][1]["node"]["data"]["amount"] == "100.00"
    rest = (await api.data(EVENTS, {"after": page["pageInfo"]["endCursor"]}, key))["events"]
    assert [e["node"]["loanId"] for e in rest["edges"]] == loans[1:]
    assert rest["pageInfo"]["hasNextPage"] is False and rest["pageInfo"]["hasPreviousPage"] is True
    only = (await api.data(EVENTS, {"types": ["CREDIT_LIMIT_CHANGED"]}, key))["events"]["edges"]
    assert [e["node"]["type"] for e in only] == ["CREDIT_LIMIT_CHANGED"]


async def test_a_page_of_events_holds_at_most_a_hundred(api: Api):
    key = await partner_key()
    await events.append_many([("LOAN_OVERDUE", None, None, {"n": i}) for i in range(130)], business_date=START)
    page = (await api.data(EVENTS, {"first": 500}, key))["events"]
    assert len(page["edges"]) == 100 and page["pageInfo"]["hasNextPage"] is True
    assert [e["node"]["data"]["n"] for e in page["edges"]] == list(range(100))


async def test_internal_events_never_reach_partners(api: Api):
    key = await partner_key()
    await events.append("INTERNAL_HOUSEKEEPING", business_date=START)
    await events.append("LOAN_OVERDUE", business_date=START)
    page = (await api.data(EVENTS, {}, key))["events"]["edges"]
    assert [e["node"]["type"] for e in page] == ["LOAN_OVERDUE"]


async def test_the_event_log_needs_a_partner_key_with_the_events_scope(api: Api):
    pools_only = await partner_key("pools:read", "Pool investor")
    for credential in (None, pools_only, "sxp_not-a-key"):
        body = await api.run(EVENTS, {}, credential)
        assert body["data"] is None and body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_a_subscriber_gets_everything_after_its_cursor_then_live_events(api: Api):
    key = await partner_key()
    _, token = await borrower_with_line()
    async with api.server.ws_client(key) as session:
        stream = session.subscribe(follow())
        [opened] = await take(stream, 1)
        assert opened["type"] == "CREDIT_LIMIT_CHANGED"
        live = await draws(api, token, 2, "live")
        received = await take(stream, 2)
        await stream.aclose()
    assert [e["loanId"] for e in received] == live
    assert as_pairs([opened, *received]) == await table_feed()


async def test_a_partner_that_reconnects_with_its_last_cursor_gets_exactly_the_ten_it_missed_then_live_ones(
        api: Api):
    key = await partner_key()
    _, token = await borrower_with_line()
    async with api.server.ws_client(key) as session:
        stream = session.subscribe(follow())
        seen = await take(stream, 1)
        await stream.aclose()
    last_cursor = seen[-1]["cursor"]

    missed = await draws(api, token, 10, "while-away")

    async with api.server.ws_client(key) as session:
        stream = session.subscribe(follow(after=last_cursor))
        replayed = await take(stream, 10)
        assert [e["loanId"] for e in replayed] == missed
        assert all(e["type"] == "LOAN_DISBURSED" for e in replayed)
        live = await draws(api, token, 2, "after-return")
        then = await take(stream, 2)
        await stream.aclose()
    assert [e["loanId"] for e in then] == live
    cursors = [e["cursor"] for e in seen + replayed + then]
    assert len(set(cursors)) == len(cursors)
    assert as_pairs(seen + replayed + then) == await table_feed()


async def test_events_made_while_a_subscriber_replays_arrive_once_each_in_order(api: Api):
    key = await partner_key()
    _, token = await borrower_with_line()
    await draws(api, token, 5, "before")
    async with api.server.ws_client(key) as session:
        stream = session.subscribe(follow())
        made = asyncio.create_task(draws(api, token, 15, "during"))
        received = await take(stream, 1 + 5 + 15)
        await made
        await stream.aclose()
    assert as_pairs(received) == await table_feed()


async def test_a_subscriber_can_follow_only_some_event_types(api: Api):
    key = await partner_key()
    _, token = await borrower_with_line()
    async with api.server.ws_client(key) as session:
        stream = session.subscribe(follow(types=["LOAN_DISBURSED"]))
        live = await draws(api, token, 2, "typed")
        received = await take(stream, 2)
        await stream.aclose()
    assert [e["loanId"] for e in received] == live


@pytest.mark.parametrize("credential", ["sxp_wrong-key", "", "v1.forged.1.9999999999.sig"])
async def test_a_connection_with_a_bad_key_is_closed_with_4403(api: Api, credential):
    with pytest.raises(Exception) as raised:  # noqa: B017 - gql wraps the close in its own error
        async with api.server.ws_client(credential or None) as session:
            await asyncio.wait_for(anext(session.subscribe(follow())), WAIT)
    assert _close_code(raised.value) == 4403


async def test_a_revoked_key_no_longer_connects(api: Api):
    key = await partner_key(name="Former partner")
    await revoke_partner("Former partner")
    with pytest.raises(Exception) as raised:  # noqa: B017
        async with api.server.ws_client(key) as session:
            await asyncio.wait_for(anext(session.subscribe(follow())), WAIT)
    assert _close_code(raised.value) == 4403


async def test_a_key_without_the_events_scope_cannot_subscribe(api: Api):
    key = await partner_key("pools:read", "Pool investor")
    async with api.server.ws_client(key) as session:
        with pytest.raises(Exception) as raised:  # noqa: B017
            await asyncio.wait_for(anext(session.subscribe(follow())), WAIT)
    assert "events:read" in str(raised.value)


def _close_code(exc: BaseException) -> int | None:
    seen = exc
    while seen is not None:
        if isinstance(seen, ConnectionClosed) and seen.rcvd is not None:
            return seen.rcvd.code
        seen = seen.__cause__ or seen.__context__
    return None


async def test_a_closed_subscription_is_let_go(api: Api):
    key = await partner_key()
    await borrower_with_line()

    async def open_count() -> float:
        text = (await api.http.get("/metrics")).text
        return float(next(line.split()[-1] for line in text.splitlines()
                          if line.startswith("suixing_subscriptions_open ")))

    async with api.server.ws_client(key) as session:
        stream = session.subscribe(follow())
        await take(stream, 1)
        assert await open_count() == 1
        await stream.aclose()
    for _ in range(100):
        if await open_count() == 0:
            break
        await asyncio.sleep(0.02)
    assert await open_count() == 0
