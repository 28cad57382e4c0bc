"""Two API processes sharing Redis: an event committed through one reaches subscribers of both."""

from __future__ import annotations

import asyncio
import uuid

import httpx
import redis.asyncio as aioredis
from gql import GraphQLRequest

from domain.services.partners import create_partner
from tests.api._server import Api, borrower_with_line, start_server
from tests.conftest import service_missing

REDIS_URL = "redis://127.0.0.1:6379/0"
FOLLOW = "subscription { events { cursor type loanId } }"
DRAW = """mutation { drawdown(input: {amount: "150.00", method: DAILY_INTEREST, termDays: 20,
  idempotencyKey: "through-a"}) { __typename ... on LoanDrawn { loan { id } } } }"""


async def redis_or_fail() -> aioredis.Redis:
    client = aioredis.from_url(REDIS_URL)
    try:
        await client.ping()
    except Exception as exc:  # noqa: BLE001 - any failure means the service is missing
        await client.aclose()
        service_missing("Redis", exc)
    return client


async def test_an_event_made_through_one_process_reaches_a_subscriber_of_the_other(db):
    redis = await redis_or_fail()
    prefix = f"suixing-test-{uuid.uuid4().hex[:8]}"
    # A relays the outbox into Redis; B only listens, so whatever B's subscribers get came through Redis.
    a = await start_server(redis_url=REDIS_URL, redis_prefix=prefix)
    b = await start_server(redis_url=REDIS_URL, redis_prefix=prefix, relay_in_api="false")
    try:
        key = (await create_partner("Funder", "events:read"))[1]
        _, token = await borrower_with_line()
        async with b.ws_client(key) as on_b, a.ws_client(key) as on_a:
            from_b = on_b.subscribe(GraphQLRequest(FOLLOW))
            from_a = on_a.subscribe(GraphQLRequest(FOLLOW))
            for stream in (from_b, from_a):
                opened = (await asyncio.wait_for(anext(stream), 20))["events"]
                assert opened["type"] == "CREDIT_LIMIT_CHANGED"
            async with httpx.AsyncClient(base_url=a.url, timeout=30) as http:
                drawn = (await Api(http, a).data(DRAW, token=token))["drawdown"]
            assert drawn["__typename"] == "LoanDrawn"
            for stream in (from_b, from_a):
                event = (await asyncio.wait_for(anext(stream), 20))["events"]
                assert (event["type"], event["loanId"]) == ("LOAN_DISBURSED", drawn["loan"]["id"])
                await stream.aclose()
        async with httpx.AsyncClient() as http:
            health = (await http.get(f"{b.url}/healthz")).json()
        assert health["redis"] == "ok" and "relayPublishedThrough" not in health
    finally:
        a.stop()
        b.stop()
        keys = [k async for k in redis.scan_iter(f"{prefix}:*")]
        if keys:
            await redis.delete(*keys)
        await redis.aclose()
