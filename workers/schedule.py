"""When the scheduled jobs run (Asia/Shanghai), for arq's cron and the embedded runner alike."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from arq.cron import next_cron

TIMEZONE = ZoneInfo("Asia/Shanghai")
EVERY_TEN_MINUTES = frozenset(range(0, 60, 10))


@dataclass(frozen=True)
class Scheduled:
    job: str
    hour: int | frozenset[int] | None = None
    minute: int | frozenset[int] | None = None

    @property
    def hours(self) -> int | set[int] | None:
        return set(self.hour) if isinstance(self.hour, frozenset) else self.hour

    @property
    def minutes(self) -> int | set[int] | None:
        return set(self.minute) if isinstance(self.minute, frozenset) else self.minute

    def next_after(self, moment: datetime) -> datetime:
        """The first time after `moment` the job is due, in Asia/Shanghai."""
        return next_cron(moment.astimezone(TIMEZONE), hour=self.hours, minute=self.minutes, second=0, microsecond=0)


SCHEDULE: tuple[Scheduled, ...] = (
    # The business day closes five minutes into the next calendar day.
    Scheduled("close_of_business", hour=0, minute=5),
    # Picks a close back up whose range or final jobs were lost (Redis emptied, say).
    Scheduled("resume_close", minute=frozenset(m + 2 for m in EVERY_TEN_MINUTES)),
    Scheduled("send_reminders", minute=EVERY_TEN_MINUTES),
    # Limits also refresh when the relay sees events that move them; this is the safety net.
    Scheduled("refresh_limits", minute=30),
    # Each close of business asks for it; this is the safety net.
    Scheduled("close_pool_periods", hour=1, minute=15),
)
