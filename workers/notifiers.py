"""Where reminders go: a notifier interface and its providers.

`log` (the default) delivers into the notifications table and the log: nothing can fail, so
messages are sent in batches right where they are claimed. `webhook` posts each message as JSON to
a gateway, signed with HMAC-SHA256 over the exact body; each message is its own job so that a
failed try is retried with backoff through arq's Retry, and the last failure is recorded."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from dataclasses import dataclass
from typing import Protocol

import httpx

from domain.services.reminders import Reminder
from domain.settings import Settings

log = logging.getLogger("suixing.reminders")

SIGNATURE_HEADER = "X-Suixing-Signature"


class DeliveryFailed(Exception):
    """A try failed. `permanent` failures are not tried again (the gateway refused the message)."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


@dataclass(frozen=True)
class Outgoing:
    reminder: Reminder
    body: str


class Notifier(Protocol):
    name: str
    # True when sending cannot fail and messages are sent in batches where they are claimed;
    # False when each message is a job of its own, retried through arq.
    batched: bool

    async def send(self, message: Outgoing) -> None:
        """Deliver one message, or raise DeliveryFailed."""

    async def aclose(self) -> None: ...


class LogNotifier:
    name = "log"
    batched = True

    async def send(self, message: Outgoing) -> None:
        r = message.reminder
        log.info("reminder %s to borrower %s by %s (%s, instalment %s): %s", r.id, r.borrower_id, r.channel,
                 r.stage, r.installment_id, message.body)

    async def aclose(self) -> None:
        return None


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def payload(message: Outgoing) -> bytes:
    r = message.reminder
    return json.dumps({
        "id": r.id, "borrowerId": r.borrower_id, "loanId": r.loan_id, "installmentId": r.installment_id,
        "stage": r.stage.value, "channel": r.channel.value, "dueDate": r.due_date.isoformat(),
        "amountDue": f"{r.amount_due:.2f}", "body": message.body,
    }, ensure_ascii=False, separators=(",", ":")).encode()


class WebhookNotifier:
    name = "webhook"
    batched = False

    def __init__(self, url: str, secret: str, *, timeout_s: float = 5.0,
                 client: httpx.AsyncClient | None = None) -> None:
        if not url.startswith(("http://", "https://")):
            raise ValueError("the reminder webhook needs an http(s) URL (SUIXING_REMINDER_WEBHOOK_URL)")
        self.url, self.secret = url, secret
        self._client = client or httpx.AsyncClient(timeout=timeout_s)

    async def send(self, message: Outgoing) -> None:
        body = payload(message)
        headers = {"Content-Type": "application/json", SIGNATURE_HEADER: sign(self.secret, body),
                   "Idempotency-Key": f"reminder-{message.reminder.id}"}
        try:
            response = await self._client.post(self.url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            raise DeliveryFailed(f"{type(exc).__name__}: {exc}") from exc
        if response.status_code >= 500 or response.status_code in (408, 429):
            raise DeliveryFailed(f"gateway answered {response.status_code}")
        if response.status_code >= 400:
            raise DeliveryFailed(f"gateway refused the message: {response.status_code} {response.text[:200]}",
                                 permanent=True)

    async def aclose(self) -> None:
        await self._client.aclose()


def make_notifier(settings: Settings) -> Notifier:
    if settings.reminder_provider == "log":
        return LogNotifier()
    if settings.reminder_provider == "webhook":
        return WebhookNotifier(settings.reminder_webhook_url,
                               settings.reminder_webhook_secret or settings.secret_key,
                               timeout_s=settings.reminder_webhook_timeout_ms / 1000)
    raise ValueError(f"unknown reminder provider {settings.reminder_provider!r}: use log or webhook")
