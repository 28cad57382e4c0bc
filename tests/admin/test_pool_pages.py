"""The pool and insurance pages: the lists, one pool, a period's investor report, building a pool
(preview, refusals, creation) and the claims list.

The pools below hold four 12,000.00 CNY equal-principal loans over 12 months at 0.05% a day
(1.5% a month on the 30/360 basis), drawn on 2026-01-05, as in tests/integration/test_pools.py.
Each first instalment, due 2026-02-05, is 1,000.00 principal + 180.00 interest (12,000 × 0.015)."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from domain.models import (
    InsuranceClaim,
    InsurancePlan,
    InsurancePolicy,
    Insurer,
    Loan,
    Pool,
    PoolPeriod,
    StaffAction,
    Tranche,
)
from domain.services.calendar import business_date
from domain.services.cob import run_close
from domain.services.pooling.build import create_pool
from domain.services.pooling.periods import close_due_periods
from tests.admin.conftest import count_queries
from tests.factories import make_borrower, make_line, make_loan
from tests.integration import snapshot
from tests.pool_factories import four_loans, pay, spec

D = Decimal

# The form as a risk officer fills it in: senior 80% at 6%, mezzanine 10% at 9%, the rest subordinated.
FORM = {
    "name": "随行 2026-1", "max_dpd": "0", "min_term": "1", "max_term": "", "min_rate": "", "max_rate": "",
    "max_share": "", "senior_name": "A", "senior_share": "0.80", "senior_coupon": "0.06",
    "mezz_name": "B", "mezz_share": "0.10", "mezz_coupon": "0.09", "sub_name": "C",
    "trustee_fee": "0.006", "servicer_fee": "0.012", "max_default_rate": "0.05", "min_oc_ratio": "1",
    "revolving_months": "12", "principal_mode": "SEQUENTIAL",
}


def text_of(html: str) -> str:
    """The page's words without tags, for checking figures that sit in separate cells."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


async def pool_with_a_closed_period() -> Pool:
    """Period 1 (2026-01-05 to 2026-02-05) with every first instalment paid on its due date."""
    loans = await four_loans()
    pool = await create_pool(spec("随行 2026-1"))
    await run_close(31)
    for loan in loans:
        await pay(loan, "1180.00")
    await run_close(1)
    [period] = await close_due_periods()
    assert period.number == 1
    return await Pool.get(id=pool.id)


async def uncovered_loans(n: int) -> list[Loan]:
    """Loans drawn before any insurance plan exists, so no policy was taken out at drawdown."""
    loans = []
    for _ in range(n):
        borrower = await make_borrower("赵六")
        await make_line(borrower)
        loans.append(await make_loan(borrower, "10000.00"))
    return loans


async def a_claim(insurer: Insurer, plan: InsurancePlan, loan: Loan) -> InsuranceClaim:
    """A claim at 90 days past due on 9,500.00 principal and 500.00 interest, 90% of it paid."""
    policy = await InsurancePolicy.create(loan_id=loan.id, plan_id=plan.id, insurer_id=insurer.id, cover_ppm=900_000,
                                          premium_fen=5_000, status="CLAIMED", started_on=await business_date())
    return await InsuranceClaim.create(
        policy_id=policy.id, loan_id=loan.id, insurer_id=insurer.id, business_date=await business_date(), dpd=90,
        principal_fen=950_000, interest_fen=50_000, paid_fen=900_000, recovered_fen=12_345)


async def test_every_pool_and_insurance_page_renders_for_a_viewer(sign_in_as, db):
    pool = await pool_with_a_closed_period()
    viewer = await sign_in_as("viewer")
    for path in ("/admin/pools", f"/admin/pools/{pool.id}", f"/admin/pools/{pool.id}/periods/1",
                 "/admin/pools/new", "/admin/insurance"):
        response = await viewer.client.get(path)
        assert response.status_code == 200, (path, response.text[:2000])
        assert "随行 2026-1" in response.text or path in ("/admin/pools/new", "/admin/insurance")
    english = await sign_in_as("viewer", language="en")
    page = (await english.client.get(f"/admin/pools/{pool.id}")).text
    assert "Tranches" in page and "Delinquency" in page and "Collection periods" in page
    # A viewer may look at the form and preview, but is offered no Create button.
    assert "Create pool" not in (await english.client.get("/admin/pools/new")).text
    for missing in (f"/admin/pools/{pool.id + 1}", f"/admin/pools/{pool.id}/periods/2", "/admin/pools/x"):
        assert (await viewer.client.get(missing)).status_code == 404, missing


