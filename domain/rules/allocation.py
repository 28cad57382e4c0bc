"""How a repayment is split across what the borrower owes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from domain.money import ZERO

BUCKETS = ("penalty", "overdue_interest", "overdue_principal", "current_interest", "current_principal")

# Fee buckets are optional in a configured order; left out, each follows its interest bucket.
FEE_BUCKETS = {"overdue_fee": "overdue_interest", "current_fee": "current_interest"}


@dataclass(frozen=True)
class Allocation:
    parts: dict[str, Decimal]
    leftover: Decimal

    @property
    def applied(self) -> Decimal:
        return sum(self.parts.values(), start=ZERO)


def validate_order(order: Sequence[str]) -> tuple[str, ...]:
    """Check an allocation order and return it with both fee buckets in place.

    The five main buckets must each appear exactly once; the fee buckets may appear once.
    """
    names = tuple(order)
    unknown = [name for name in names if name not in BUCKETS and name not in FEE_BUCKETS]
    if unknown:
        raise ValueError(f"unknown allocation bucket(s): {', '.join(unknown)}")
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise ValueError(f"allocation bucket(s) listed twice: {', '.join(repeated)}")
    missing = [name for name in BUCKETS if name not in names]
    if missing:
        raise ValueError(f"allocation order lacks: {', '.join(missing)}")
    full = list(names)
    for fee, interest in FEE_BUCKETS.items():
        if fee not in full:
            full.insert(full.index(interest) + 1, fee)
    return tuple(full)


def allocate(amount: Decimal, owed: Mapping[str, Decimal], order: Sequence[str] = BUCKETS) -> Allocation:
    """Pay ``owed`` bucket by bucket in ``order``; what does not fit is ``leftover``.

    ``parts`` has every bucket of the order (fee buckets included), zero where nothing went.
    """
    if amount < 0:
        raise ValueError("amount must not be negative")
    buckets = validate_order(order)
    strays = [name for name in owed if name not in buckets]
    if strays:
        raise ValueError(f"unknown allocation bucket(s): {', '.join(strays)}")
    if any(value < 0 for value in owed.values()):
        raise ValueError("an owed amount is negative")
    remaining = amount
    parts: dict[str, Decimal] = {}
    for name in buckets:
        part = min(remaining, owed.get(name, ZERO))
        parts[name] = part
        remaining -= part
    return Allocation(parts=parts, leftover=remaining)
