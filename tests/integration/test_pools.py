"""Pools on the books: the sale at the cut-off, a collection period closed by hand-worked
figures, revolving purchases, a trigger breach and the ledger after each step. The pool and its
loans are tests/pool_factories.py's."""

from __future__ import annotations

import asyncio
from datetime import date
from decimal import Decimal

import pytest

from domain.errors import NotAllowed, ValidationFailed
from domain.models import Event, Loan, Pool, PoolPeriod, Tranche, TranchePayment
from domain.money import from_fen
from domain.pools.eligibility import Criteria
from domain.pools.waterfall import PrincipalMode, TrancheKind
from domain.services import ledger
from domain.services.cob import run_close
from domain.services.pooling.build import create_pool, preview_pool
from domain.services.pooling.periods import close_due_periods, close_period
from domain.services.pooling.projection import assumptions, project_pool
from domain.services.pooling.spec import TrancheSpec
from domain.services.repay import quote_payoff
from domain.settings import load_settings
from tests.factories import make_loan
from tests.integration import assert_books_agree, snapshot
from tests.pool_factories import four_loans, loan_of, pay, spec

D = Decimal


async def test_creating_a_pool_sells_the_selected_loans_and_sizes_the_tranches(db):
    loans = await four_loans()
    preview = await preview_pool(spec())
    assert preview.selection.balance == D("48000.00")
    # 80% and 10% of 48,000.00; the subordinated tranche takes the rest.
    assert preview.tranche_sizes == [D("38400.00"), D("4800.00"), D("4800.00")]
    assert preview.stats.total.count == 4
    assert preview.stats.total.wa_remaining_term_months == D("12.00")

    pool = await create_pool(spec())
    assert {loan.pool_id for loan in await Loan.all()} == {pool.id}
    assert pool.cut_off_balance_fen == 4_800_000 and pool.status == "REVOLVING"
    assert [t.balance_fen for t in await Tranche.filter(pool_id=pool.id).order_by("seniority")] == [
        3_840_000, 480_000, 480_000]
    balances = await ledger.balances()
    assert balances["POOL_PRINCIPAL"] == 4_800_000
    assert balances["CASH"] == 4_800_000 - sum(loan.principal_fen for loan in loans)
    created = await Event.get(type="POOL_CREATED")
    assert created.data["loans"] == 4 and created.data["balance"] == "48000.00"
    await assert_books_agree()

    # The loans are taken: a second pool finds nothing, and the name must be new.
    with pytest.raises(ValidationFailed, match="no loan meets"):
        await create_pool(spec("Suixing 2026-2"))
    with pytest.raises(ValidationFailed):
        await create_pool(spec())


async def test_a_pooled_loans_repayment_reaches_the_pool_and_not_the_originator(db):
    pooled = await four_loans()
    await create_pool(spec())
    own = await loan_of("12000.00")
    await run_close(31)

    before = await ledger.balances()
    await pay(pooled[0], "1180.00")
    after = await ledger.balances()
    # All 1,180.00 is now held for the pool; the 180.00 interest is passed on, not kept.
    assert after["POOL_CASH"] - before["POOL_CASH"] == 118_000
    assert after["POOL_PRINCIPAL"] - before["POOL_PRINCIPAL"] == -100_000
    assert after["PASSED_TO_POOLS"] - before["PASSED_TO_POOLS"] == 18_000
    own_income = after["INTEREST_INCOME"] - after["PASSED_TO_POOLS"]

    await pay(own, "1180.00")
    mine = await ledger.balances()
    assert mine["POOL_CASH"] == after["POOL_CASH"]
    assert mine["INTEREST_INCOME"] - mine["PASSED_TO_POOLS"] == own_income
    await assert_books_agree()


