"""What the credit-decision tests share: a bureau that answers as told, the champion model
already trained (once per session), and applicant profiles."""

from __future__ import annotations

from decimal import Decimal

import pytest

from domain import fraud
from domain.bureau import BureauReport
from domain.commands import ApplyForCredit
from domain.models import ModelVersion
from domain.scoring import PRODUCTION, CreditModel
from domain.services import model_registry, scoring
from domain.services.calendar import utcnow

# A thin, clean file: three accounts paid duly, one inquiry, 8,000 owed elsewhere.
CLEAN = BureauReport(credit_accounts=3, delinquencies=0, inquiries_6m=1, total_debt=Decimal("8000.00"),
                     source="stub")

_trained: list[str] = []


class StubBureau:
    def __init__(self, report: BureauReport = CLEAN) -> None:
        self.report_ = report
        self.asked: list[str] = []

    async def report(self, id_number: str) -> BureauReport:
        self.asked.append(id_number)
        return self.report_


@pytest.fixture(autouse=True)
async def champion(db):
    """The registry's first version, as `suixing model bootstrap` makes it, stored from a copy
    trained once for the whole session; and an anomaly detector that has seen nothing."""
    if not _trained:
        model = CreditModel.fresh()
        model_registry.train_on_german_credit(model)
        model.n_learned = 0
        _trained.append(model.dumps())
    await ModelVersion.create(version=model_registry.BOOTSTRAP_VERSION, pipeline=PRODUCTION, model=_trained[0],
                              is_champion=True, promoted_at=utcnow())
    model_registry.forget()
    scoring.forget()
    fraud.reset_detector()
    yield
    model_registry.forget()


def good(borrower_id: int, device: str = "device-good", **changes) -> ApplyForCredit:
    # 15,000 a month with 1,000 of debt payments (1/15 of income), four years in a salaried job, own home.
    values = dict(borrower_id=borrower_id, monthly_income=Decimal("15000.00"), employment_type="SALARIED",
                  employment_months=48, housing="OWN", monthly_debt_payments=Decimal("1000.00"),
                  purpose="home appliances", device_id=device, ip="203.0.113.7")
    return ApplyForCredit(**{**values, **changes})


def over_indebted(borrower_id: int, device: str = "device-bad") -> ApplyForCredit:
    # 3,000 of 4,000 a month already goes to debts: 75%, above the 50% any lender accepts.
    return ApplyForCredit(borrower_id, Decimal("4000.00"), "OTHER", 2, "RENT", Decimal("3000.00"),
                          "cash", device, "198.51.100.9")
