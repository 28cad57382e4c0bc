"""The bureau: a simulated one that repeats itself, and an HTTP one that fails cleanly."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import httpx
import pytest

from domain.bureau import BureauUnavailable, HttpBureau, SimulatedBureau, bureau_for, simulated_report
from domain.identity import make_resident_id
from domain.settings import load_settings

IDS = [make_resident_id("110105", date(1970 + n % 35, 1, 1), f"{n:03d}") for n in range(60)]


async def test_the_simulated_bureau_gives_the_same_report_for_the_same_id_number():
    bureau = SimulatedBureau()
    assert await bureau.report(IDS[0]) == await bureau.report(IDS[0]) == simulated_report(IDS[0])


def test_the_simulated_bureau_gives_different_people_different_reports_within_believable_bounds():
    reports = [simulated_report(i) for i in IDS]
    assert len({(r.credit_accounts, r.delinquencies, r.inquiries_6m, r.total_debt) for r in reports}) > 30
    for r in reports:
        assert 0 <= r.credit_accounts <= 8 and 0 <= r.delinquencies <= 3 and 0 <= r.inquiries_6m <= 8
        assert r.total_debt >= 0 and r.total_debt == r.total_debt.quantize(Decimal("0.01"))
        assert r.credit_accounts > 0 or (r.delinquencies, r.total_debt) == (0, 0)
    assert sum(r.delinquencies == 0 for r in reports) > len(reports) // 2


def test_a_report_summary_round_trips_with_money_as_a_string():
    report = simulated_report(IDS[1])
    summary = report.summary()
    assert isinstance(summary["total_debt"], str)
    assert type(report).from_summary(json.loads(json.dumps(summary))) == report


def bureau_answering(handler) -> HttpBureau:
    return HttpBureau("http://bureau.test/reports", transport=httpx.MockTransport(handler))


async def test_the_http_bureau_posts_the_id_number_and_reads_the_answer():
    seen = {}

    def answer(request: httpx.Request) -> httpx.Response:
        seen.update(json.loads(request.content))
        return httpx.Response(200, json={"creditAccounts": 4, "delinquencies": 1, "inquiries6m": 2,
                                         "totalDebt": "12345.60"})

    report = await bureau_answering(answer).report(IDS[2])
    assert seen == {"idNumber": IDS[2]}
    assert (report.credit_accounts, report.delinquencies, report.inquiries_6m, report.total_debt, report.source) == (
        4, 1, 2, Decimal("12345.60"), "http")


@pytest.mark.parametrize("failure", [
    lambda r: (_ for _ in ()).throw(httpx.ConnectError("refused", request=r)),
    lambda r: (_ for _ in ()).throw(httpx.ReadTimeout("slow", request=r)),
    lambda r: httpx.Response(503, text="maintenance"),
    lambda r: httpx.Response(200, text="<html>not json</html>"),
    lambda r: httpx.Response(200, json={"creditAccounts": 1}),
    lambda r: httpx.Response(200, json={"creditAccounts": -1, "delinquencies": 0, "inquiries6m": 0,
                                        "totalDebt": "0"}),
    lambda r: httpx.Response(200, json={"creditAccounts": 1, "delinquencies": 0, "inquiries6m": 0,
                                        "totalDebt": "lots"}),
], ids=["refused", "timeout", "server error", "not json", "missing fields", "negative", "bad money"])
async def test_every_kind_of_bureau_failure_is_reported_as_unavailable(failure):
    with pytest.raises(BureauUnavailable):
        await bureau_answering(failure).report(IDS[3])


async def test_an_http_bureau_without_an_address_is_unavailable_not_a_crash():
    with pytest.raises(BureauUnavailable):
        await HttpBureau("").report(IDS[4])


def test_settings_choose_the_bureau():
    assert isinstance(bureau_for(load_settings({})), SimulatedBureau)
    http = bureau_for(load_settings({"SUIXING_BUREAU_PROVIDER": "http", "SUIXING_BUREAU_URL": "http://b/r",
                                     "SUIXING_BUREAU_TIMEOUT_MS": "250"}))
    assert isinstance(http, HttpBureau) and http.timeout.read == 0.25
    with pytest.raises(ValueError):
        bureau_for(load_settings({"SUIXING_BUREAU_PROVIDER": "carrier-pigeon"}))
