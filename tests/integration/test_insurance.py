"""Performance-guarantee insurance: the premium on the schedule, the policy at drawdown, premiums
owed on to the insurer, the claim at 90 days past due, recoveries after it, and the disclosure.

The insured loan below is 3,000.00 CNY over 3 equal instalments at 0.05% a day (1.5% a month,
30/360), drawn on 2026-01-05, with a premium of 0.25% a month (7.50 an instalment) and 80% cover.
Worked by hand (see tests/unit/test_premium.py for the schedule):

    due          principal  interest  fee   total
    2026-02-05     985.15     45.00   7.50  1,037.65
    2026-03-05     999.93     30.22   7.50  1,037.65
    2026-04-05   1,014.92     15.22   7.50  1,037.64

Left unpaid, the loan is 90 days past due on 2026-05-06 (2026-02-05 + 90 days). Penalty runs at
1.5 × 0.05% = 0.075% a day on the overdue principal, rounded to the fen each day, from the due date:
    28 days (to 2026-03-05) × round(985.15 × 0.00075 = 0.7389) = 28 × 0.74 = 20.72
    31 days (to 2026-04-05) × round(1,985.08 × 0.00075 = 1.4888) = 31 × 1.49 = 46.19
    31 days (to 2026-05-06) × round(3,000.00 × 0.00075) = 31 × 2.25 = 69.75      penalty 136.66
Owed at the claim: principal 3,000.00 + interest 45.00 + 30.22 + 15.22 = 3,090.44; the insurer pays
80%: 2,472.352 → 2,472.35. On the books besides: penalty 136.66 and fees 3 × 7.50 = 22.50, so the
credit loss is 3,000.00 + 90.44 + 136.66 + 22.50 − 2,472.35 = 777.25."""

from __future__ import annotations

import argparse
from datetime import date, timedelta
from decimal import Decimal

import pytest

from api.cli import build_parser
from api.cli_insurance import add_insurer, add_plan, list_insurers
from domain.commands import Repay
from domain.errors import ValidationFailed
from domain.models import (
    CloseRun,
    CreditLine,
    Event,
    Installment,
    InsuranceClaim,
    InsurancePlan,
    InsurancePolicy,
    Insurer,
    JournalEntry,
    Loan,
    Pool,
    PoolCollection,
    Posting,
)
from domain.money import from_fen
from domain.pools.eligibility import Criteria
from domain.pools.waterfall import TrancheKind
from domain.services import cob_partitions, insurance, ledger
from domain.services.calendar import business_date
from domain.services.cob import run_close
from domain.services.disclosure import disclosure
from domain.services.pooling.build import create_pool
from domain.services.pooling.spec import PoolSpec, TrancheSpec
from domain.services.repay import quote_payoff, repay
from domain.settings import get_settings, load_settings
from tests.factories import make_borrower, make_line, make_loan
from tests.integration import assert_books_agree

D = Decimal
START = date(2026, 1, 5)
CLAIM_DAY = date(2026, 5, 6)
CODES = {i: code for code, (i, _name, _kind) in ledger.CHART.items()}


async def guarantee(methods: str = "EQUAL_INSTALLMENT,EQUAL_PRINCIPAL", **terms) -> InsurancePlan:
    if not await Insurer.exists(name="Guarantee Co"):
        await insurance.create_insurer("Guarantee Co")
    terms = {"premium_monthly": "0.0025", "cover": "0.8", **terms}
    return await insurance.create_plan(terms.pop("name", "Instalments"), insurer="Guarantee Co", methods=methods,
                                       **terms)


async def insured_loan(amount: str = "3000.00", method: str = "EQUAL_INSTALLMENT", **term) -> Loan:
    borrower = await make_borrower()
    await make_line(borrower)
    return await make_loan(borrower, amount, method, **({"months": 3} | term))


async def fresh(loan: Loan) -> Loan:
    await loan.refresh_from_db()
    return loan


async def close_until(day: date, settings=None) -> None:
    await run_close((day - await business_date()).days, settings=settings)
    assert await business_date() == day


async def pay(loan: Loan, amount: str | Decimal, key: str) -> None:
    await repay(Repay(loan.borrower_id, loan.id, D(amount), key))


async def entry_lines(kind: str, loan_id: int) -> dict[str, tuple[int, int]]:
    """The postings of the loan's latest entry of a kind, by account."""
    entry = await JournalEntry.filter(kind=kind, loan_id=loan_id).order_by("-id").first()
    return {CODES[p.account_id]: (p.debit_fen, p.credit_fen) for p in await Posting.filter(entry_id=entry.id)}


