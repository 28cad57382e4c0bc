from collections import defaultdict
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.pools.eligibility import Criteria, LoanSnapshot, Reason, check, loan_level_reasons, select_eligible
from domain.pools.stats import pool_stats

D = Decimal
CRITERIA = Criteria(
    min_remaining_term_months=3,
    max_remaining_term_months=24,
    min_daily_rate=D("0.0002"),
    max_daily_rate=D("0.0005"),
)


def loan(id=1, borrower=None, balance="1000.00", rate="0.0004", term=12, dpd=0, status="ACTIVE",
         method="EQUAL_INSTALLMENT", band="B", segment="YOUNG_PROFESSIONAL") -> LoanSnapshot:
    return LoanSnapshot(id, borrower or id, method, D(balance), D(rate), term, dpd, status, band, segment)


def test_a_performing_current_loan_inside_the_bands_is_eligible():
    assert check(loan(), CRITERIA, {}, D("0.00")) == []


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"status": "OVERDUE"}, Reason.NOT_PERFORMING),
        ({"status": "WRITTEN_OFF"}, Reason.NOT_PERFORMING),
        ({"dpd": 1}, Reason.PAST_DUE),
        ({"balance": "0.00"}, Reason.NO_BALANCE),
        ({"term": 2}, Reason.TERM_TOO_SHORT),
        ({"term": 25}, Reason.TERM_TOO_LONG),
        ({"rate": "0.00019"}, Reason.RATE_BELOW_BAND),
        ({"rate": "0.000501"}, Reason.RATE_ABOVE_BAND),
    ],
)
def test_each_failed_criterion_is_named(changes, reason):
    assert check(loan(**changes), CRITERIA, {}, D("100000.00")) == [reason]


def test_the_band_edges_are_inside():
    for term, rate in ((3, "0.0002"), (24, "0.0005")):
        assert check(loan(term=term, rate=rate), CRITERIA, {}, D("100000.00")) == []


def test_every_failure_is_listed_not_just_the_first():
    reasons = check(loan(status="OVERDUE", dpd=12, term=30), CRITERIA, {}, D("0.00"))
    assert reasons == [Reason.NOT_PERFORMING, Reason.PAST_DUE, Reason.TERM_TOO_LONG]


def test_methods_score_bands_and_segments_can_be_restricted():
    narrow = Criteria(methods=frozenset({"EQUAL_PRINCIPAL"}), score_bands=frozenset({"A"}), segments=frozenset({"X"}))
    assert loan_level_reasons(loan(), narrow) == [
        Reason.METHOD_EXCLUDED,
        Reason.SCORE_BAND_EXCLUDED,
        Reason.SEGMENT_EXCLUDED,
    ]


def test_a_borrower_may_not_take_more_than_the_share_of_the_pool():
    capped = Criteria(max_borrower_share=D("0.01"))
    held = {7: D("9000.00")}
    # (9,000 + 1,000) / (1,000,000 + 1,000) = 0.999% — within 1%
    assert check(loan(borrower=7, balance="1000.00"), capped, held, D("1000000.00")) == []
    # (9,000 + 2,000) / (1,000,000 + 2,000) = 1.098% — over
    assert check(loan(borrower=7, balance="2000.00"), capped, held, D("1000000.00")) == [Reason.BORROWER_SHARE]


def test_a_share_exactly_at_the_cap_is_allowed():
    # 1,000 / (99,000 + 1,000) = 1% exactly
    assert check(loan(balance="1000.00"), Criteria(max_borrower_share=D("0.01")), {}, D("99000.00")) == []


def test_criteria_that_contradict_themselves_are_refused():
    with pytest.raises(ValueError):
        Criteria(min_remaining_term_months=12, max_remaining_term_months=6)
    with pytest.raises(ValueError):
        Criteria(min_daily_rate=D("0.0005"), max_daily_rate=D("0.0002"))
    with pytest.raises(ValueError):
        Criteria(max_borrower_share=D("0"))


def test_a_new_pool_drops_loans_until_every_borrower_fits_under_the_cap_of_the_final_pool():
    loans = [
        loan(1, borrower=1, balance="300.00"),
        loan(2, borrower=1, balance="300.00"),
        loan(3, borrower=2, balance="400.00"),
        loan(4, borrower=3, balance="400.00"),
        loan(5, borrower=4, balance="400.00", status="OVERDUE"),
    ]
    # All four performing loans make 1,400, cap 40% = 560: borrower 1's second loan takes it to
    # 600 and goes. The pool of 1,100 caps at 440: 300, 400 and 400 all fit.
    selection = select_eligible(loans, Criteria(max_borrower_share=D("0.4")))
    assert [x.id for x in selection.chosen] == [1, 3, 4]
    assert selection.balance == D("1100.00")
    assert selection.rejected == {5: (Reason.NOT_PERFORMING,), 2: (Reason.BORROWER_SHARE,)}


def test_a_cap_no_pool_can_meet_leaves_the_pool_empty():
    # 700 and 300 under a 50% cap: 700 > 500 goes; 300 alone is then 100%.
    loans = [loan(1, balance="700.00"), loan(2, balance="300.00")]
    assert select_eligible(loans, Criteria(max_borrower_share=D("0.5"))).chosen == ()


