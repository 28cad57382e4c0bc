"""Background jobs that `suixing serve` runs inside the API process.

In embedded mode (no Redis) there are no separate workers, so periodic jobs run here on the
same schedule. Register a job with `register(periodic(...))`; the outbox relay is started
here too, in both modes, unless settings hand it to the workers.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from api.state import AppState

log = logging.getLogger("suixing.background")


@dataclass(frozen=True)
class BackgroundJob:
    name: str
    # Runs until cancelled; restarted after a crash.
    run: Callable[[AppState], Awaitable[None]]
    embedded_only: bool = True


def periodic(name: str, every: float, fn: Callable[[AppState], Awaitable[Any]], *,
             embedded_only: bool = True) -> BackgroundJob:
    """A job that calls `fn` every `every` seconds (after each run ends)."""

    async def loop(state: AppState) -> None:
        while True:
            try:
                await fn(state)
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - one failed run must not stop the schedule
                log.exception("background job %s failed", name)
            await asyncio.sleep(every)

    return BackgroundJob(name, loop, embedded_only)


JOBS: list[BackgroundJob] = []


def register(job: BackgroundJob) -> BackgroundJob:
    JOBS.append(job)
    return job


async def _run_relay(state: AppState) -> None:
    assert state.relay is not None
    await state.relay.run()


def jobs_for(state: AppState) -> list[BackgroundJob]:
    jobs = [BackgroundJob("outbox-relay", _run_relay, embedded_only=False)] if state.relay is not None else []
    return jobs + [job for job in JOBS if state.settings.embedded or not job.embedded_only]


class BackgroundRunner:
    def __init__(self) -> None:
        self._tasks: list[asyncio.Task] = []

    def start(self, jobs: list[BackgroundJob], state: AppState) -> None:
        for job in jobs:
            self._tasks.append(asyncio.create_task(self._supervise(job, state), name=f"background:{job.name}"))

    async def _supervise(self, job: BackgroundJob, state: AppState) -> None:
        backoff = 0.5
        while True:
            try:
                await job.run(state)
                return
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - restart the job rather than lose it
                log.exception("background job %s crashed; restarting in %.1fs", job.name, backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 30.0)

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            try:
                await task
            except (asyncio.CancelledError, Exception):  # noqa: BLE001 - stopping either way
                pass
        self._tasks.clear()


async def _embedded_workers(state: AppState) -> None:
    # Close of business, reminders, limit refresh and model learning on their schedule. The
    # API's relay (above) hands events to subscribers, so the workers' relay here publishes
    # nothing: it marks events relayed and enqueues the jobs they call for.
    if not state.settings.background_jobs:
        return
    from workers.embedded import run_embedded

    await run_embedded(asyncio.Event(), publisher=None, settings=state.settings)


register(BackgroundJob("workers", _embedded_workers))