async def test_an_insured_draw_is_quoted_and_drawn_with_its_premium_and_takes_out_a_policy(db):
    plan = await guarantee()
    borrower = await make_borrower()
    line = await make_line(borrower)
    quote, quoted_plan = await insurance.quote_for_draw(
        D("3000.00"), D("0.0005"), "EQUAL_INSTALLMENT", start=START, term_months=3, term_days=None,
        settings=get_settings())
    assert quoted_plan.id == plan.id
    loan = await make_loan(borrower, "3000.00", months=3)

    drawn = [(i.due_date, i.principal_fen, i.interest_fen, i.fee_fen)
             for i in await Installment.filter(loan_id=loan.id).order_by("number")]
    assert drawn == [(s.due_date, int(s.principal * 100), int(s.interest * 100), int(s.fee * 100))
                     for s in quote.schedule]
    assert drawn == [(date(2026, 2, 5), 98_515, 4500, 750), (date(2026, 3, 5), 99_993, 3022, 750),
                     (date(2026, 4, 5), 101_492, 1522, 750)]
    assert quote.total_fees == D("22.50")
    # numpy-financial: irr([-3000, 1037.65, 1037.65, 1037.64]) × 12 = 0.2244934…; the quote and the
    # loan carry the same APR, premium included.
    assert quote.apr == D("0.224493") and loan.apr_ppm == 224_493

    policy = await InsurancePolicy.get(loan_id=loan.id)
    assert (policy.plan_id, policy.insurer_id, policy.cover_ppm, policy.premium_fen, policy.status,
            policy.started_on) == (plan.id, plan.insurer_id, 800_000, 2250, "ACTIVE", START)
    assert (await CreditLine.get(id=line.id)).used_fen == 300_000
    await assert_books_agree()


async def test_the_first_active_plan_that_fits_the_method_and_amount_covers_the_draw(db):
    await guarantee(name="Large", min_amount="5000.00", priority=10)
    small = await guarantee(name="Small", max_amount="4999.99", priority=10)
    everything = await guarantee(name="Everything", methods="", priority=50)
    await guarantee(name="Switched off", methods="", priority=1, active=False)
    await guarantee(name="Later twin", methods="", priority=50)

    async def plan_of(amount_fen: int, method: str) -> str | None:
        plan = await insurance.plan_for(amount_fen, method)
        return plan.name if plan else None

    assert await plan_of(499_999, "EQUAL_INSTALLMENT") == "Small"
    assert await plan_of(500_000, "EQUAL_PRINCIPAL") == "Large"
    # Daily-interest draws fall to the plan for every method; of two equal priorities the older.
    assert await plan_of(500_000, "DAILY_INTEREST") == "Everything"
    assert (small.max_amount_fen, everything.methods) == (499_999, "")
    await InsurancePlan.filter(name="Everything").update(active=False)
    assert await plan_of(100_000, "DAILY_INTEREST") == "Later twin"


async def test_a_draw_no_plan_fits_has_no_premium_and_no_policy(db):
    await guarantee(methods="EQUAL_INSTALLMENT", max_amount="2000.00")
    daily = await insured_loan("1000.00", "DAILY_INTEREST", months=None, days=30)
    large = await insured_loan("3000.00")
    assert {i.fee_fen for i in await Installment.filter(loan_id__in=[daily.id, large.id])} == {0}
    assert await InsurancePolicy.all().count() == 0
    # 1,000.00 for 30 days at 0.05% a day: 0.015 × 365 / 30 = 0.1825, no premium in it.
    assert daily.apr_ppm == 182_500


async def test_premiums_paid_are_owed_to_the_insurer_and_paying_off_ends_the_policy(db):
    await guarantee()
    loan = await insured_loan()
    await close_until(date(2026, 2, 5))
    await pay(loan, "1037.65", "first")  # instalment 1 on its due date
    books = await ledger.balances()
    assert (books["FEE_INCOME"], books["FEE_RECEIVABLE"]) == (750, 0)
    assert (books["PREMIUMS_CEDED"], books["INSURER_PAYABLE"]) == (750, 750)
    await assert_books_agree()

    await close_until(date(2026, 2, 20))
    dues = await quote_payoff(await fresh(loan))
    # Settled early: instalment 2's premium is paid with it, instalment 3's is not charged.
    assert dues.owed["current_fee"] == 750
    await pay(loan, from_fen(dues.payoff), "settle")
    assert (await fresh(loan)).status == "PAID_OFF"
    assert (await InsurancePolicy.get(loan_id=loan.id)).status == "ENDED"
    books = await ledger.balances()
    assert (books["FEE_INCOME"], books["PREMIUMS_CEDED"], books["INSURER_PAYABLE"]) == (1500, 1500, 1500)
    await assert_books_agree()


