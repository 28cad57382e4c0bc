"""Reminder timing: which stage an instalment is in on a business date, and when a message may go out.

Stages are counted in days from the due date (negative: before it). Each stage covers the days up to
the next one, so a run that missed a day (the business date moved on by several days at once, or the
workers were down) still reminds at the stage the instalment has reached; the database keeps one
message per instalment, stage and channel, so covering several days never sends twice."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")


class Stage(StrEnum):
    BEFORE_3 = "BEFORE_3"
    BEFORE_1 = "BEFORE_1"
    DUE = "DUE"
    OVERDUE_1 = "OVERDUE_1"
    OVERDUE_3 = "OVERDUE_3"
    OVERDUE_7 = "OVERDUE_7"


class Channel(StrEnum):
    SMS = "SMS"
    PUSH = "PUSH"


@dataclass(frozen=True)
class StageWindow:
    stage: Stage
    # Days from the due date to the business date, both ends included.
    first: int
    last: int

    @property
    def overdue(self) -> bool:
        return self.first > 0


# The last stage is reached one week after the due date and stays open for a week, long enough for
# a run that was late by several days to still send it.
WINDOWS: tuple[StageWindow, ...] = (
    StageWindow(Stage.BEFORE_3, -3, -2),
    StageWindow(Stage.BEFORE_1, -1, -1),
    StageWindow(Stage.DUE, 0, 0),
    StageWindow(Stage.OVERDUE_1, 1, 2),
    StageWindow(Stage.OVERDUE_3, 3, 6),
    StageWindow(Stage.OVERDUE_7, 7, 13),
)
EARLIEST = WINDOWS[0].first
LATEST = WINDOWS[-1].last


def window(stage: Stage | str) -> StageWindow:
    return next(w for w in WINDOWS if w.stage == Stage(stage))


def days_from_due(due_date: date, today: date) -> int:
    return (today - due_date).days


def stage_on(due_date: date, today: date) -> Stage | None:
    """The stage an unpaid instalment due on `due_date` is in on business date `today`, if any."""
    offset = days_from_due(due_date, today)
    for w in WINDOWS:
        if w.first <= offset <= w.last:
            return w.stage
    return None


def due_dates_for(stage: Stage | str, today: date) -> tuple[date, date]:
    """The due dates (earliest, latest) whose instalments are in `stage` on `today`."""
    w = window(stage)
    return today - timedelta(days=w.last), today - timedelta(days=w.first)


@dataclass(frozen=True)
class QuietHours:
    # Local hours in Asia/Shanghai; the span wraps past midnight when start > end.
    start: int = 22
    end: int = 8

    def __post_init__(self) -> None:
        if not (0 <= self.start <= 23 and 0 <= self.end <= 23):
            raise ValueError("quiet hours must be whole hours from 0 to 23")

    def contains(self, now: datetime) -> bool:
        hour = _local(now).hour
        if self.start == self.end:
            return False
        if self.start > self.end:
            return hour >= self.start or hour < self.end
        return self.start <= hour < self.end

    def release(self, now: datetime) -> datetime:
        """When a message wanted at `now` may go out: `now` itself, or the end of the quiet span."""
        if not self.contains(now):
            return now
        local = _local(now)
        day = local.date()
        if local.hour >= self.end and self.start > self.end:
            day += timedelta(days=1)
        return datetime.combine(day, time(self.end), SHANGHAI).astimezone(now.tzinfo)


def _local(now: datetime) -> datetime:
    if now.tzinfo is None:
        raise ValueError("a reminder time must carry its time zone")
    return now.astimezone(SHANGHAI)


def parse_channels(text: str | None) -> tuple[Channel, ...]:
    """A borrower's channels as stored ("SMS,PUSH"), unknown names ignored, order kept."""
    out: list[Channel] = []
    for part in (text or "").split(","):
        name = part.strip().upper()
        if name in Channel.__members__ and Channel(name) not in out:
            out.append(Channel(name))
    return tuple(out)
