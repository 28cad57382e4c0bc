"""Queues, and how one job asks for another: through arq with Redis, in-process without it."""

from __future__ import annotations

from typing import Any, Protocol

from domain.settings import Settings

DEFAULT = "default"
LEARNING = "learning"
QUEUES = (DEFAULT, LEARNING)

# Jobs that run on a queue other than the default one. The credit model has a single writer: its
# queue's worker runs one job at a time.
QUEUE_OF = {"learn_outcomes": LEARNING}


def redis_queue_name(settings: Settings, queue: str) -> str:
    return f"{settings.redis_prefix}:queue:{queue}"


class Enqueue(Protocol):
    async def __call__(self, job: str, *args: Any, job_id: str | None = None,
                       defer_s: float | None = None) -> bool:
        """Ask for `job` to run; False when a job with this id is already waiting or running."""


class ArqEnqueue:
    def __init__(self, redis, settings: Settings) -> None:
        self.redis, self.settings = redis, settings

    async def __call__(self, job: str, *args: Any, job_id: str | None = None, defer_s: float | None = None) -> bool:
        queue = redis_queue_name(self.settings, QUEUE_OF.get(job, DEFAULT))
        enqueued = await self.redis.enqueue_job(job, *args, _job_id=job_id, _queue_name=queue, _defer_by=defer_s)
        return enqueued is not None
