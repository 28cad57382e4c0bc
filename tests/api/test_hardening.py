"""Limits and protections: query depth, aliases and tokens, masked errors with a request id,
body size, production mode, WebSocket origins, health and metrics."""

from __future__ import annotations

import logging

import httpx
import pytest
import websockets
from websockets.exceptions import InvalidStatus

from api.app import create_app
from domain.settings import load_settings
from tests.api._server import ALLOWED_ORIGIN, Api


def client_for(**settings) -> httpx.AsyncClient:
    """The app in this process (no lifespan: these requests touch no database)."""
    app = create_app(load_settings({}, **settings))
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")


async def post(client: httpx.AsyncClient, query: str, **kwargs) -> dict:
    response = await client.post("/graphql", json={"query": query}, **kwargs)
    assert response.status_code == 200, response.text
    return response.json()


async def test_production_mode_hides_graphiql_introspection_and_field_suggestions():
    async with client_for(env="production") as client:
        page = await client.get("/graphql", headers={"accept": "text/html"})
        assert page.status_code == 404
        body = await post(client, "{ __schema { queryType { name } } }")
        assert "introspection" in body["errors"][0]["message"].lower()
        body = await post(client, "{ disclosur { asOf } }")
        assert "Did you mean" not in body["errors"][0]["message"]


async def test_development_mode_serves_graphiql_and_introspection():
    async with client_for(env="development") as client:
        page = await client.get("/graphql", headers={"accept": "text/html"})
        assert page.status_code == 200 and "graphiql" in page.text.lower()
        body = await post(client, "{ __schema { queryType { name } } }")
        assert body["data"]["__schema"]["queryType"]["name"] == "Query"


async def test_a_query_deeper_than_the_limit_is_refused():
    async with client_for(api_max_depth=3) as client:
        body = await post(client, "{ me { loans { edges { node { schedule { number } } } } } }")
        assert "exceeds maximum operation depth" in body["errors"][0]["message"]
        assert body.get("data") is None


async def test_too_many_aliases_are_refused():
    async with client_for() as client:
        aliases = " ".join(f"a{i}: disclosure {{ asOf }}" for i in range(16))
        body = await post(client, f"{{ {aliases} }}")
        assert "aliases" in body["errors"][0]["message"].lower()


async def test_a_document_with_too_many_tokens_is_refused():
    async with client_for() as client:
        body = await post(client, "{ disclosure { " + "asOf " * 2100 + "} }")
        assert "token" in body["errors"][0]["message"].lower()


async def test_an_unexpected_error_is_masked_and_logged_with_the_request_id(monkeypatch, caplog):
    async def broken(*args, **kwargs):
        raise RuntimeError("secret detail of a fault")

    monkeypatch.setattr("api.disclosure.queries.disclosure", broken)
    async with client_for() as client:
        with caplog.at_level(logging.ERROR, logger="suixing.api"):
            response = await client.post("/graphql", json={"query": "{ disclosure { asOf } }"},
                                         headers={"x-request-id": "req-12345"})
    assert response.headers["x-request-id"] == "req-12345"
    [error] = response.json()["errors"]
    assert "secret detail" not in response.text
    assert error["extensions"] == {"code": "INTERNAL_SERVER_ERROR", "requestId": "req-12345"}
    logged = [r for r in caplog.records if "req-12345" in r.getMessage()]
    assert logged and "secret detail of a fault" in str(logged[0].exc_info[1])


async def test_every_response_carries_a_request_id():
    async with client_for() as client:
        response = await client.post("/graphql", json={"query": "{ __typename }"})
        assert len(response.headers["x-request-id"]) >= 8
        odd = await client.post("/graphql", json={"query": "{ __typename }"}, headers={"x-request-id": "bad id!"})
        assert odd.headers["x-request-id"] != "bad id!"


async def test_a_request_body_over_the_cap_is_refused(api: Api):
    response = await api.http.post("/graphql", content=b'{"query": "' + b" " * 70_000 + b'{ __typename }"}',
                                   headers={"content-type": "application/json"})
    assert response.status_code == 413


async def test_queries_may_come_by_get_but_mutations_may_not(api: Api):
    query = await api.http.get("/graphql", params={"query": "{ disclosure { cumulativeLoanCount } }"})
    assert query.json()["data"]["disclosure"]["cumulativeLoanCount"] == 0
    mutation = await api.http.get("/graphql", params={"query": 'mutation { signIn(phone: "1", password: "x") '
                                                               "{ __typename } }"})
    assert mutation.status_code in (400, 405)


async def test_websockets_open_from_the_allowed_origins_only(api: Api):
    with pytest.raises(InvalidStatus) as refused:
        async with websockets.connect(api.server.ws_url, origin="https://evil.example",
                                      subprotocols=["graphql-transport-ws"]):
            pass
    assert refused.value.response.status_code == 403
    async with websockets.connect(api.server.ws_url, origin=ALLOWED_ORIGIN,
                                  subprotocols=["graphql-transport-ws"]) as ws:
        assert ws.subprotocol == "graphql-transport-ws"


async def test_health_reports_the_database(api: Api):
    health = (await api.http.get("/healthz")).json()
    assert health["status"] == "ok" and health["database"] == "ok"


async def test_metrics_count_operations_by_name(api: Api):
    await api.data("query PublicFigures { disclosure { asOf } }")
    await api.run("query Broken { nothing }")
    text = (await api.http.get("/metrics")).text
    assert 'suixing_graphql_requests_total{operation="PublicFigures",type="query"}' in text
    assert 'suixing_graphql_request_seconds_count{operation="PublicFigures"}' in text
    assert "suixing_subscriptions_open" in text and "suixing_events_published_total" in text
