"""Fixtures for the console's pages: an app mounted at /admin, clients signed in as each role,
and a counter of SQL statements."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import httpx
import pytest
from starlette.applications import Starlette
from starlette.routing import Mount

from admin.app import create_admin_app
from admin.auth import SESSION_COOKIE, sign
from domain.models import StaffUser
from domain.passwords import hash_password
from domain.services import staff as staff_service
from domain.settings import load_settings

PASSWORD = "correct-horse-42"
# Hashing costs tens of milliseconds; every test account shares one hash.
_HASH = hash_password(PASSWORD)
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def build_app(settings) -> Starlette:
    return Starlette(routes=[Mount("/admin", app=create_admin_app(settings))])


@pytest.fixture
def admin_settings():
    return load_settings({}, env="development")


@dataclass
class Staff:
    client: httpx.AsyncClient
    user: StaffUser
    csrf: str

    def form(self, **fields) -> dict:
        return {"csrf_token": self.csrf, **fields}


@pytest.fixture
async def app(db, admin_settings):
    return build_app(admin_settings)


def client_for(app, scheme: str = "http") -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=f"{scheme}://console.test")


@pytest.fixture
async def anonymous(app):
    async with client_for(app) as client:
        yield client


@pytest.fixture
def sign_in_as(app, admin_settings):
    """sign_in_as(role) -> Staff: a client holding a live session for a new account with that role."""
    opened: list[httpx.AsyncClient] = []

    async def make(role: str, username: str | None = None, language: str = "zh") -> Staff:
        user = await StaffUser.create(username=username or f"{role}-{len(opened) + 1}", role=role,
                                      password_hash=_HASH, language=language)
        token, session = await staff_service.open_session(user)
        client = client_for(app)
        client.cookies.set(SESSION_COOKIE, sign(token, admin_settings), domain="console.test", path="/admin")
        opened.append(client)
        return Staff(client, user, session.csrf_token)

    yield make
    for client in opened:
        # Closing an httpx client over ASGITransport touches no sockets; dropping it is enough.
        del client


class _Counter(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.statements: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        text = record.getMessage()
        if not text.startswith(("Created connection pool", "Closed connection pool")):
            self.statements.append(text)


@contextmanager
def count_queries() -> Iterator[_Counter]:
    """Every SQL statement Tortoise runs inside the block."""
    logger = logging.getLogger("tortoise.db_client")
    counter = _Counter()
    old_level, old_propagate = logger.level, logger.propagate
    logger.addHandler(counter)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    try:
        yield counter
    finally:
        logger.removeHandler(counter)
        logger.setLevel(old_level)
        logger.propagate = old_propagate


async def review_application(borrower, *, limit_fen: int = 600_000, rate_ppm: int = 400):
    """An application waiting in the review queue, as the decision engine leaves one."""
    from domain.models import CreditApplication
    from domain.services.calendar import business_date, utcnow

    return await CreditApplication.create(
        borrower_id=borrower.id, monthly_income_fen=1_500_000, employment_type="SALARIED", employment_months=24,
        housing="RENT", monthly_debt_payments_fen=100_000, purpose="装修", device_id=f"device-{borrower.id}",
        id_number_hash=f"id-{borrower.id}", phone_hash=f"phone-{borrower.id}", name_hash=f"name-{borrower.id}",
        age=33, fraud_hits=[{"code": "SHARED_DEVICE", "severity": "REVIEW", "detail": "2 identities"}],
        score=612, pd=0.04, offered_limit_fen=limit_fen, offered_rate_ppm=rate_ppm, outcome="REVIEW",
        reasons=["SHARED_DEVICE"], business_date=await business_date(), created_at=utcnow())


async def failed_reminder(loan):
    """A reminder the notifier gave up on."""
    from domain.models import Installment, Notification
    from domain.services.calendar import business_date, utcnow

    installment = await Installment.filter(loan_id=loan.id).order_by("number").first()
    return await Notification.create(
        installment_id=installment.id, loan_id=loan.id, borrower_id=loan.borrower_id, stage="BEFORE_3",
        channel="SMS", status="FAILED", provider="webhook", attempts=5, error="gateway answered 500",
        business_date=await business_date(), scheduled_for=utcnow(), created_at=utcnow())


def pytest_configure(config):
    config.addinivalue_line("markers", "browser: drives the console in headless Chromium (tests/admin/test_browser.py)")
