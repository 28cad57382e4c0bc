"""A real API server for tests: uvicorn in a subprocess on a free port, against the test
database, and the clients that talk to it (httpx over HTTP, gql over graphql-transport-ws)."""

from __future__ import annotations

import asyncio
import base64
import os
import socket
import subprocess
import sys
import tempfile
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
from gql import Client
from gql.transport.websockets import WebsocketsTransport
from tortoise import connections

from domain.bureau import simulated_report
from domain.db import dialect
from domain.identity import make_resident_id
from domain.models import Borrower
from domain.services import auth
from domain.services.event_feed import last_id
from domain.settings import get_settings
from tests.factories import make_borrower, make_line

ROOT = Path(__file__).resolve().parents[2]
ALLOWED_ORIGIN = "https://app.suixing.test"


def database_url() -> str:
    """The URL of the database the test session opened, for the server to use too."""
    client = connections.get("default")
    if dialect(client) == "sqlite":
        return f"sqlite://{client.filename}"
    password = f":{client.password}" if client.password else ""
    return f"postgres://{client.user}{password}@{client.host}:{client.port}/{client.database}"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_env(database: str, **settings: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SUIXING_")}
    env.update(
        SUIXING_DATABASE_URL=database,
        # The same secret as this process, so tokens and encrypted fields made here work there.
        SUIXING_SECRET_KEY=get_settings().secret_key,
        SUIXING_ENV="test",
        SUIXING_BACKGROUND_JOBS="false",
        SUIXING_SIGN_IN_DELAY_MS="1",
        SUIXING_SIGN_IN_DELAY_MAX_MS="4",
        SUIXING_API_COUNT_SQL="true",
        SUIXING_RELAY_INTERVAL_MS="50",
        SUIXING_API_ALLOWED_ORIGINS=ALLOWED_ORIGIN,
        PYTHONPATH=str(ROOT),
    )
    env.update({f"SUIXING_{k.upper()}": v for k, v in settings.items()})
    return env


class Server:
    def __init__(self, env: dict[str, str], command: list[str] | None = None) -> None:
        self.env = env
        self.command = command
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.ws_url = f"ws://127.0.0.1:{self.port}/graphql"
        self.log = Path(tempfile.mkstemp(prefix="suixing-api-", suffix=".log")[1])
        self.process: subprocess.Popen | None = None

    async def start(self) -> Server:
        with self.log.open("wb") as out:
            command = self.command or [sys.executable, "-m", "uvicorn", "api.app:create_app", "--factory",
                                       "--host", "127.0.0.1", "--log-level", "warning"]
            self.process = subprocess.Popen(
                [*command, "--port", str(self.port)],
                env=self.env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
            )
        async with httpx.AsyncClient() as client:
            for _ in range(300):
                if self.process.poll() is not None:
                    raise RuntimeError(f"the API server exited:\n{self.log.read_text()[-4000:]}")
                try:
                    if (await client.get(f"{self.url}/healthz", timeout=1)).status_code == 200:
                        return self
                except httpx.HTTPError:
                    pass
                await asyncio.sleep(0.1)
        self.stop()
        raise RuntimeError(f"the API server did not start:\n{self.log.read_text()[-4000:]}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    async def synced(self, client: httpx.AsyncClient) -> None:
        """Wait until the server's outbox relay stands at the end of the event table."""
        top = await last_id()
        for _ in range(200):
            health = (await client.get(f"{self.url}/healthz")).json()
            if health.get("relayPublishedThrough") == top:
                return
            await asyncio.sleep(0.02)
        raise AssertionError(f"the relay never reached event {top}: {health}")

    def transport(self, key: str | None, **kwargs: Any) -> WebsocketsTransport:
        return WebsocketsTransport(
            url=self.ws_url,
            init_payload={"Authorization": f"Bearer {key}"} if key else {},
            subprotocols=[WebsocketsTransport.GRAPHQLWS_SUBPROTOCOL],
            **kwargs,
        )

    def ws_client(self, key: str | None) -> Client:
        return Client(transport=self.transport(key))


class Api:
    """GraphQL over HTTP against a running server."""

    def __init__(self, client: httpx.AsyncClient, server: Server) -> None:
        self.http = client
        self.server = server

    async def post(self, query: str, variables: dict | None = None, token: str | None = None,
                   **kwargs: Any) -> httpx.Response:
        headers = {"authorization": f"Bearer {token}"} if token else {}
        return await self.http.post("/graphql", json={"query": query, "variables": variables or {}},
                                    headers=headers, **kwargs)

    async def run(self, query: str, variables: dict | None = None, token: str | None = None) -> dict:
        """The whole response body: data, errors, extensions."""
        response = await self.post(query, variables, token)
        assert response.status_code == 200, response.text
        return response.json()

    async def data(self, query: str, variables: dict | None = None, token: str | None = None) -> dict:
        body = await self.run(query, variables, token)
        assert not body.get("errors"), body["errors"]
        return body["data"]


async def start_server(**settings: str) -> Server:
    return await Server(server_env(database_url(), **settings)).start()


async def signed_in(borrower: Borrower) -> str:
    """A bearer token for a borrower made in this process."""
    return await auth.start_session(borrower.id, get_settings())


async def borrower_with_line(name: str = "王小明", *, limit: str = "20000.00", rate: str = "0.0005",
                             n: int | None = None) -> tuple[Borrower, str]:
    borrower = await make_borrower(name, n=n)
    await make_line(borrower, limit, rate)
    return borrower, await signed_in(borrower)


@pytest.fixture(scope="session")
async def api_server(backend):
    server = await start_server()
    yield server
    server.stop()


@pytest.fixture
async def api(db, api_server):
    async with httpx.AsyncClient(base_url=api_server.url, timeout=30) as client:
        await api_server.synced(client)
        yield Api(client, api_server)


def global_id(type_name: str, pk: int) -> str:
    return base64.b64encode(f"{type_name}:{pk}".encode()).decode()


def loan_id(loan) -> str:
    return global_id("Loan", loan.id)


def well_regarded_id_number(region: str = "310101", birth: date = date(1988, 4, 12)) -> str:
    """An ID number the simulated bureau reports well of (no delinquencies, a healthy bank
    account, high savings, few inquiries, the least debt), so a sound application is approved."""
    candidates = []
    for seq in range(1, 1000):
        number = make_resident_id(region, birth, f"{seq:03d}")
        r = simulated_report(number)
        if (r.credit_accounts and not r.delinquencies and r.account_status == "HEALTHY" and r.savings == "HIGH"
                and r.inquiries_6m <= 1 and r.other_instalment_plans == "NONE"):
            candidates.append((r.total_debt, number))
    assert candidates, "no well-regarded ID number among 999"
    return min(candidates)[1]


SOUND_APPLICATION = {
    "monthlyIncome": "25000.00", "employmentType": "SALARIED", "employmentMonths": 72, "housing": "OWN",
    "monthlyDebtPayments": "0.00", "purpose": "home appliance", "deviceId": "device-journey",
}