async def test_a_revolving_period_pays_fees_and_interest_and_buys_eligible_loans(db):
    pooled = await four_loans()
    pool = await create_pool(spec())
    await run_close(31)  # to 2026-02-05, the first due date and the end of period 1
    for loan in pooled:
        await pay(loan, "1180.00")
    # New loans, drawn after the cut-off, for the pool to buy: the oldest first while money lasts.
    fresh = [await loan_of(amount, "EQUAL_INSTALLMENT", 6) for amount in ("3000.00", "1500.00", "2500.00")]
    assert await close_due_periods() == []  # 2026-02-05 is not over yet
    await run_close(1)

    [period] = await close_due_periods()
    # Cash in: interest 4 × 180.00 = 720.00, principal 4 × 1,000.00 = 4,000.00.
    # Trustee fee 48,000.00 × 0.6% / 12 = 24.00; servicer 48,000.00 × 1.2% / 12 = 48.00;
    # senior interest 38,400.00 × 6% / 12 = 192.00; mezzanine 4,800.00 × 9% / 12 = 36.00.
    # Revolving: the 4,000.00 of principal is kept to buy loans; the 420.00 left is the
    # subordinated tranche's. The 3,000.00 loan is bought, 1,500.00 does not fit in the 1,000.00 left.
    assert (period.cash_in_fen, period.paid_out_fen, period.kept_fen) == (472_000, 72_000, 400_000)
    assert (period.trustee_fee_fen, period.servicer_fee_fen) == (2_400, 4_800)
    assert period.cash_in_fen == period.paid_out_fen + period.kept_fen
    payments = {p.tranche_id: p for p in await TranchePayment.filter(period_id=period.id)}
    by_name = {t.name: payments[t.id] for t in await Tranche.filter(pool_id=pool.id)}
    assert by_name["A"].interest_paid_fen == 19_200 and by_name["A"].principal_paid_fen == 0
    assert by_name["B"].interest_paid_fen == 3_600
    assert by_name["C"].residual_paid_fen == 42_000
    assert (period.purchased_fen, period.purchased_count) == (300_000, 1)
    assert (await Loan.get(id=fresh[0].id)).pool_id == pool.id
    assert (await Loan.get(id=fresh[1].id)).pool_id is None
    # 48,000.00 - 4,000.00 repaid + 3,000.00 bought.
    assert period.closing_balance_fen == 4_700_000
    pool = await Pool.get(id=pool.id)
    assert pool.cash_fen == 100_000 and pool.periods_closed == 1
    report = period.report
    assert report["collections"]["cashIn"] == "4720.00"
    assert report["triggers"]["breaches"] == []
    assert [row["bucket"] for row in report["delinquency"]][0] == "CURRENT"
    event = await Event.get(type="POOL_DISTRIBUTION")
    assert event.data["paidOut"] == "720.00" and event.data["kept"] == "4000.00"
    await assert_books_agree()
    # Closing again changes nothing.
    assert await close_due_periods() == []
    assert await PoolPeriod.filter(pool_id=pool.id).count() == 1


async def test_defaults_past_the_limit_end_the_revolving_period_in_the_period_of_the_breach(db):
    settings = load_settings(write_off_dpd=20)
    pooled = await four_loans()
    pool = await create_pool(spec(max_default_rate=D("0.20")))
    await run_close(31, settings=settings)
    for loan in pooled[1:]:
        await pay(loan, "1180.00")
    # The first loan never pays: 21 days past due on 2026-02-26 it is written off inside
    # period 2 (2026-02-05 to 2026-03-05), and the pool bears its 12,000.00.
    await run_close(28, settings=settings)  # to 2026-03-05
    for loan in pooled[1:]:
        await pay(loan, "1165.00")  # 1,000.00 + 11,000.00 × 0.015
    await run_close(1, settings=settings)
    first, second = await close_due_periods(settings=settings)
    assert first.phase == "REVOLVING" and first.defaults_fen == 0
    # Cumulative defaults 12,000.00 over 48,000.00 bought (no purchases: no loan was offered)
    # is 25%, over the 20% limit. The collateral is the 30,000.00 left on the books (48,000.00
    # - 3 × 1,000.00 - 3 × 1,000.00 - 12,000.00) and 6,000.00 of principal cash: over the
    # 43,200.00 of rated notes that is 0.833333, under 1. Period 2 already amortises.
    assert second.defaults_fen == 1_200_000
    assert second.phase == "AMORTISING"
    triggers = second.report["triggers"]
    assert triggers["breaches"] == ["CUMULATIVE_DEFAULT_RATE", "OVERCOLLATERALISATION"]
    assert (triggers["cumulativeDefaultRate"], triggers["ocRatio"]) == ("0.250000", "0.833333")
    pool = await Pool.get(id=pool.id)
    assert pool.status == "AMORTISING" and pool.trigger_breached_on == second.end_date
    senior = await Tranche.get(pool_id=pool.id, name="A")
    mezz = await Tranche.get(pool_id=pool.id, name="B")
    payments = {p.tranche_id: p for p in await TranchePayment.filter(period_id=second.id)}
    # Period 2 cash: interest 3 × 165.00 = 495.00, principal 3,000.00 and the 3,000.00 kept from
    # period 1 (nothing was offered to buy) = 6,495.00. Fees on the 45,000.00 opening balance:
    # 22.50 and 45.00; interest 192.00 and 36.00. Of the 6,199.50 left, the 6,000.00 of principal
    # funds pays the senior down and the 199.50 of excess interest is the subordinated tranche's.
    assert (second.opening_balance_fen, second.cash_in_fen) == (4_500_000, 649_500)
    assert (second.trustee_fee_fen, second.servicer_fee_fen) == (2_250, 4_500)
    assert payments[senior.id].principal_paid_fen == 600_000
    assert payments[mezz.id].principal_paid_fen == 0  # sequential: senior first
    sub = await Tranche.get(pool_id=pool.id, name="C")
    assert payments[sub.id].residual_paid_fen == 19_950
    assert second.kept_fen == 0 and (await Pool.get(id=pool.id)).cash_fen == 0
    assert second.cash_in_fen == second.paid_out_fen + second.kept_fen
    await assert_books_agree()


