"""arq worker settings, one per queue.

The default queue runs every job and the schedule (cron, Asia/Shanghai); any number of its workers
may run, and a scheduled job runs once per time however many there are. The learning queue runs
only the credit model's updates, one at a time: the model has a single writer."""

from __future__ import annotations

from typing import Any

from arq import cron
from arq.connections import RedisSettings
from arq.worker import func

from domain import db
from domain.settings import Settings, get_settings
from workers.context import job_context
from workers.jobs import (
    close_of_business,
    close_pool_periods,
    close_range,
    deliver_reminder,
    learn_outcomes,
    refresh_limits,
    relay,
    resume_close,
    send_reminders,
)
from workers.queues import DEFAULT, LEARNING, QUEUES, ArqEnqueue, redis_queue_name
from workers.relay import RedisLock
from workers.schedule import SCHEDULE, TIMEZONE

# How often a worker records that it is alive (what `suixing worker --check` reads).
HEALTH_CHECK_INTERVAL_S = 10
_BY_NAME = {f.__name__: f for f in (close_of_business, resume_close, send_reminders, refresh_limits,
                                    close_pool_periods)}


def _redis_settings(settings: Settings) -> RedisSettings:
    return RedisSettings.from_dsn(settings.redis_url) if settings.redis_url else RedisSettings()


async def startup(ctx: dict[str, Any]) -> None:
    from domain.outbox.broadcaster import Broadcaster
    from domain.outbox.redis_fanout import RedisFanout

    settings: Settings = ctx["settings"]
    await db.init_db(settings)
    # Only its publishing side is used here: the API processes listen on the channel.
    publisher = RedisFanout(settings.redis_url, Broadcaster(), prefix=settings.redis_prefix)
    lock = RedisLock(ctx["redis"], f"{settings.redis_prefix}:relay:lock")
    ctx.update(job_context(settings, ArqEnqueue(ctx["redis"], settings), publisher, lock))
    ctx["publisher"] = publisher


async def shutdown(ctx: dict[str, Any]) -> None:
    if "notifier" in ctx:
        await ctx["notifier"].aclose()
    if "publisher" in ctx:
        await ctx["publisher"].stop()
    await db.close_db()


def worker_settings(queue: str = DEFAULT, settings: Settings | None = None) -> dict[str, Any]:
    """Keyword arguments for arq's Worker (and `arq.worker.check_health`) for one queue."""
    if queue not in QUEUES:
        raise ValueError(f"unknown queue {queue!r}: use one of {', '.join(QUEUES)}")
    settings = settings or get_settings()
    common: dict[str, Any] = {
        "redis_settings": _redis_settings(settings),
        "queue_name": redis_queue_name(settings, queue),
        "on_startup": startup,
        "on_shutdown": shutdown,
        "job_timeout": settings.worker_job_timeout_s,
        "health_check_interval": HEALTH_CHECK_INTERVAL_S,
        "timezone": TIMEZONE,
        "ctx": {"settings": settings},
    }
    if queue == LEARNING:
        return {**common, "functions": [func(learn_outcomes)], "max_jobs": 1}
    crons = [cron(_BY_NAME[s.job], hour=s.hours, minute=s.minutes, second=0, microsecond=0, keep_result=3600)
             for s in SCHEDULE]
    # The relay every second: each run relays for most of it (see workers.jobs.relay).
    crons.append(cron(relay, second=set(range(60)), microsecond=0, keep_result=0))
    functions = [
        func(close_range), func(close_of_business), func(resume_close), func(send_reminders),
        func(refresh_limits), func(close_pool_periods), func(relay, keep_result=0),
        # Ends with its message sent, failed for good, or deferred by Retry; a finished job keeps no
        # result, so the message can be asked for again after being held by quiet hours.
        func(deliver_reminder, keep_result=0, max_tries=settings.reminder_webhook_max_tries),
    ]
    return {**common, "functions": functions, "cron_jobs": crons, "max_jobs": settings.worker_max_jobs}


# For arq's own command line (`arq workers.settings.WorkerSettings`), read from the environment.
WorkerSettings = worker_settings(DEFAULT)
LearningWorkerSettings = worker_settings(LEARNING)
