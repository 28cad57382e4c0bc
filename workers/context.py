"""What every job finds in `ctx`, set up once per runner (an arq worker, or the embedded runner)."""

from __future__ import annotations

from typing import Any

from domain.settings import Settings
from workers.notifiers import make_notifier
from workers.queues import Enqueue
from workers.relay import Lock, Publisher, Relay


def job_context(settings: Settings, enqueue: Enqueue, publisher: Publisher | None,
                lock: Lock | None = None) -> dict[str, Any]:
    return {
        "settings": settings,
        "enqueue": enqueue,
        "notifier": make_notifier(settings),
        "relay": Relay(publisher, enqueue, batch=settings.relay_batch_size,
                       gap_grace_s=settings.relay_gap_grace_ms / 1000, lock=lock),
    }