def test_a_revolving_purchase_buys_in_order_within_the_budget_and_the_cap():
    held = {1: D("900.00")}
    loans = [
        loan(10, borrower=1, balance="200.00"),  # 1,100 / 100,200 > 1%
        loan(11, borrower=2, balance="600.00"),
        loan(12, borrower=3, balance="500.00"),  # 600 + 500 > the 1,000 budget
        loan(13, borrower=4, balance="400.00", dpd=2),
        loan(14, borrower=5, balance="300.00"),
    ]
    selection = select_eligible(loans, Criteria(max_borrower_share=D("0.01")), pool_balance_by_borrower=held,
                                pool_total=D("100000.00"), budget=D("1000.00"))
    assert [x.id for x in selection.chosen] == [11, 14]
    assert selection.rejected == {
        13: (Reason.PAST_DUE,),
        10: (Reason.BORROWER_SHARE,),
        12: (Reason.OVER_BUDGET,),
    }


loans_strategy = st.lists(
    st.builds(
        loan,
        id=st.integers(1, 10**6),
        borrower=st.integers(1, 8),
        balance=st.integers(1, 10**6).map(lambda fen: str(D(fen) / 100)),
        rate=st.sampled_from(["0.0001", "0.0002", "0.0004", "0.0006"]),
        term=st.integers(0, 36),
        dpd=st.sampled_from([0, 0, 0, 5]),
        status=st.sampled_from(["ACTIVE", "ACTIVE", "OVERDUE"]),
    ),
    max_size=40,
    unique_by=lambda x: x.id,
)


@settings(max_examples=200, deadline=None)
@given(loans_strategy, st.sampled_from(["0.2", "0.35", "0.5", "1"]), st.one_of(st.none(), st.integers(0, 10**6)))
def test_a_selection_holds_only_eligible_loans_and_keeps_every_borrower_under_the_cap(loans, share, budget_fen):
    criteria = Criteria(min_remaining_term_months=3, min_daily_rate=D("0.0002"), max_daily_rate=D("0.0005"),
                        max_borrower_share=D(share))
    held = {1: D("500.00")}
    standing = D("2000.00")
    budget = None if budget_fen is None else D(budget_fen) / 100
    selection = select_eligible(loans, criteria, pool_balance_by_borrower=held, pool_total=standing, budget=budget)
    assert all(loan_level_reasons(x, criteria) == [] for x in selection.chosen)
    assert {x.id for x in selection.chosen}.isdisjoint(selection.rejected)
    assert len(selection.chosen) + len(selection.rejected) == len(loans)
    if budget is not None:
        assert selection.balance <= budget
    by_borrower = defaultdict(lambda: D(0))
    for x in selection.chosen:
        by_borrower[x.borrower_id] += x.outstanding_principal
    final = standing + selection.balance
    for borrower, amount in by_borrower.items():
        assert amount + held.get(borrower, D(0)) <= D(share) * final


# --- pool statistics ----------------------------------------------------------------------


def test_pool_statistics_weight_rate_and_term_by_balance():
    loans = [
        loan(1, balance="1000.00", rate="0.0003", term=12, band="A", segment="STUDENT"),
        loan(2, balance="3000.00", rate="0.0005", term=6, method="EQUAL_PRINCIPAL", segment="STUDENT"),
        loan(3, balance="4000.00", rate="0.0004", term=3, segment="SELF_EMPLOYED"),
    ]
    stats = pool_stats(loans)
    # balance 8,000; rate (1,000×0.0003 + 3,000×0.0005 + 4,000×0.0004) / 8,000 = 3.4 / 8,000 = 0.000425
    # term (12,000 + 18,000 + 12,000) / 8,000 = 5.25
    assert stats.total.count == 3
    assert stats.total.balance == D("8000.00")
    assert stats.total.wa_daily_rate == D("0.000425")
    assert stats.total.wa_remaining_term_months == D("5.25")
    # equal instalment: 5,000; rate (0.3 + 1.6) / 5,000 = 0.00038; term (12,000 + 12,000) / 5,000 = 4.8
    ei = stats.by_method["EQUAL_INSTALLMENT"]
    assert (ei.count, ei.balance, ei.share) == (2, D("5000.00"), D("0.625"))
    assert (ei.wa_daily_rate, ei.wa_remaining_term_months) == (D("0.00038"), D("4.80"))
    assert list(stats.by_score_band) == ["A", "B"]
    assert stats.by_score_band["B"].balance == D("7000.00")
    # students: 4,000 of 8,000; rate (0.3 + 1.5) / 4,000 = 0.00045
    assert stats.by_segment["STUDENT"].share == D("0.5")
    assert stats.by_segment["STUDENT"].wa_daily_rate == D("0.00045")


def test_an_empty_pool_has_zero_statistics():
    stats = pool_stats([])
    assert (stats.total.count, stats.total.balance, stats.total.wa_daily_rate) == (0, D(0), D(0))
    assert stats.by_method == {}