async def test_the_pool_list_shows_each_pools_balances_and_tranches(sign_in_as, db):
    await four_loans()
    pool = await create_pool(spec("随行 2026-1"))
    viewer = await sign_in_as("viewer", language="en")
    page = text_of((await viewer.client.get("/admin/pools")).text)
    # Cut-off and current balance 48,000.00 over 4 loans; tranches 38,400.00 / 4,800.00 / 4,800.00.
    assert "随行 2026-1 Revolving 2026-01-05 48,000.00 48,000.00 4 0 Not breached" in page
    assert "A · Senior 38,400.00" in page and "B · Mezzanine 4,800.00" in page
    assert "C · Subordinated 4,800.00" in page
    assert f'href="/admin/pools/{pool.id}"' in (await viewer.client.get("/admin/pools")).text


@pytest.mark.parametrize("role", ["viewer", "operator"])
async def test_only_a_risk_officer_or_an_admin_may_create_a_pool(sign_in_as, db, role):
    await four_loans()
    staff = await sign_in_as(role)
    before = await snapshot()
    response = await staff.client.post("/admin/pools/new", data=staff.form(**FORM))
    assert response.status_code == 403
    assert await snapshot() == before


async def test_a_preview_shows_the_selection_and_writes_nothing(sign_in_as, db):
    await four_loans()
    # A daily-interest loan the criteria below leave out by its method.
    other = await make_borrower()
    await make_line(other, limit="50000.00", rate="0.0005")
    await make_loan(other, "3000.00", "DAILY_INTEREST", days=60)
    viewer = await sign_in_as("viewer", language="en")
    before = await snapshot()
    response = await viewer.client.post("/admin/pools/new/preview",
                                        data=viewer.form(**FORM, methods=["EQUAL_PRINCIPAL", "EQUAL_INSTALLMENT"]))
    assert response.status_code == 200, response.text[:2000]
    assert await snapshot() == before
    page = text_of(response.text)
    # Four 12,000.00 loans: 48,000.00; 80% and 10% of it, and the 4,800.00 left for the subordinated.
    assert "Loans 4 " in page and "Balance 48,000.00" in page
    assert "A Senior 80.00% 38,400.00 6.00%" in page
    assert "B Mezzanine 10.00% 4,800.00 9.00%" in page
    assert "C Subordinated the rest 4,800.00" in page
    # Every loan at 0.05% a day with 12 months left.
    assert "WA daily rate 0.0500%" in page and "WA months left 12.00" in page
    assert "Method not chosen METHOD_EXCLUDED 1" in page
    assert "<svg" in response.text


@pytest.mark.parametrize("field, value, message", [
    ("senior_share", "1.5", "Enter a share above 0 and below 1, such as 0.80."),
    ("methods", "BALLOON", "Unknown repayment method: BALLOON."),
    ("mezz_share", "0.25", "The senior and mezzanine shares must leave a share for the subordinated tranche."),
    ("max_term", "0", "The longest remaining term must not be shorter than the shortest."),
    ("trustee_fee", "abc", "Enter a number such as 0.05."),
    ("trustee_fee_fixed", "12.345", "Enter an amount a period from 0.00 up to 1,000,000.00, such as 2500.00."),
    ("servicer_fee_fixed", "-1", "Enter an amount a period from 0.00 up to 1,000,000.00, such as 2500.00."),
    ("min_rate", "0.00000005", "Use at most six decimal places."),
    ("revolving_months", "61", "Enter a whole number from 0 to 60."),
    ("principal_mode", "TURBO", "Choose sequential or pro rata."),
    ("name", "", "Give the pool a name of up to 64 characters."),
])
async def test_bad_input_is_shown_next_to_its_field_and_nothing_is_written(sign_in_as, db, field, value,
                                                                           message):
    await four_loans()
    risk = await sign_in_as("risk", language="en")
    before = await snapshot()
    for path in ("/admin/pools/new/preview", "/admin/pools/new"):
        response = await risk.client.post(path, data=risk.form(**{**FORM, field: value}))
        assert response.status_code == 400, (path, response.text[:1000])
        assert f'id="f-{field}-error">{message}</p>' in response.text.replace("&#39;", "'")
        assert "The pool was not made" in response.text
    assert await snapshot() == before
    assert await Pool.all().count() == 0


