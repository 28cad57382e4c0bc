"""The background-job hook that `suixing serve` runs in-process."""

from __future__ import annotations

import asyncio

from api import background
from api.app import build_state
from api.background import BackgroundJob, BackgroundRunner, jobs_for, periodic
from domain.settings import load_settings


async def test_a_periodic_job_runs_again_after_a_failed_run():
    runs: list[int] = []
    done = asyncio.Event()

    async def job(state) -> None:
        runs.append(len(runs))
        if len(runs) == 1:
            raise RuntimeError("first run fails")
        if len(runs) == 3:
            done.set()

    runner = BackgroundRunner()
    runner.start([periodic("tick", 0.001, job)], state=None)
    await asyncio.wait_for(done.wait(), 5)
    await runner.stop()
    assert runs[:3] == [0, 1, 2]


async def test_a_crashed_job_is_restarted():
    starts: list[int] = []
    again = asyncio.Event()

    async def fragile(state) -> None:
        starts.append(1)
        if len(starts) == 1:
            raise RuntimeError("crash")
        again.set()
        await asyncio.sleep(3600)

    runner = BackgroundRunner()
    runner.start([BackgroundJob("fragile", fragile)], state=None)
    await asyncio.wait_for(again.wait(), 5)
    await runner.stop()
    assert len(starts) == 2


def test_embedded_mode_runs_the_registered_jobs_and_the_relay(monkeypatch):
    job = periodic("reminders", 60, lambda state: asyncio.sleep(0))
    shared = periodic("everywhere", 60, lambda state: asyncio.sleep(0), embedded_only=False)
    monkeypatch.setattr(background, "JOBS", [job, shared])
    embedded = jobs_for(build_state(load_settings({})))
    assert [j.name for j in embedded] == ["outbox-relay", "reminders", "everywhere"]
    distributed = jobs_for(build_state(load_settings({}, redis_url="redis://127.0.0.1:6379/0")))
    assert [j.name for j in distributed] == ["outbox-relay", "everywhere"]
    handed_over = jobs_for(build_state(load_settings({}, redis_url="redis://127.0.0.1:6379/0", relay_in_api=False)))
    assert [j.name for j in handed_over] == ["everywhere"]
