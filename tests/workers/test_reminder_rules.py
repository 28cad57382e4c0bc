"""Reminder timing: stages by days from the due date, and quiet hours in Asia/Shanghai."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from domain.rules.reminders import Channel, QuietHours, Stage, due_dates_for, parse_channels, stage_on

SH = ZoneInfo("Asia/Shanghai")
DUE = date(2026, 2, 5)


@pytest.mark.parametrize(("days_before_or_after", "stage"), [
    (-4, None),
    (-3, Stage.BEFORE_3),
    (-2, Stage.BEFORE_3),  # a run that missed day -3 still sends the 3-day reminder
    (-1, Stage.BEFORE_1),
    (0, Stage.DUE),
    (1, Stage.OVERDUE_1),
    (2, Stage.OVERDUE_1),
    (3, Stage.OVERDUE_3),
    (6, Stage.OVERDUE_3),
    (7, Stage.OVERDUE_7),
    (13, Stage.OVERDUE_7),
    (14, None),
])
def test_each_day_around_the_due_date_falls_in_its_stage(days_before_or_after, stage):
    assert stage_on(DUE, DUE + timedelta(days=days_before_or_after)) == stage


def test_the_due_dates_of_a_stage_are_the_dates_its_window_covers():
    today = date(2026, 2, 10)
    # 3 and 2 days before: due on the 13th or the 12th.
    assert due_dates_for(Stage.BEFORE_3, today) == (date(2026, 2, 12), date(2026, 2, 13))
    assert due_dates_for(Stage.DUE, today) == (today, today)
    # 7 to 13 days overdue: due from the 28th of January to the 3rd of February.
    assert due_dates_for(Stage.OVERDUE_7, today) == (date(2026, 1, 28), date(2026, 2, 3))


@pytest.mark.parametrize(("local", "quiet"), [
    ((21, 59), False), ((22, 0), True), ((23, 30), True), ((0, 0), True), ((7, 59), True), ((8, 0), False),
    ((12, 0), False),
])
def test_quiet_hours_run_from_ten_at_night_to_eight_in_the_morning_shanghai_time(local, quiet):
    now = datetime(2026, 2, 5, *local, tzinfo=SH).astimezone(UTC)
    assert QuietHours().contains(now) is quiet


def test_a_message_wanted_late_at_night_waits_for_eight_the_next_morning():
    late = datetime(2026, 2, 5, 23, 15, tzinfo=SH).astimezone(UTC)
    assert QuietHours().release(late) == datetime(2026, 2, 6, 8, 0, tzinfo=SH)


def test_a_message_wanted_before_dawn_waits_for_eight_the_same_morning():
    early = datetime(2026, 2, 6, 3, 0, tzinfo=SH).astimezone(UTC)
    assert QuietHours().release(early) == datetime(2026, 2, 6, 8, 0, tzinfo=SH)


def test_a_message_wanted_in_the_day_goes_at_once():
    noon = datetime(2026, 2, 6, 4, 0, tzinfo=UTC)  # 12:00 in Shanghai
    assert QuietHours().release(noon) == noon


def test_a_time_without_a_zone_is_refused():
    with pytest.raises(ValueError):
        QuietHours().contains(datetime(2026, 2, 6, 12, 0))


def test_channels_are_read_in_the_borrowers_order_and_unknown_ones_are_ignored():
    assert parse_channels("PUSH, sms,FAX,PUSH") == (Channel.PUSH, Channel.SMS)
    assert parse_channels("") == ()