async def test_pro_rata_turbo_amortisation_splits_everything_left_by_balance(db):
    pooled = await four_loans()
    pool = await create_pool(spec(revolving_months=0, principal_mode=PrincipalMode.PRO_RATA, turbo=True))
    assert pool.status == "AMORTISING"
    await run_close(31)
    for loan in pooled:
        await pay(loan, "1180.00")
    await run_close(1)
    [period] = await close_due_periods()
    # Cash in 4,720.00 less fees and interest (300.00, as in the revolving example) leaves
    # 4,420.00, all to principal (turbo), split 38,400 : 4,800 = 8 : 1: 3,928.888... and 491.111...;
    # in whole fen 392,888 and 49,111, and the one fen left goes to the larger remainder (A).
    payments = {p.tranche_id: p for p in await TranchePayment.filter(period_id=period.id)}
    by_name = {t.name: payments[t.id] for t in await Tranche.filter(pool_id=pool.id)}
    assert (by_name["A"].principal_paid_fen, by_name["B"].principal_paid_fen) == (392_889, 49_111)
    assert by_name["C"].residual_paid_fen == 0 and period.kept_fen == 0
    assert period.cash_in_fen == period.paid_out_fen == 472_000
    await assert_books_agree()


async def test_revolving_purchases_buy_only_loans_that_meet_the_criteria(db):
    criteria = Criteria(min_remaining_term_months=4, min_daily_rate=D("0.0005"), max_borrower_share=D("0.30"),
                        methods=frozenset({"EQUAL_INSTALLMENT", "EQUAL_PRINCIPAL"}))
    pooled = await four_loans()
    pool = await create_pool(spec(criteria=criteria))
    overdue = await loan_of("2000.00", "EQUAL_INSTALLMENT", 6)  # will miss 2026-02-05
    await run_close(31)
    for loan in pooled:
        await pay(loan, "1180.00")

    daily = await loan_of("500.00", "DAILY_INTEREST", None, days=20)  # method excluded
    cheap = await loan_of("800.00", "EQUAL_INSTALLMENT", 6, rate="0.0003")  # under the rate band
    short = await loan_of("700.00", "EQUAL_INSTALLMENT", 3)  # 3 months left, 4 wanted
    # The first pooled borrower would hold 11,000 + 6,000 of a 44,000 + 6,000 pool: 34% > 30%.
    greedy = await make_loan(await pooled[0].borrower, "6000.00", "EQUAL_INSTALLMENT", months=6)
    good = await loan_of("2000.00", "EQUAL_INSTALLMENT", 6)
    await run_close(1)
    [period] = await close_due_periods()
    bought = {loan.id for loan in await Loan.filter(pool_id=pool.id, pooled_on=date(2026, 2, 6))}
    assert bought == {good.id}
    for loan in (daily, cheap, short, greedy, overdue):
        assert (await Loan.get(id=loan.id)).pool_id is None
    assert (period.purchased_count, period.purchased_fen) == (1, 200_000)
    await assert_books_agree()


