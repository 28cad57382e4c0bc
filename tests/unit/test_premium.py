"""The insurance premium as a fee on the schedule, and its weight in the APR.

Reference numbers are worked by hand in the comments, or come from numpy-financial."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import numpy_financial as npf
import pytest

from domain.rules.schedule import Method
from domain.services.insurance_claims import cover_share
from domain.services.insurance_premium import premium_per_period
from domain.services.quotes import make_quote
from domain.settings import load_settings

D = Decimal
START = date(2026, 1, 5)
SETTINGS = load_settings({})


def npf_apr(flows: list[Decimal]) -> Decimal:
    return D(repr(npf.irr([float(f) for f in flows]) * 12)).quantize(D("0.000001"))


@pytest.mark.parametrize(("principal", "ppm", "fee"), [
    ("12000.00", 2500, "30.00"),  # 12,000.00 × 0.25% = 30.00
    ("1234.50", 2500, "3.09"),  # 3.08625 rounds up
    ("1002.00", 2500, "2.51"),  # 2.505: half-up, not to even
    ("1001.00", 2500, "2.50"),  # 2.5025 rounds down
    ("5000.00", 0, "0.00"),  # a plan without premium charges nothing
])
def test_an_instalment_loan_pays_one_month_of_premium_with_each_instalment(principal, ppm, fee):
    for method in (Method.EQUAL_INSTALLMENT, Method.EQUAL_PRINCIPAL):
        assert premium_per_period(D(principal), ppm, method, term_months=6) == D(fee)


@pytest.mark.parametrize(("principal", "ppm", "months", "days", "fee"), [
    ("5000.00", 3000, None, 45, "22.50"),  # 5,000.00 × 0.3% × 45 / 30 = 22.50
    ("3333.33", 2500, None, 7, "1.94"),  # 8.333325 × 7 / 30 = 1.9444425, rounded once
    ("1000.00", 2500, None, 1, "0.08"),  # 2.50 / 30 = 0.0833…
    ("5000.00", 2500, 3, None, "37.50"),  # 5,000.00 × 0.25% × 3 months
])
def test_a_daily_interest_loan_pays_the_premium_for_its_whole_term_at_once(principal, ppm, months, days, fee):
    assert premium_per_period(D(principal), ppm, Method.DAILY_INTEREST, term_months=months, term_days=days) == D(fee)


@pytest.mark.parametrize(("months", "days"), [(None, None), (None, 0), (3, 30), (0, None)])
def test_a_term_the_method_refuses_gives_no_premium(months, days):
    assert premium_per_period(D("1000.00"), 2500, Method.DAILY_INTEREST, term_months=months, term_days=days) == 0


def test_the_premium_rides_on_every_instalment_and_counts_in_the_apr():
    # 3,000.00 over 3 months at 0.05% a day (1.5% a month, 30/360); premium 0.25% × 3,000.00 = 7.50.
    # Level instalment 3000 × 0.015 × 1.015³ / (1.015³ − 1) = 1,030.1488… → 1,030.15.
    # Month 1: interest 45.00, principal 985.15, balance 2,014.85.
    # Month 2: interest 30.22275 → 30.22, principal 999.93, balance 1,014.92.
    # Month 3: interest 15.2238 → 15.22, principal 1,014.92: 1,030.14.
    fee = premium_per_period(D("3000.00"), 2500, Method.EQUAL_INSTALLMENT, term_months=3)
    quote = make_quote(D("3000.00"), D("0.0005"), "EQUAL_INSTALLMENT", start=START, term_months=3, term_days=None,
                       settings=SETTINGS, fee_per_period=fee)
    assert [(i.principal, i.interest, i.fee) for i in quote.schedule] == [
        (D("985.15"), D("45.00"), D("7.50")), (D("999.93"), D("30.22"), D("7.50")),
        (D("1014.92"), D("15.22"), D("7.50"))]
    assert quote.total_fees == D("22.50")
    flows = [D("-3000.00"), D("1037.65"), D("1037.65"), D("1037.64")]
    assert quote.apr == npf_apr(flows)
    # About 18% a year without the premium; the premium adds over 4 points.
    plain = make_quote(D("3000.00"), D("0.0005"), "EQUAL_INSTALLMENT", start=START, term_months=3, term_days=None,
                       settings=SETTINGS)
    assert plain.total_fees == 0 and abs(plain.apr - D("0.18")) < D("0.0001")
    assert quote.apr - plain.apr > D("0.04")


def test_the_premium_of_a_daily_interest_loan_counts_in_its_apr():
    # 5,000.00 for 30 days at 0.05% a day: interest 75.00; premium 5,000.00 × 0.25% × 30/30 = 12.50.
    # (5,087.50 / 5,000.00 − 1) × 365 / 30 = 0.0175 × 12.1666… = 0.2129166… → 0.212917
    fee = premium_per_period(D("5000.00"), 2500, Method.DAILY_INTEREST, term_days=30)
    quote = make_quote(D("5000.00"), D("0.0005"), "DAILY_INTEREST", start=START, term_months=None, term_days=30,
                       settings=SETTINGS, fee_per_period=fee)
    [only] = quote.schedule
    assert (only.principal, only.interest, only.fee) == (D("5000.00"), D("75.00"), D("12.50"))
    assert quote.apr == D("0.212917")


@pytest.mark.parametrize(("owed", "cover", "paid"), [
    (1_000_000, 800_000, 800_000),  # 80% of 10,000.00
    (12_345, 800_000, 9876),  # 98.76 exactly
    (12_347, 800_000, 9878),  # 98.776 → 98.78
    (10_001, 500_000, 5001),  # 50.005 → 50.01, half-up
    (0, 800_000, 0),
])
def test_a_claim_pays_the_insured_share_rounded_half_up_to_the_fen(owed, cover, paid):
    assert cover_share(owed, cover) == paid
