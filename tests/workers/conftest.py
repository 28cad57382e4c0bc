"""Fixtures for the workers' tests: a Redis server of their own, job contexts, the database URL.

The Redis server is started by the tests on a free port and stopped by them, never the shared
one: tests here stop and restart it. Under CI=true a missing redis-server fails them."""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import Sequence
from datetime import date
from typing import Any

import pytest
import redis.asyncio as aioredis
from tortoise import connections

from domain.services.event_feed import FeedEvent
from domain.settings import load_settings
from workers.context import job_context

IN_CI = os.environ.get("CI", "").lower() == "true"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RedisServer:
    """A redis-server process on its own port, which a test may stop and start again."""

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            message = "redis-server is not installed"
            if IN_CI:
                pytest.fail(message)
            pytest.skip(message)
        self.proc = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--daemonize", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"redis-server did not start on port {self.port}")

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(timeout=10)
            self.proc = None


@pytest.fixture(scope="session")
def redis_server():
    server = RedisServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
async def redis_url(redis_server):
    """The private server, emptied for each test."""
    client = aioredis.from_url(redis_server.url)
    await client.flushall()
    await client.aclose()
    return redis_server.url


def database_url() -> str:
    return connections.db_config["default"]


class Recorder:
    """An enqueue that records what was asked for (jobs that ask for other jobs)."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, tuple[Any, ...], str | None]] = []

    async def __call__(self, job: str, *args: Any, job_id: str | None = None, defer_s: float | None = None) -> bool:
        if job_id is not None and any(c[2] == job_id for c in self.calls):
            return False
        self.calls.append((job, args, job_id))
        return True

    def jobs(self) -> list[str]:
        return [c[0] for c in self.calls]


class ListPublisher:
    """A publisher that keeps what it was given, or fails while `down` is set."""

    def __init__(self) -> None:
        self.events: list[FeedEvent] = []
        self.down = False

    async def publish(self, events: Sequence[FeedEvent]) -> None:
        if self.down:
            raise ConnectionError("subscribers are unreachable")
        self.events.extend(events)


@pytest.fixture
def worker_settings_for():
    def make(**overrides: Any):
        return load_settings({}, **overrides)
    return make


@pytest.fixture
def ctx(settings):
    """A job context with a recording enqueue and a list publisher, as a runner would build it."""
    recorder = Recorder()
    publisher = ListPublisher()
    c = job_context(settings, recorder, publisher)
    c.update(job_try=1, recorder=recorder, publisher=publisher)
    return c


def unique_prefix() -> str:
    return f"t{uuid.uuid4().hex[:8]}"


async def wait_for(predicate, timeout: float = 30.0, interval: float = 0.1):
    """Poll an async predicate until it is truthy (for subprocess workers); fail on timeout."""
    deadline = time.monotonic() + timeout
    while True:
        value = await predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for the worker")
        await asyncio.sleep(interval)


START = date(2026, 1, 5)


class CountingNotifier:
    """The log provider, counting what it sends."""

    name = "log"
    batched = True

    def __init__(self) -> None:
        self.sent: list[tuple[int, str]] = []

    async def send(self, message) -> None:
        self.sent.append((message.reminder.id, message.body))

    async def aclose(self) -> None:
        return None


async def run_burst(redis_url: str, settings, queue: str = "default", *, publisher=None, notifier=None,
                    max_jobs: int = 10) -> Any:
    """Run an arq worker for `queue` in burst mode in this process (the database is already open)."""
    from arq.connections import RedisSettings
    from arq.worker import Worker

    from workers.queues import ArqEnqueue
    from workers.settings import worker_settings

    options = worker_settings(queue, settings)

    async def startup(ctx: dict[str, Any]) -> None:
        ctx.update(job_context(settings, ArqEnqueue(ctx["redis"], settings), publisher))
        if notifier is not None:
            ctx["notifier"] = notifier

    worker = Worker(functions=options["functions"], queue_name=options["queue_name"],
                    redis_settings=RedisSettings.from_dsn(redis_url), burst=True, on_startup=startup,
                    handle_signals=False, poll_delay=0.02, max_jobs=max_jobs, ctx={"settings": settings},
                    job_timeout=60)
    try:
        await worker.async_run()
    finally:
        await worker.close()
    return worker


async def arq_pool(redis_url: str):
    from arq.connections import RedisSettings, create_pool

    return await create_pool(RedisSettings.from_dsn(redis_url))


class WorkerProcess:
    """`python -m workers.cli` in a process of its own, as `suixing worker` runs it."""

    def __init__(self, env: dict[str, str], *args: str) -> None:
        import sys

        self.proc = subprocess.Popen(
            [sys.executable, "-m", "workers.cli", *args], env={**os.environ, **env},
            cwd=os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )

    def kill(self) -> None:
        import signal

        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()


def worker_env(redis_url: str, prefix: str, **settings: Any) -> dict[str, str]:
    env = {"SUIXING_DATABASE_URL": database_url(), "SUIXING_REDIS_URL": redis_url, "SUIXING_REDIS_PREFIX": prefix}
    env.update({f"SUIXING_{k.upper()}": str(v) for k, v in settings.items()})
    return env