async def test_a_preview_writes_nothing_and_bad_terms_are_refused_before_anything_is_written(db):
    await four_loans()
    before = await snapshot()
    preview = await preview_pool(spec())
    assert preview.selection.balance == D("48000.00") and preview.rejected_by_reason == {}
    assert await snapshot() == before
    bad = [
        spec(name=""),
        spec(tranches=(TrancheSpec("A", TrancheKind.SENIOR, D("1.5")), TrancheSpec("C", TrancheKind.SUBORDINATED))),
        spec(tranches=(TrancheSpec("A", TrancheKind.SENIOR, D("0.9")),)),
        spec(tranches=(TrancheSpec("C", TrancheKind.SUBORDINATED), TrancheSpec("A", TrancheKind.SENIOR, D("0.5")))),
        spec(tranches=(TrancheSpec("A", TrancheKind.SENIOR, D("0.6")), TrancheSpec("B", TrancheKind.MEZZANINE,
                       D("0.5")), TrancheSpec("C", TrancheKind.SUBORDINATED))),
        spec(trustee_fee=D("-0.01")),
        spec(max_default_rate=D("1.2")),
        spec(revolving_months=-1),
        spec(servicer_fee=D("0.00000001")),
    ]
    for terms in bad:
        with pytest.raises(ValidationFailed):
            await create_pool(terms)
    assert await snapshot() == before


async def test_every_period_of_a_busy_pool_conserves_cash_and_keeps_the_books_agreed(db):
    """Thirty loans over four periods: some pay, some pay ahead, some stop and are written off,
    new loans arrive to be bought. Each period pays out exactly the cash it had, less what it kept."""
    import random

    rng = random.Random(2026)
    settings = load_settings(write_off_dpd=40)
    loans = []
    for _ in range(30):
        loans.append(await loan_of(f"{rng.randrange(20, 120) * 100}.00", rng.choice(
            ["EQUAL_INSTALLMENT", "EQUAL_PRINCIPAL"]), months=rng.choice([6, 9, 12])))
    await create_pool(spec(max_default_rate=D("0.30"), revolving_months=2, principal_mode=PrincipalMode.PRO_RATA))
    stoppers = set(rng.sample([loan.id for loan in loans], 3))
    for _ in range(4):
        await run_close(30, settings=settings)
        for loan in await Loan.filter(status__in=("ACTIVE", "OVERDUE")):
            if loan.id in stoppers:
                continue
            owed = from_fen((await quote_payoff(loan)).payoff)
            due = owed if rng.random() < 0.1 else min(owed, D(loan.principal_fen) / 100 / 5)
            await pay(loan, str(due.quantize(D("0.01"))))
        await loan_of("1500.00", "EQUAL_INSTALLMENT", 6)
        await run_close(2, settings=settings)
        for period in await close_due_periods(settings=settings):
            assert period.cash_in_fen == period.paid_out_fen + period.kept_fen
            paid = await TranchePayment.filter(period_id=period.id)
            assert sum(p.opening_balance_fen - p.closing_balance_fen for p in paid) == sum(
                p.principal_paid_fen for p in paid)
            assert all(p.closing_balance_fen >= 0 for p in paid)
            await assert_books_agree()
    periods = await PoolPeriod.all().order_by("number")
    assert [p.number for p in periods] == [1, 2, 3, 4]
    assert sum(p.defaults_fen for p in periods) > 0 and sum(p.purchased_count for p in periods) > 0
    assert [p.phase for p in periods][-1] == "AMORTISING"


