from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from domain.outbox import Broadcaster, OutboxRelay
from domain.settings import Settings

if TYPE_CHECKING:
    from api.metrics import Metrics
    from domain.outbox.redis_fanout import RedisFanout


@dataclass
class AppState:
    """What one running app holds: its settings and event plumbing, shared by all requests."""

    settings: Settings
    broadcaster: Broadcaster = field(default_factory=Broadcaster)
    fanout: RedisFanout | None = None
    relay: OutboxRelay | None = None
    metrics: Metrics = field(init=False)