async def test_errors_are_in_chinese_for_a_chinese_speaker(sign_in_as, db):
    risk = await sign_in_as("risk")
    response = await risk.client.post("/admin/pools/new", data=risk.form(**{**FORM, "senior_share": "1.5"}))
    assert response.status_code == 400
    assert 'id="f-senior_share-error">请输入大于 0 且小于 1 的份额，如 0.80。</p>' in response.text


async def test_a_pool_with_no_eligible_loan_is_refused_at_the_criteria(sign_in_as, db):
    risk = await sign_in_as("risk", language="en")
    response = await risk.client.post("/admin/pools/new", data=risk.form(**FORM))
    assert response.status_code == 400
    assert "no loan meets the criteria today" in response.text
    assert await Pool.all().count() == 0


async def test_creating_a_pool_sells_the_loans_and_its_page_shows_the_tranche_sizes(sign_in_as, db):
    await four_loans()
    risk = await sign_in_as("risk", language="en")
    response = await risk.client.post("/admin/pools/new", data=risk.form(**FORM, turbo="on"))
    assert response.status_code == 303, response.text[:2000]
    pool = await Pool.get(name="随行 2026-1")
    assert pool.turbo and pool.principal_mode == "SEQUENTIAL" and pool.cut_off_balance_fen == 4_800_000
    assert response.headers["location"] == f"/admin/pools/{pool.id}"
    assert {loan.pool_id for loan in await Loan.all()} == {pool.id}
    assert [(t.name, t.original_balance_fen) for t in await Tranche.filter(pool_id=pool.id).order_by("seniority")] \
        == [("A", 3_840_000), ("B", 480_000), ("C", 480_000)]
    action = await StaffAction.get(action="pool.create")
    assert action.username == risk.user.username and action.target_id == str(pool.id)

    page = await risk.client.get(response.headers["location"])
    assert "The pool is created and its loans are sold to it." in page.text
    text = text_of(page.text)
    # Name, kind, original and current balance, coupon, unpaid interest, and nothing paid yet.
    assert "A Senior 38,400.00 38,400.00 6.00% 0.00 0.00 0.00 0.00" in text
    assert "B Mezzanine 4,800.00 4,800.00 9.00% 0.00" in text
    assert "C Subordinated 4,800.00 4,800.00 —" in text
    assert "Current 4 48,000.00" in text  # delinquency: all four loans current
    assert "Principal mode Sequential: senior first · turbo" in text
    # The same name again is refused at the name, and nothing more is sold.
    again = await risk.client.post("/admin/pools/new", data=risk.form(**FORM))
    assert again.status_code == 400 and 'id="f-name-error">A pool with this name exists.</p>' in again.text
    assert await Pool.all().count() == 1


