from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.rules.allocation import BUCKETS, allocate, validate_order

D = Decimal

OWED = {
    "penalty": D("10.00"),
    "overdue_interest": D("20.00"),
    "overdue_principal": D("100.00"),
    "current_interest": D("30.00"),
    "current_principal": D("500.00"),
}


def test_default_order_is_the_product_order():
    assert BUCKETS == (
        "penalty",
        "overdue_interest",
        "overdue_principal",
        "current_interest",
        "current_principal",
    )


def test_a_repayment_pays_penalty_then_overdue_then_current():
    result = allocate(D("145.00"), OWED)
    # 10 penalty + 20 overdue interest + 100 overdue principal = 130; 15 left for current interest
    assert result.parts["penalty"] == D("10.00")
    assert result.parts["overdue_interest"] == D("20.00")
    assert result.parts["overdue_principal"] == D("100.00")
    assert result.parts["current_interest"] == D("15.00")
    assert result.parts["current_principal"] == D("0")
    assert result.leftover == 0


def test_what_is_not_owed_is_left_over():
    # 660.00 owed in all; 700.00 paid leaves 40.00
    result = allocate(D("700.00"), OWED)
    assert result.leftover == D("40.00")
    assert result.parts == OWED | {"overdue_fee": 0, "current_fee": 0}


def test_a_configured_order_is_followed():
    order = ("overdue_principal", "overdue_interest", "penalty", "current_principal", "current_interest")
    result = allocate(D("110.00"), OWED, order)
    assert result.parts["overdue_principal"] == D("100.00")
    assert result.parts["overdue_interest"] == D("10.00")
    assert result.parts["penalty"] == 0


def test_fees_follow_their_interest_unless_placed():
    assert validate_order(BUCKETS) == (
        "penalty",
        "overdue_interest",
        "overdue_fee",
        "overdue_principal",
        "current_interest",
        "current_fee",
        "current_principal",
    )
    placed = ("current_fee", *BUCKETS)
    assert validate_order(placed)[0] == "current_fee"


def test_fees_are_paid_in_their_place():
    owed = OWED | {"overdue_fee": D("5.00"), "current_fee": D("8.00")}
    result = allocate(D("140.00"), owed)
    # 10 + 20 + 5 (overdue fee) + 100 = 135; 5 left for current interest
    assert result.parts["overdue_fee"] == D("5.00")
    assert result.parts["current_interest"] == D("5.00")
    assert result.parts["current_fee"] == 0


def test_every_bucket_appears_even_when_nothing_is_owed():
    result = allocate(D("0.00"), {})
    assert set(result.parts) == set(BUCKETS) | {"overdue_fee", "current_fee"}
    assert all(part == 0 for part in result.parts.values())


@pytest.mark.parametrize(
    "order",
    [
        BUCKETS[:-1],
        (*BUCKETS, "penalty"),
        (*BUCKETS, "tip"),
        (*BUCKETS, "current_fee", "current_fee"),
    ],
)
def test_an_order_that_is_not_a_permutation_is_refused(order):
    with pytest.raises(ValueError):
        validate_order(order)


def test_an_owed_bucket_outside_the_order_is_refused():
    with pytest.raises(ValueError):
        allocate(D("1.00"), {"tip": D("1.00")})


@pytest.mark.parametrize(("amount", "owed"), [(D("-1.00"), OWED), (D("1.00"), {"penalty": D("-1.00")})])
def test_negative_amounts_are_refused(amount, owed):
    with pytest.raises(ValueError):
        allocate(amount, owed)


money = st.integers(min_value=0, max_value=10_000_000).map(lambda f: D(f) / 100)
all_buckets = (*BUCKETS, "overdue_fee", "current_fee")


@st.composite
def orders(draw):
    order = list(draw(st.permutations(BUCKETS)))
    for fee in ("overdue_fee", "current_fee"):
        if draw(st.booleans()):
            order.insert(draw(st.integers(min_value=0, max_value=len(order))), fee)
    return tuple(order)


@settings(max_examples=200, deadline=None)
@given(
    amount=money,
    owed=st.dictionaries(st.sampled_from(all_buckets), money),
    order=orders(),
)
def test_allocation_conserves_money_and_respects_the_order(amount, owed, order):
    result = allocate(amount, owed, order)
    assert sum(result.parts.values()) + result.leftover == amount
    assert result.leftover >= 0
    for name, part in result.parts.items():
        assert 0 <= part <= owed.get(name, 0)
    effective = validate_order(order)
    assert list(result.parts) == list(effective)
    for position, name in enumerate(effective):
        if result.parts[name] > 0:
            earlier = effective[:position]
            assert all(result.parts[e] == owed.get(e, 0) for e in earlier)
    if result.leftover > 0:
        assert all(result.parts[name] == owed.get(name, 0) for name in effective)
