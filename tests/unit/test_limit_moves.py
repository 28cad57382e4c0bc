"""The arithmetic of limit moves, without a database."""

from __future__ import annotations

from decimal import Decimal

from domain.services.limits import lowered_limit, raised_limit


def test_a_raise_compounds_rounds_down_to_a_hundred_and_stops_at_the_ceiling():
    # 10,000 x 1.2 = 12,000; twice: 10,000 x 1.44 = 14,400; 7,777 x 1.2 = 9,332.4 -> 9,300.
    assert raised_limit(Decimal(10000), 1, Decimal("0.2"), Decimal(200000)) == 12000
    assert raised_limit(Decimal(10000), 2, Decimal("0.2"), Decimal(200000)) == 14400
    assert raised_limit(Decimal(7777), 1, Decimal("0.2"), Decimal(200000)) == 9300
    assert raised_limit(Decimal(10000), 1, Decimal("0.2"), Decimal(11000)) == 11000
    # Already above the ceiling: stays where it is rather than dropping.
    assert raised_limit(Decimal(50000), 1, Decimal("0.2"), Decimal(40000)) == 50000


def test_a_lowered_limit_never_goes_below_the_principal_in_use_nor_up():
    assert lowered_limit(Decimal(10000), Decimal(2000), Decimal(6000)) == 6000
    assert lowered_limit(Decimal(10000), Decimal(9000), Decimal(6000)) == 9000
    assert lowered_limit(Decimal(10000), Decimal(0), Decimal(20000)) == 10000