async def test_a_projection_starts_from_the_loans_today_and_the_cash_of_the_running_period(db):
    pooled = await four_loans()
    pool = await create_pool(spec())
    await run_close(31)
    for loan in pooled:
        await pay(loan, "1180.00")  # on 2026-02-05: period 1 has not closed yet
    flows = await project_pool(pool.id, assumptions(cdr=D(0), cpr=D(0), recovery_rate=D(0), recovery_lag=0,
                                                    periods=2))
    first = flows.periods[0]
    # From today: 44,000.00 on the books, each loan's next 1,000.00 + 165.00 (11,000 × 0.015).
    # The 4,000.00 of principal already collected is principal cash too, so both buy loans:
    # 8,000.00. Fees on 44,000.00 are 22.00 and 44.00; note interest 192.00 and 36.00; the
    # subordinated tranche keeps 660.00 + 8,000.00 - 294.00 - 8,000.00 = 366.00.
    assert (first.opening_balance, first.interest, first.scheduled_principal) == (
        D("44000.00"), D("660.00"), D("4000.00"))
    assert first.purchases == D("8000.00") and first.triggers.breaches == ()
    assert first.waterfall.tranche("C").residual_paid == D("366.00")
    with pytest.raises(ValidationFailed):
        assumptions(cdr=D("1.1"), cpr=D(0), recovery_rate=D(0), recovery_lag=0)


async def test_pools_made_at_once_never_share_a_loan_and_a_period_closed_at_once_closes_once(db):
    await four_loans()
    made = await asyncio.gather(*(create_pool(spec(f"Race {n}")) for n in range(4)), return_exceptions=True)
    pools = [p for p in made if isinstance(p, Pool)]
    refused = [e for e in made if not isinstance(e, Pool)]
    # The first to commit takes every loan; the others find nothing left, or lose the race for a row.
    assert len(pools) == 1 and all(isinstance(e, (ValidationFailed, NotAllowed)) for e in refused), made
    assert await Loan.filter(pool_id=pools[0].id).count() == 4
    await run_close(32)
    closed = await asyncio.gather(*(close_period(pools[0].id) for _ in range(3)), return_exceptions=True)
    assert sorted(type(c).__name__ for c in closed) == ["NoneType", "NoneType", "PoolPeriod"], closed
    assert await PoolPeriod.filter(pool_id=pools[0].id).count() == 1
    await assert_books_agree()


async def test_the_period_ending_on_the_last_revolving_day_revolves_and_the_pool_amortises_after_it(db):
    pooled = await four_loans()
    pool = await create_pool(spec(revolving_months=1))
    assert pool.revolving_until == date(2026, 2, 5)
    await run_close(31)
    for loan in pooled:
        await pay(loan, "1180.00")
    await run_close(1)
    [first] = await close_due_periods()
    assert first.phase == "REVOLVING" and first.kept_fen == 400_000
    assert (await Pool.get(id=pool.id)).status == "AMORTISING"
    await run_close(28)  # to 2026-03-06, past the end of period 2
    [second] = await close_due_periods()
    # Nothing was repaid in period 2, so the 4,000.00 kept in period 1 is all the cash: fees on
    # 44,000.00 (22.00 and 44.00) and the notes' interest (192.00 and 36.00) come first, and the
    # 3,706.00 left pays the senior tranche down.
    assert second.phase == "AMORTISING" and second.kept_fen == 0
    senior = await Tranche.get(pool_id=pool.id, name="A")
    assert (await TranchePayment.get(period_id=second.id, tranche_id=senior.id)).principal_paid_fen == 370_600
    await assert_books_agree()


async def test_a_fixed_fee_a_period_is_paid_on_top_of_the_rate(db):
    pooled = await four_loans()
    pool = await create_pool(spec(trustee_fee_fixed=D("10.00"), servicer_fee_fixed=D("5.50")))
    await run_close(31)
    for loan in pooled:
        await pay(loan, "1180.00")
    await run_close(1)
    [period] = await close_due_periods()
    # As in the revolving example, plus 10.00 and 5.50: trustee 24.00 + 10.00, servicer 48.00 + 5.50,
    # and the subordinated tranche's 420.00 is 15.50 less.
    assert (period.trustee_fee_fen, period.servicer_fee_fen) == (3_400, 5_350)
    sub = await Tranche.get(pool_id=pool.id, name="C")
    assert (await TranchePayment.get(period_id=period.id, tranche_id=sub.id)).residual_paid_fen == 40_450
    with pytest.raises(ValidationFailed):
        await create_pool(spec("Other", trustee_fee_fixed=D("-1.00")))
    with pytest.raises(ValidationFailed):
        await create_pool(spec("Other", servicer_fee_fixed=D("0.001")))
    await assert_books_agree()
