"""Reminders: plan what applies now, then deliver: in batches (log), or one job per message (webhook)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from arq import Retry

from domain.rules.reminders import QuietHours
from domain.services import reminders
from domain.services.calendar import utcnow
from domain.settings import Settings
from workers.notifiers import DeliveryFailed, Outgoing
from workers.templates import render_reminder


def quiet_hours(settings: Settings) -> QuietHours:
    return QuietHours(settings.reminder_quiet_start_hour, settings.reminder_quiet_end_hour)


def render(r: reminders.Reminder) -> str:
    return render_reminder(stage=r.stage, channel=r.channel, name=r.borrower_name, number=r.number,
                           amount=r.amount_due, due_date=r.due_date, days_from_due=r.days_from_due)


async def send_reminders(ctx: dict[str, Any], now: datetime | None = None) -> dict[str, int]:
    settings: Settings = ctx["settings"]
    notifier = ctx["notifier"]
    now = now or utcnow()
    quiet = quiet_hours(settings)
    await reminders.release_stale_claims(now=now)
    planned = await reminders.plan_reminders(now=now, quiet=quiet)
    sent = queued = 0
    if notifier.batched:
        while True:
            taken = await reminders.claim(now=now, quiet=quiet, provider=notifier.name,
                                          limit=settings.reminder_batch_size)
            if not taken.taken:
                break
            out = [(r.id, render(r)) for r in taken.reminders]
            for r, (_, body) in zip(taken.reminders, out, strict=True):
                await notifier.send(Outgoing(r, body))
            await reminders.mark_sent(out, now=now)
            sent += len(out)
    else:
        for nid in await reminders.due_ids(now=now, quiet=quiet, limit=100_000):
            queued += await ctx["enqueue"]("deliver_reminder", nid, job_id=f"deliver_reminder:{nid}")
    return {"planned": planned, "sent": sent, "queued": queued}


async def deliver_reminder(ctx: dict[str, Any], notification_id: int, now: datetime | None = None) -> str:
    """Send one message. A failed try is retried with backoff (arq's Retry); the last failure, or a
    refusal, is recorded on the message."""
    settings: Settings = ctx["settings"]
    notifier = ctx["notifier"]
    now = now or utcnow()
    taken = await reminders.claim([notification_id], now=now, quiet=quiet_hours(settings), provider=notifier.name)
    if not taken.reminders:
        return "not waiting"
    r = taken.reminders[0]
    body = render(r)
    try:
        await notifier.send(Outgoing(r, body))
    except DeliveryFailed as exc:
        tries = int(ctx.get("job_try", 1))
        if exc.permanent or tries >= settings.reminder_webhook_max_tries:
            await reminders.mark_failed(r.id, error=f"try {tries}: {exc}", now=now, body=body)
            return "failed"
        defer = settings.reminder_webhook_backoff_ms / 1000 * 2 ** (tries - 1)
        await reminders.mark_retry(r.id, error=f"try {tries}: {exc}", retry_at=now + timedelta(seconds=defer),
                                   body=body)
        raise Retry(defer=defer) from exc
    await reminders.mark_sent([(r.id, body)], now=now)
    return "sent"