async def test_the_premium_of_a_daily_interest_loan_repaid_early_is_passed_on(db):
    await guarantee(methods="")
    loan = await insured_loan("5000.00", "DAILY_INTEREST", months=None, days=30)
    # 5,000.00 × 0.25% × 30 / 30 = 12.50, on the single instalment.
    assert (await Installment.get(loan_id=loan.id)).fee_fen == 1250
    assert (await InsurancePolicy.get(loan_id=loan.id)).premium_fen == 1250
    await close_until(date(2026, 1, 15))
    # Ten days held: interest 5,000.00 × 0.0005 × 10 = 25.00; with the premium and principal 5,037.50.
    await pay(loan, "5037.50", "early")
    assert (await fresh(loan)).status == "PAID_OFF"
    books = await ledger.balances()
    # The premium had not fallen due: it is income at once, owed on to the insurer, never a receivable.
    assert (books["FEE_INCOME"], books["FEE_RECEIVABLE"], books["INSURER_PAYABLE"]) == (1250, 0, 1250)
    await assert_books_agree()


async def test_an_insured_loan_left_unpaid_is_claimed_once_at_90_days_past_due(db):
    await guarantee()
    loan = await insured_loan()
    uninsured = await insured_loan("1000.00", "DAILY_INTEREST", months=None, days=30)  # due 2026-02-04
    insurer_id = (await InsurancePolicy.get(loan_id=loan.id)).insurer_id

    await close_until(CLAIM_DAY - timedelta(days=1))
    loan = await fresh(loan)
    assert (loan.status, loan.dpd) == ("OVERDUE", 89)
    assert await InsuranceClaim.all().count() == 0
    await assert_books_agree()

    await close_until(CLAIM_DAY)
    loan = await fresh(loan)
    assert (loan.status, loan.dpd) == ("CLAIMED", 90)
    # What was owed stays on the loan, as for a write-off.
    assert (loan.outstanding_principal_fen, loan.interest_receivable_fen, loan.penalty_receivable_fen) == (
        300_000, 9044, 13_666)
    [claim] = await InsuranceClaim.all()
    assert (claim.loan_id, claim.insurer_id, claim.business_date, claim.dpd, claim.principal_fen,
            claim.interest_fen, claim.paid_fen, claim.recovered_fen) == (
        loan.id, insurer_id, CLAIM_DAY, 90, 300_000, 9044, 247_235, 0)
    assert (await InsurancePolicy.get(loan_id=loan.id)).status == "CLAIMED"
    assert await entry_lines("INSURANCE_CLAIM", loan.id) == {
        "CASH": (247_235, 0), "CREDIT_LOSS": (77_725, 0), "LOANS_RECEIVABLE": (0, 300_000),
        "INTEREST_RECEIVABLE": (0, 9044), "PENALTY_RECEIVABLE": (0, 13_666), "FEE_RECEIVABLE": (0, 2250)}
    [event] = await Event.filter(type="INSURANCE_CLAIM_PAID")
    assert (event.loan_id, event.borrower_id, event.business_date) == (loan.id, loan.borrower_id, CLAIM_DAY)
    assert event.data == {"claimId": claim.id, "insurerId": insurer_id, "owed": "3090.44", "paid": "2472.35",
                          "daysPastDue": 90}
    run = await CloseRun.get(closed_date=CLAIM_DAY - timedelta(days=1))
    assert (run.stats["loans_claimed"], run.stats["insurance_paid"]) == (1, 247_235)
    assert (await CreditLine.get(id=loan.credit_line_id)).status == "FROZEN"
    await assert_books_agree()

    # The uninsured loan, 91 days past due, is only overdue.
    uninsured = await fresh(uninsured)
    assert (uninsured.status, uninsured.dpd) == ("OVERDUE", 91)

    figures = await disclosure()
    assert figures.insurance_payouts == D("2472.35")
    assert figures.outstanding_loan_count == 1  # the uninsured loan; the claimed one is off the books

    await close_until(CLAIM_DAY + timedelta(days=5))
    assert await InsuranceClaim.all().count() == 1
    assert await Event.filter(type="INSURANCE_CLAIM_PAID").count() == 1
    assert await JournalEntry.filter(kind="INSURANCE_CLAIM").count() == 1
    loan = await fresh(loan)
    assert (loan.status, loan.dpd, loan.penalty_receivable_fen) == ("CLAIMED", 90, 13_666)
    await assert_books_agree()


