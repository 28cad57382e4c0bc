"""`suixing serve` runs the API, with the outbox relay in-process in embedded mode."""

from __future__ import annotations

import asyncio
import sys

import httpx
from gql import GraphQLRequest

from domain.services.partners import create_partner
from tests.api._server import Api, Server, borrower_with_line, database_url, server_env


async def test_suixing_serve_answers_queries_and_streams_events(db):
    server = Server(server_env(database_url()),
                    [sys.executable, "-m", "api.cli", "serve", "--host", "127.0.0.1", "--log-level", "warning"])
    await server.start()
    try:
        key = (await create_partner("Funder", "events:read"))[1]
        _, token = await borrower_with_line()
        async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
            api = Api(http, server)
            assert (await api.data("{ me { name } }", token=token))["me"]["name"] == "王小明"
            async with server.ws_client(key) as session:
                stream = session.subscribe(GraphQLRequest("subscription { events { type } }"))
                assert (await asyncio.wait_for(anext(stream), 20))["events"]["type"] == "CREDIT_LIMIT_CHANGED"
                drawn = await api.data('mutation { drawdown(input: {amount: "200.00", method: EQUAL_PRINCIPAL, '
                                       'termMonths: 3, idempotencyKey: "serve"}) { __typename } }', token=token)
                assert drawn["drawdown"]["__typename"] == "LoanDrawn"
                assert (await asyncio.wait_for(anext(stream), 20))["events"]["type"] == "LOAN_DISBURSED"
                await stream.aclose()
    finally:
        server.stop()