async def test_a_closed_period_shows_its_investor_report(sign_in_as, db):
    pool = await pool_with_a_closed_period()
    viewer = await sign_in_as("viewer", language="en")
    report = text_of((await viewer.client.get(f"/admin/pools/{pool.id}/periods/1")).text)
    # Cash in: interest 4 × 180.00 = 720.00 and principal 4 × 1,000.00 = 4,000.00, 4,720.00 in all.
    # Fees on the 48,000.00 opening balance for a month: trustee 48,000 × 0.6% / 12 = 24.00,
    # servicer 48,000 × 1.2% / 12 = 48.00. Interest: senior 38,400 × 6% / 12 = 192.00, mezzanine
    # 4,800 × 9% / 12 = 36.00. Revolving, so the 4,000.00 of principal is kept to buy loans (none
    # is offered); the 420.00 left (720 - 24 - 48 - 192 - 36) is the subordinated tranche's.
    for figure in ("Interest 720.00", "Principal 4,000.00", "Cash in 4,720.00", "Opening balance 48,000.00",
                   "Principal collected 4,000.00", "Closing balance 44,000.00", "Paid out 720.00 kept 4,000.00"):
        assert figure in report, figure
    steps = ["1 Trustee fee 24.00", "2 Servicer fee 48.00", "3 Interest to A 192.00", "4 Interest to B 36.00",
             "5 Kept to buy loans 4,000.00", "6 Principal to A 0.00", "7 Principal to B 0.00",
             "8 Principal to C 0.00", "9 Residual to C 420.00"]
    for step in steps:
        assert step in report, step
    assert "A Senior 38,400.00 192.00 192.00 0.00 0.00 0.00 38,400.00" in report
    assert "C Subordinated 4,800.00 0.00 0.00 0.00 0.00 420.00 4,800.00" in report
    # No defaults: 0 over 48,000.00 bought; the collateral 44,000.00 + 4,000.00 cash over the
    # 43,200.00 of rated notes is 48,000 / 43,200 = 1.111111, shown as 111.11%.
    assert "0.00 defaulted of 48,000.00 bought 0.00%" in report
    assert "111.11%" in report
    assert "Current 4 44,000.00" in report

    detail = text_of((await viewer.client.get(f"/admin/pools/{pool.id}")).text)
    assert "1 2026-01-05 → 2026-02-05 Revolving 48,000.00 4,720.00 720.00 4,000.00 0.00 0.00 (0) 44,000.00" in detail
    # Paid over every period: A 192.00 interest, C 420.00 residual.
    assert "A Senior 38,400.00 38,400.00 6.00% 0.00 192.00 0.00 0.00" in detail
    assert "C Subordinated 4,800.00 4,800.00 — 0.00 0.00 0.00 420.00" in detail
    assert "Overcollateralisation ratio at the close of the last period 111.11%" in detail


async def test_the_claims_list_shows_each_claim_with_totals_and_the_insurers(sign_in_as, db):
    claimed, covered = await uncovered_loans(2)
    insurer = await Insurer.create(name="平安保险")
    plan = await InsurancePlan.create(insurer_id=insurer.id, name="履约保证 A", premium_monthly_ppm=1_500,
                                      cover_ppm=900_000, methods="EQUAL_INSTALLMENT")
    await InsurancePlan.create(insurer_id=insurer.id, name="履约保证 B", premium_monthly_ppm=2_000, cover_ppm=800_000,
                               active=False)
    claim = await a_claim(insurer, plan, claimed)
    # The other loan's policy is still in force.
    await InsurancePolicy.create(loan_id=covered.id, plan_id=plan.id, insurer_id=insurer.id, cover_ppm=900_000,
                                 premium_fen=1_000, started_on=await business_date())
    viewer = await sign_in_as("viewer", language="en")
    response = await viewer.client.get("/admin/insurance")
    assert response.status_code == 200
    assert f'<a href="/admin/loans/{claim.loan_id}">#{claim.loan_id}</a>' in response.text
    page = text_of(response.text)
    # Owed 9,500.00 principal + 500.00 interest = 10,000.00; 90% of it paid; 123.45 recovered.
    assert f"2026-01-05 #{claim.loan_id} 平安保险 90 9,500.00 500.00 9,000.00 123.45" in page
    assert "Owed at the claims 10,000.00" in page and "Paid by insurers 9,000.00" in page
    assert "Total of every claim 9,500.00 500.00 9,000.00 123.45" in page
    assert "1 active policies · 1 claims, 9,000.00 paid, 123.45 recovered" in page
    assert "履约保证 A 0.150% 90.0% EQUAL_INSTALLMENT 0.00 no limit 100 Offered 1" in page
    assert "履约保证 B 0.200% 80.0% any 0.00 no limit 100 Withdrawn 0" in page
    # The claimed loan's own page says who covers it and what the claim paid.
    loan_page = text_of((await viewer.client.get(f"/admin/loans/{claim.loan_id}")).text)
    assert "Funding and cover" in loan_page and "平安保险 · 履约保证 A · 90% of what is owed covered" in loan_page
    assert "premium 50.00 Claimed" in loan_page
    assert "2026-01-05 · 90 days past due · paid 9,000.00, recovered for the insurer 123.45" in loan_page


