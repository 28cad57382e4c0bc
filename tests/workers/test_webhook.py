"""The webhook provider against a local gateway: signature, retry on 500, give-up recorded."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from zoneinfo import ZoneInfo

import pytest
from arq import Retry

from domain.models import Installment, Notification
from domain.services.calendar import set_business_date
from tests.factories import make_borrower, make_line, make_loan
from tests.workers.conftest import arq_pool, run_burst
from workers.jobs.reminders import deliver_reminder, send_reminders
from workers.notifiers import SIGNATURE_HEADER, WebhookNotifier
from workers.queues import redis_queue_name

SECRET = "gateway-shared-secret"


class Gateway:
    """An HTTP server on a free port that answers each POST with the next scripted status."""

    def __init__(self, statuses: list[int]) -> None:
        self.statuses = list(statuses)
        self.requests: list[tuple[dict[str, str], bytes]] = []
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - the name http.server calls
                body = self.rfile.read(int(self.headers["Content-Length"]))
                gateway.requests.append((dict(self.headers), body))
                status = gateway.statuses.pop(0) if len(gateway.statuses) > 1 else gateway.statuses[0]
                self.send_response(status)
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/sms"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def gateway():
    made: list[Gateway] = []

    def make(*statuses: int) -> Gateway:
        made.append(Gateway(list(statuses)))
        return made[-1]
    yield make
    for g in made:
        g.close()


def noon(day) -> datetime:
    return datetime(day.year, day.month, day.day, 12, tzinfo=ZoneInfo("Asia/Shanghai")).astimezone(UTC)


async def webhook_ctx(ctx, worker_settings_for, url: str, max_tries: int = 3):
    ctx["settings"] = worker_settings_for(reminder_provider="webhook", reminder_webhook_url=url,
                                          reminder_webhook_secret=SECRET, reminder_webhook_max_tries=max_tries,
                                          reminder_webhook_backoff_ms=10)
    ctx["notifier"] = WebhookNotifier(url, SECRET, timeout_s=5)
    return ctx


async def one_message(ctx) -> tuple[int, datetime]:
    borrower = await make_borrower()
    await make_line(borrower)
    loan = await make_loan(borrower, "900.00", months=3)
    from domain.models import Borrower
    await Borrower.filter(id=borrower.id).update(reminder_channels="SMS")
    inst = await Installment.get(loan_id=loan.id, number=1)
    await set_business_date(inst.due_date)
    now = noon(inst.due_date)
    result = await send_reminders(ctx, now=now)
    assert result == {"planned": 1, "sent": 0, "queued": 1}
    [(job, (nid,), _)] = ctx["recorder"].calls
    assert job == "deliver_reminder"
    return nid, now


async def test_the_gateway_gets_a_json_message_signed_over_its_exact_body(db, ctx, gateway, worker_settings_for):
    gw = gateway(200)
    await webhook_ctx(ctx, worker_settings_for, gw.url)
    nid, now = await one_message(ctx)
    assert await deliver_reminder(ctx, nid, now) == "sent"
    [(headers, body)] = gw.requests
    assert headers[SIGNATURE_HEADER] == "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    sent = json.loads(body)
    assert (sent["id"], sent["channel"], sent["stage"]) == (nid, "SMS", "DUE")
    row = await Notification.get(id=nid)
    assert (row.status, row.provider, row.attempts, row.body) == ("SENT", "webhook", 1, sent["body"])


async def test_a_500_is_retried_with_backoff_and_the_next_try_delivers(db, ctx, gateway, worker_settings_for):
    gw = gateway(500, 200)
    await webhook_ctx(ctx, worker_settings_for, gw.url)
    nid, now = await one_message(ctx)
    with pytest.raises(Retry) as retry:
        await deliver_reminder(ctx, nid, now)
    assert retry.value.defer_score == 10  # ms: the first backoff
    row = await Notification.get(id=nid)
    assert row.status == "RETRY" and "500" in row.error
    assert await deliver_reminder({**ctx, "job_try": 2}, nid, now + timedelta(seconds=1)) == "sent"
    assert len(gw.requests) == 2
    assert (await Notification.get(id=nid)).attempts == 2


async def test_the_last_failed_try_is_recorded_as_a_permanent_failure(db, ctx, gateway, worker_settings_for):
    gw = gateway(503)
    await webhook_ctx(ctx, worker_settings_for, gw.url, max_tries=3)
    nid, now = await one_message(ctx)
    for job_try in (1, 2):
        with pytest.raises(Retry) as retry:
            await deliver_reminder({**ctx, "job_try": job_try}, nid, now + timedelta(seconds=job_try))
        assert retry.value.defer_score == 10 * 2 ** (job_try - 1)
    assert await deliver_reminder({**ctx, "job_try": 3}, nid, now + timedelta(seconds=5)) == "failed"
    row = await Notification.get(id=nid)
    assert (row.status, row.attempts) == ("FAILED", 3) and row.error.startswith("try 3:")
    assert len(gw.requests) == 3


async def test_a_refused_message_is_not_tried_again(db, ctx, gateway, worker_settings_for):
    gw = gateway(400)
    await webhook_ctx(ctx, worker_settings_for, gw.url)
    nid, now = await one_message(ctx)
    assert await deliver_reminder(ctx, nid, now) == "failed"
    assert (await Notification.get(id=nid)).status == "FAILED" and len(gw.requests) == 1


async def test_an_arq_worker_retries_through_arq_and_records_the_give_up(db, ctx, gateway, worker_settings_for,
                                                                          redis_url):
    gw = gateway(500)
    await webhook_ctx(ctx, worker_settings_for, gw.url, max_tries=3)
    nid, now = await one_message(ctx)
    settings = ctx["settings"]
    pool = await arq_pool(redis_url)
    # The clock is passed in, as everywhere in these tests: the wall clock may be in quiet hours.
    await pool.enqueue_job("deliver_reminder", nid, now, _job_id=f"deliver_reminder:{nid}",
                           _queue_name=redis_queue_name(settings, "default"))
    await pool.aclose()
    worker = await run_burst(redis_url, settings, notifier=ctx["notifier"])
    assert worker.jobs_retried == 2 and worker.jobs_complete == 1
    row = await Notification.get(id=nid)
    assert (row.status, row.attempts) == ("FAILED", 3)
    assert len(gw.requests) == 3
