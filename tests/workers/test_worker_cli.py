"""`suixing worker --check`: arq's health check, answered by a live worker of the queue."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys

from arq.connections import RedisSettings
from arq.worker import async_check_health

from tests.workers.conftest import WorkerProcess, unique_prefix, wait_for


def check(env: dict[str, str], queue: str = "default") -> int:
    return subprocess.run([sys.executable, "-m", "workers.cli", "--queue", queue, "--check"], env={**os.environ, **env},
                          capture_output=True, timeout=120).returncode


async def test_the_health_check_passes_while_a_worker_runs_and_fails_without_one(redis_url, tmp_path):
    prefix = unique_prefix()
    env = {"SUIXING_REDIS_URL": redis_url, "SUIXING_REDIS_PREFIX": prefix,
           "SUIXING_DATABASE_URL": f"sqlite://{tmp_path}/health.sqlite3"}
    worker = WorkerProcess(env, "--queue", "learning")
    try:
        async def healthy() -> bool:
            return await async_check_health(RedisSettings.from_dsn(redis_url),
                                            queue_name=f"{prefix}:queue:learning") == 0
        await wait_for(healthy, timeout=60, interval=0.25)
        # The command itself, once for each answer: a worker of the queue runs; none of the other.
        assert await asyncio.to_thread(check, env, "learning") == 0
        assert await asyncio.to_thread(check, env, "default") == 1
    finally:
        worker.stop()


async def test_a_worker_without_redis_says_what_to_do():
    result = subprocess.run([sys.executable, "-m", "workers.cli"], capture_output=True, text=True, timeout=120,
                            env={**os.environ, "SUIXING_REDIS_URL": ""})
    assert result.returncode == 2 and "SUIXING_REDIS_URL" in result.stderr