async def test_a_pooled_loans_page_links_to_its_pool(sign_in_as, db):
    loans = await four_loans()
    pool = await create_pool(spec("随行 2026-1"))
    viewer = await sign_in_as("viewer", language="en")
    page = (await viewer.client.get(f"/admin/loans/{loans[0].id}")).text
    assert f'<a href="/admin/pools/{pool.id}">随行 2026-1</a> · sold on 2026-01-05' in page


async def _count(client, path: str) -> int:
    with count_queries() as counter:
        response = await client.get(path)
    assert response.status_code == 200, response.text[:2000]
    return len(counter.statements)


async def test_page_query_counts_do_not_grow_with_pools_periods_or_claims(sign_in_as, db):
    viewer = await sign_in_as("viewer")
    await four_loans()
    first = await create_pool(spec("一号"))
    await run_close(32)
    assert len(await close_due_periods()) == 1
    one_period = await _count(viewer.client, f"/admin/pools/{first.id}")
    one_pool = await _count(viewer.client, "/admin/pools")

    for name in ("二号", "三号"):
        await four_loans()
        await create_pool(spec(name))
    await run_close(59)
    await close_due_periods()
    assert await PoolPeriod.filter(pool_id=first.id).count() == 3
    assert await _count(viewer.client, f"/admin/pools/{first.id}") == one_period
    assert await _count(viewer.client, "/admin/pools") == one_pool
    assert await _count(viewer.client, f"/admin/pools/{first.id}/periods/1") == \
        await _count(viewer.client, f"/admin/pools/{first.id}/periods/3")

    loans = await uncovered_loans(4)
    insurer = await Insurer.create(name="平安保险")
    plan = await InsurancePlan.create(insurer_id=insurer.id, name="履约保证", premium_monthly_ppm=1_500,
                                      cover_ppm=900_000)
    await a_claim(insurer, plan, loans[0])
    one_claim = await _count(viewer.client, "/admin/insurance")
    for loan in loans[1:]:
        await a_claim(insurer, plan, loan)
    await Insurer.create(name="人保财险")
    assert await _count(viewer.client, "/admin/insurance") == one_claim


async def test_the_projection_page_projects_under_the_assumptions_given_and_writes_nothing(sign_in_as, db):
    pool = await pool_with_a_closed_period()
    viewer = await sign_in_as("viewer", language="en")
    before = await snapshot()
    path = f"/admin/pools/{pool.id}/projection"
    page = await viewer.client.get(path, params={"cdr": "0", "cpr": "0", "recovery_rate": "0", "periods": "2"})
    assert page.status_code == 200
    words = text_of(page.text)
    # No defaults or prepayments. From 44,000.00 on the books: interest 4 × 165.00, principal
    # 4 × 1,000.00; that and the 4,000.00 kept in period 1 buy 8,000.00 of loans. Notes' interest
    # 192.00 and 36.00; C keeps 660.00 - 22.00 - 44.00 - 228.00 = 366.00 (fees on 44,000.00).
    assert "1 Revolving 44,000.00 660.00 4,000.00 0.00 0.00 0.00 8,000.00 48,000.00 192.00 36.00 366.00" in words
    assert "2 Revolving" in words
    stressed = text_of((await viewer.client.get(path, params={"cdr": "0.95", "periods": "3"})).text)
    assert "1 Amortising" in stressed and "Cumulative default rate" in stressed
    refused = await viewer.client.get(path, params={"cdr": "1.5"})
    assert refused.status_code == 400 and "a rate between 0 and 1 is expected" in refused.text
    assert (await viewer.client.get(path, params={"recovery_lag": "x"})).status_code == 400
    assert await snapshot() == before
    chinese = await sign_in_as("viewer")
    assert "现金流测算" in (await chinese.client.get(path)).text
