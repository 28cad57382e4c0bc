"""The credit bureau: a summary of what other lenders know about an applicant.

`SimulatedBureau` answers from the ID number alone (a hash seeds the draw), so a demo or a test
asking twice about one person gets the same report. `HttpBureau` asks a real service; when it
is slow, down or answers nonsense it raises `BureauUnavailable`, and the decision sends the
application to a person instead of failing.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import asdict, dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol

import httpx

from domain.money import FEN
from domain.settings import Settings

ACCOUNT_STATUS = ("NONE", "OVERDRAWN", "LOW", "HEALTHY")
SAVINGS = ("NONE", "LOW", "MEDIUM", "HIGH")
OTHER_PLANS = ("NONE", "BANK", "STORE")


class BureauUnavailable(Exception):
    """The bureau could not be asked or gave no usable answer."""


@dataclass(frozen=True)
class BureauReport:
    credit_accounts: int
    delinquencies: int  # accounts ever 30+ days past due
    inquiries_6m: int  # hard inquiries in the last six months
    total_debt: Decimal  # outstanding balance at other lenders, CNY
    source: str
    account_status: str = "NONE"  # main bank account: NONE, OVERDRAWN, LOW, HEALTHY
    savings: str = "NONE"  # NONE, LOW, MEDIUM, HIGH
    other_instalment_plans: str = "NONE"  # NONE, BANK, STORE
    debt_term_months: int | None = None  # average term of the open debts

    @property
    def credit_history(self) -> str:
        """NO_CREDIT, ALL_PAID, CURRENT_ON_TIME, PAST_DELAYS or CRITICAL."""
        if self.credit_accounts == 0:
            return "NO_CREDIT"
        if self.delinquencies >= 2:
            return "CRITICAL"
        if self.delinquencies == 1:
            return "PAST_DELAYS"
        return "CURRENT_ON_TIME" if self.total_debt > 0 else "ALL_PAID"

    @property
    def open_credits(self) -> int:
        return self.credit_accounts

    @property
    def outstanding_debt(self) -> Decimal:
        return self.total_debt

    def summary(self) -> dict[str, Any]:
        """JSON-ready, money as a string, derived figures included."""
        data = asdict(self)
        data["total_debt"] = f"{self.total_debt:.2f}"
        data.update(credit_history=self.credit_history, open_credits=self.open_credits,
                    outstanding_debt=data["total_debt"])
        return data

    @classmethod
    def from_summary(cls, data: dict[str, Any]) -> BureauReport:
        term = data.get("debt_term_months")
        return cls(int(data["credit_accounts"]), int(data["delinquencies"]), int(data["inquiries_6m"]),
                   Decimal(str(data["total_debt"])), str(data.get("source", "")),
                   str(data.get("account_status", "NONE")), str(data.get("savings", "NONE")),
                   str(data.get("other_instalment_plans", "NONE")), int(term) if term is not None else None)


class Bureau(Protocol):
    async def report(self, id_number: str) -> BureauReport: ...


class SimulatedBureau:
    """A believable population: most people have a few accounts and a clean record."""

    async def report(self, id_number: str) -> BureauReport:
        return simulated_report(id_number)


def simulated_report(id_number: str) -> BureauReport:
    seed = int.from_bytes(hashlib.sha256(f"suixing-bureau:{id_number}".encode()).digest()[:8], "big")
    rng = random.Random(seed)
    # A population of mostly clean files, as a consumer lender's applicants are: one in ten has
    # been late somewhere, and a few badly.
    accounts = rng.choices(range(9), weights=(6, 16, 20, 18, 12, 10, 8, 6, 4))[0]
    delinquencies = 0 if accounts == 0 else rng.choices((0, 1, 2, 3), weights=(90, 7, 2, 1))[0]
    inquiries = rng.choices(range(9), weights=(30, 25, 17, 11, 7, 5, 3, 1, 1))[0]
    debt = Decimal(0) if accounts == 0 else Decimal(rng.randrange(100, 6000 * accounts + 1) * 10)
    account = rng.choices(("NONE", "OVERDRAWN", "LOW", "HEALTHY"), weights=(50, 5, 15, 30))[0]
    savings = rng.choices(("NONE", "LOW", "MEDIUM", "HIGH"), weights=(45, 20, 10, 25))[0]
    plans = rng.choices(("NONE", "BANK", "STORE"), weights=(90, 7, 3))[0]
    term = rng.choice((6, 12, 12, 18, 24)) if debt > 0 else None
    return BureauReport(accounts, delinquencies, inquiries, debt.quantize(FEN), "simulated", account, savings, plans,
                        term)


class HttpBureau:
    """POSTs ``{"idNumber": ...}`` to ``<url>`` and reads ``creditAccounts``, ``delinquencies``,
    ``inquiries6m`` and ``totalDebt`` (a decimal string) from the JSON answer, and when present
    ``accountStatus``, ``savings``, ``otherInstalmentPlans`` and ``debtTermMonths``."""

    def __init__(self, url: str, *, timeout_ms: int = 500, transport: httpx.AsyncBaseTransport | None = None):
        self.url = url
        self.timeout = httpx.Timeout(timeout_ms / 1000)
        self.transport = transport

    async def report(self, id_number: str) -> BureauReport:
        try:
            async with httpx.AsyncClient(timeout=self.timeout, transport=self.transport) as client:
                response = await client.post(self.url, json={"idNumber": id_number})
                response.raise_for_status()
                data = response.json()
        except (httpx.HTTPError, httpx.InvalidURL, ValueError) as exc:
            raise BureauUnavailable(f"bureau request failed: {type(exc).__name__}") from exc
        try:
            term = data.get("debtTermMonths")
            report = BureauReport(
                int(data["creditAccounts"]), int(data["delinquencies"]), int(data["inquiries6m"]),
                Decimal(str(data["totalDebt"])).quantize(FEN), "http",
                _choice(data.get("accountStatus"), ACCOUNT_STATUS), _choice(data.get("savings"), SAVINGS),
                _choice(data.get("otherInstalmentPlans"), OTHER_PLANS), int(term) if term is not None else None,
            )
        except (KeyError, TypeError, ValueError, InvalidOperation) as exc:
            raise BureauUnavailable("bureau answer is malformed") from exc
        if min(report.credit_accounts, report.delinquencies, report.inquiries_6m) < 0 or report.total_debt < 0:
            raise BureauUnavailable("bureau answer has negative figures")
        return report


def _choice(value: Any, vocabulary: tuple[str, ...]) -> str:
    text = str(value or "NONE").strip().upper()
    return text if text in vocabulary else "NONE"


def bureau_for(settings: Settings) -> Bureau:
    if settings.bureau_provider == "http":
        return HttpBureau(settings.bureau_url, timeout_ms=settings.bureau_timeout_ms)
    if settings.bureau_provider != "simulated":
        raise ValueError(f"unknown bureau provider {settings.bureau_provider!r}")
    return SimulatedBureau()
