"""Embedded mode: the same job functions on the same schedule, inside the API process.

With no SUIXING_REDIS_URL, `suixing serve` starts `run_embedded` from its background hook. Jobs
asked for by other jobs (a close's ranges, a reminder's delivery, the relay's follow-ups) run as
tasks here: a job id that is already waiting or running is not asked for twice, the learning queue
runs one job at a time, and arq's Retry is honoured (the job runs again after its delay, up to
its tries)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from arq import Retry

from domain.services.calendar import utcnow
from domain.settings import Settings, get_settings
from workers.context import job_context
from workers.jobs import JOBS
from workers.queues import DEFAULT, LEARNING, QUEUE_OF
from workers.relay import Publisher
from workers.schedule import SCHEDULE

log = logging.getLogger("suixing.embedded")

# As arq's Worker: a job is tried at most this many times unless it says otherwise.
MAX_TRIES = 5


class EmbeddedRunner:
    def __init__(self, settings: Settings, publisher: Publisher | None = None) -> None:
        self.settings = settings
        self.ctx = job_context(settings, self.enqueue, publisher)
        self._limits = {DEFAULT: asyncio.Semaphore(max(settings.worker_max_jobs, 1)), LEARNING: asyncio.Semaphore(1)}
        self._active: dict[str, asyncio.Task] = {}
        self._serial = 0

    async def enqueue(self, job: str, *args: Any, job_id: str | None = None, defer_s: float | None = None) -> bool:
        if job not in JOBS:
            raise ValueError(f"no job named {job!r}")
        if job_id is None:
            self._serial += 1
            job_id = f"{job}:{self._serial}"
        if job_id in self._active:
            return False
        self._active[job_id] = asyncio.create_task(self._run(job, args, job_id, defer_s or 0.0), name=job_id)
        return True

    async def _run(self, job: str, args: tuple[Any, ...], job_id: str, delay: float) -> None:
        fn: Callable[..., Awaitable[Any]] = JOBS[job]
        max_tries = self.settings.reminder_webhook_max_tries if job == "deliver_reminder" else MAX_TRIES
        try:
            for job_try in range(1, max_tries + 1):
                if delay:
                    await asyncio.sleep(delay)
                async with self._limits[QUEUE_OF.get(job, DEFAULT)]:
                    try:
                        result = await fn({**self.ctx, "job_id": job_id, "job_try": job_try}, *args)
                    except Retry as retry:
                        delay = (retry.defer_score or 0) / 1000
                        continue
                    except Exception:  # noqa: BLE001 - one failing job must not stop the others
                        log.exception("job %s failed", job_id)
                        return
                log.debug("job %s: %s", job_id, result)
                return
            log.warning("job %s gave up after %s tries", job_id, max_tries)
        finally:
            self._active.pop(job_id, None)

    async def _schedule(self, stop: asyncio.Event) -> None:
        due = {s.job: s.next_after(utcnow()) for s in SCHEDULE}
        while not stop.is_set():
            job = min(due, key=due.__getitem__)
            wait = (due[job] - utcnow()).total_seconds()
            if wait > 0:
                try:
                    await asyncio.wait_for(stop.wait(), timeout=min(wait, 60))
                    return
                except TimeoutError:
                    continue
            await self.enqueue(job, job_id=f"{job}:{int(due[job].timestamp())}")
            spec = next(s for s in SCHEDULE if s.job == job)
            due[job] = spec.next_after(max(due[job], _now_floor()))

    async def run(self, stop: asyncio.Event) -> None:
        relay = asyncio.create_task(self.ctx["relay"].run(stop, self.settings.relay_interval_ms / 1000))
        try:
            await self._schedule(stop)
        finally:
            stop.set()
            await relay
            for task in list(self._active.values()):
                task.cancel()
            await asyncio.gather(*self._active.values(), return_exceptions=True)
            await self.ctx["notifier"].aclose()


def _now_floor() -> datetime:
    return utcnow().replace(microsecond=0)


async def run_embedded(stop_event: asyncio.Event, *, publisher: Publisher | None = None,
                       settings: Settings | None = None) -> None:
    """Run the schedule, the relay and the jobs they ask for until `stop_event` is set. The database
    must already be open (the API's lifespan opens it). `publisher` hands relayed events to
    subscribers: the API's in-process broadcaster."""
    runner = EmbeddedRunner(settings or get_settings(), publisher)
    log.info("background work runs in-process (no SUIXING_REDIS_URL)")
    await runner.run(stop_event)