async def test_recoveries_after_a_claim_go_to_the_insurer_up_to_what_it_paid(db):
    await guarantee()
    loan = await insured_loan()
    await close_until(CLAIM_DAY)
    assert (await fresh(loan)).status == "CLAIMED"
    # Every instalment is past due: the payoff is all that is owed, 3,000.00 + 90.44 + 136.66 + 22.50.
    assert (await quote_payoff(loan)).payoff == 324_960

    await pay(loan, "2000.00", "part")
    assert (await InsuranceClaim.get(loan_id=loan.id)).recovered_fen == 200_000
    books = await ledger.balances()
    assert (books["INSURER_PAYABLE"], books["RECOVERY_INCOME"]) == (200_000, 0)
    assert (await fresh(loan)).status == "CLAIMED"
    assert (await CreditLine.get(id=loan.credit_line_id)).status == "FROZEN"
    await assert_books_agree()

    # The rest: 472.35 more to the insurer (2,472.35 in all), 1,249.60 − 472.35 = 777.25 recovered.
    await pay(loan, "1249.60", "rest")
    assert (await InsuranceClaim.get(loan_id=loan.id)).recovered_fen == 247_235
    books = await ledger.balances()
    assert (books["INSURER_PAYABLE"], books["RECOVERY_INCOME"]) == (247_235, 77_725)
    assert await entry_lines("REPAYMENT", loan.id) == {
        "CASH": (124_960, 0), "INSURER_PAYABLE": (0, 47_235), "RECOVERY_INCOME": (0, 77_725)}
    loan = await fresh(loan)
    assert loan.status == "PAID_OFF"
    assert (await InsurancePolicy.get(loan_id=loan.id)).status == "CLAIMED"
    line = await CreditLine.get(id=loan.credit_line_id)
    assert (line.status, line.used_fen) == ("ACTIVE", 0)
    await assert_books_agree()


async def test_a_partitioned_close_claims_the_loans_of_each_range(db):
    await guarantee(methods="")
    # One-day daily-interest loans, due 2026-01-06; claimed here at 5 days past due, on 2026-01-11.
    settings = load_settings({}, insurance_claim_dpd=5, close_range_size=1)
    insured = [await insured_loan("1000.00", "DAILY_INTEREST", months=None, days=1) for _ in range(2)]
    await InsurancePlan.all().update(active=False)
    uninsured = await insured_loan("1000.00", "DAILY_INTEREST", months=None, days=1)
    await close_until(date(2026, 1, 10), settings)
    assert await InsuranceClaim.all().count() == 0

    day = await business_date()
    ranges = await cob_partitions.plan_close(settings=settings)
    assert len(ranges) == 3
    outcomes = [await cob_partitions.run_range(r.id, settings=settings) for r in reversed(ranges)]
    assert sorted(o.stats["loans_claimed"] for o in outcomes) == [0, 1, 1]
    result = await cob_partitions.finalize_close(day, settings=settings)
    assert result is not None and result.stats["loans_claimed"] == 2
    assert {(c.loan_id, c.dpd) for c in await InsuranceClaim.all()} == {(loan.id, 5) for loan in insured}
    assert [(await fresh(loan)).status for loan in insured] == ["CLAIMED", "CLAIMED"]
    assert (await fresh(uninsured)).status == "OVERDUE"
    # 1,000.00 + one day's interest 0.50 owed; 80% of 1,000.50 = 800.40 each.
    assert result.stats["insurance_paid"] == 2 * 80_040
    await assert_books_agree()
    await close_until(date(2026, 1, 13), settings)
    assert await InsuranceClaim.all().count() == 2


async def test_a_claim_on_a_pooled_loan_pays_the_pool(db):
    await guarantee()
    loan = await insured_loan()
    pool = await create_pool(PoolSpec(
        name="Insured pool", criteria=Criteria(),
        tranches=(TrancheSpec("A", TrancheKind.SENIOR, D("0.80"), D("0.06")),
                  TrancheSpec("B", TrancheKind.SUBORDINATED)),
    ))
    assert (await fresh(loan)).pool_id == pool.id
    # Claimed at 5 days past due on 2026-02-10: principal 3,000.00 + interest 45.00 owed, 80% of
    # 3,045.00 = 2,436.00 paid. Penalty 4 × 0.74 + 0.74 = 3.70 and the fee 7.50 are lost besides.
    settings = load_settings({}, insurance_claim_dpd=5)
    await close_until(date(2026, 2, 10), settings)
    assert (await fresh(loan)).status == "CLAIMED"
    assert (await InsuranceClaim.get(loan_id=loan.id)).paid_fen == 243_600
    assert await entry_lines("INSURANCE_CLAIM", loan.id) == {
        "CASH": (243_600, 0), "CREDIT_LOSS": (62_020, 0), "LOANS_RECEIVABLE": (0, 300_000),
        "INTEREST_RECEIVABLE": (0, 4500), "PENALTY_RECEIVABLE": (0, 370), "FEE_RECEIVABLE": (0, 750)}
    kinds = {c.kind: c.amount_fen for c in await PoolCollection.filter(pool_id=pool.id)}
    assert kinds == {"PURCHASE": 300_000, "DEFAULT": 300_000, "INSURANCE": 243_600}
    books = await ledger.balances()
    assert (books["POOL_PRINCIPAL"], books["LOSSES_BORNE_BY_POOLS"], books["POOL_CASH"]) == (0, 300_000, 243_600)
    await assert_books_agree()

    # A recovery: the insurer first (2,436.00), then the pool gets the lender's part.
    payoff = (await quote_payoff(await fresh(loan))).payoff
    await pay(loan, from_fen(payoff), "recovered")
    recovery = await PoolCollection.get(pool_id=pool.id, kind="RECOVERY")
    assert recovery.amount_fen == payoff - 243_600
    books = await ledger.balances()
    assert (books["INSURER_PAYABLE"], books["POOL_CASH"]) == (243_600, payoff)
    assert (await Pool.get(id=pool.id)).cut_off_balance_fen == 300_000
    await assert_books_agree()


def parse(*argv: str) -> argparse.Namespace:
    return build_parser().parse_args(["insurer", *argv])


async def test_the_insurer_command_adds_insurers_and_plans_and_refuses_bad_input(db, capsys):
    assert await add_insurer(parse("add", "Guarantee Co")) == 0
    assert await add_plan(parse("plan", "Basic", "--insurer", "Guarantee Co", "--premium-monthly", "0.003",
                                "--cover", "0.8", "--methods", "equal_installment,EQUAL_PRINCIPAL",
                                "--min-amount", "500", "--max-amount", "20000.00", "--priority", "5")) == 0
    plan = await InsurancePlan.get(name="Basic")
    assert (plan.premium_monthly_ppm, plan.cover_ppm, plan.methods, plan.min_amount_fen, plan.max_amount_fen,
            plan.priority, plan.active) == (3000, 800_000, "EQUAL_INSTALLMENT,EQUAL_PRINCIPAL", 50_000,
                                            2_000_000, 5, True)
    capsys.readouterr()
    assert await list_insurers(parse("list")) == 0
    out = capsys.readouterr().out
    assert "Guarantee Co" in out and "Basic: premium 0.003000/month, cover 0.800000" in out

    refused = [
        ("add", "Guarantee Co"),  # taken
        ("add", "Other", "--partner", "Nobody"),
        ("plan", "Basic", "--insurer", "Guarantee Co", "--premium-monthly", "0.003", "--cover", "0.8"),  # taken
        ("plan", "X", "--insurer", "Nobody", "--premium-monthly", "0.003", "--cover", "0.8"),
        ("plan", "X", "--insurer", "Guarantee Co", "--premium-monthly", "0.003", "--cover", "1.5"),
        ("plan", "X", "--insurer", "Guarantee Co", "--premium-monthly", "0.003", "--cover", "0"),
        ("plan", "X", "--insurer", "Guarantee Co", "--premium-monthly", "-0.001", "--cover", "0.8"),
        ("plan", "X", "--insurer", "Guarantee Co", "--premium-monthly", "abc", "--cover", "0.8"),
        ("plan", "X", "--insurer", "Guarantee Co", "--premium-monthly", "0.0000001", "--cover", "0.8"),
        ("plan", "X", "--insurer", "Guarantee Co", "--premium-monthly", "0.003", "--cover", "0.8",
         "--methods", "BALLOON"),
        ("plan", "X", "--insurer", "Guarantee Co", "--premium-monthly", "0.003", "--cover", "0.8",
         "--min-amount", "100", "--max-amount", "50"),
        ("plan", "X", "--insurer", "Guarantee Co", "--premium-monthly", "0.003", "--cover", "0.8",
         "--min-amount", "1.234"),
    ]
    for argv in refused:
        command = add_insurer if argv[0] == "add" else add_plan
        assert await command(parse(*argv)) == 1, argv
        assert capsys.readouterr().err.startswith("error: "), argv
    assert (await Insurer.all().count(), await InsurancePlan.all().count()) == (1, 1)
    with pytest.raises(ValidationFailed) as refusal:
        await insurance.create_plan("Y", insurer="Guarantee Co", premium_monthly="0.003", cover="1.01")
    assert refusal.value.field == "cover"
