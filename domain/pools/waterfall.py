"""A pool's priority of payments for one collection period.

All cash of the period (interest, principal, recoveries, insurance payouts, and principal cash
left unspent from the period before) is one pot, paid out in this order:

1. trustee fee, 2. servicer fee (each with what an earlier period left unpaid);
3. interest of each rated tranche, senior first, with interest carried forward from earlier
   periods (carried interest earns no interest of its own);
4. revolving period: the principal funds (principal, recoveries, insurance, unspent cash) are
   kept to buy new loans, as far as cash is left; the caller buys and reports what it spent
   through ``record_purchases``;
   amortisation: principal of the rated tranches, sequential (senior until retired, then
   mezzanine) or pro rata by balance. With ``turbo`` every fen left pays principal until the
   rated tranches are retired; without it principal is paid up to the principal funds only;
5. the subordinated tranche: once the rated tranches are retired in amortisation, its principal,
   and then whatever is left as its residual return.

Every amount due is rounded half-up to the fen once, so cash in equals cash paid out plus cash
kept for purchases, exactly.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from decimal import Decimal
from enum import StrEnum

from domain.money import FEN, ZERO, round_fen


class Phase(StrEnum):
    REVOLVING = "REVOLVING"
    AMORTISING = "AMORTISING"


class PrincipalMode(StrEnum):
    SEQUENTIAL = "SEQUENTIAL"
    PRO_RATA = "PRO_RATA"


class TrancheKind(StrEnum):
    SENIOR = "SENIOR"
    MEZZANINE = "MEZZANINE"
    SUBORDINATED = "SUBORDINATED"


def _check_fen(value: Decimal, what: str) -> None:
    if not isinstance(value, Decimal) or value < 0 or value != value.quantize(FEN):
        raise ValueError(f"{what} must be a non-negative whole number of fen, not {value!r}")


@dataclass(frozen=True)
class Tranche:
    name: str
    kind: TrancheKind
    balance: Decimal
    # A year, on the balance at the start of the period; the subordinated tranche has none.
    coupon: Decimal = ZERO
    interest_unpaid: Decimal = ZERO

    def __post_init__(self) -> None:
        _check_fen(self.balance, f"tranche {self.name} balance")
        _check_fen(self.interest_unpaid, f"tranche {self.name} unpaid interest")
        if self.coupon < 0:
            raise ValueError(f"tranche {self.name} coupon must not be negative")

    @property
    def rated(self) -> bool:
        return self.kind is not TrancheKind.SUBORDINATED


@dataclass(frozen=True)
class Fee:
    """A fee of the period: a yearly rate on the pool balance, a fixed amount, or both."""

    annual_rate: Decimal = ZERO
    fixed: Decimal = ZERO

    def __post_init__(self) -> None:
        if self.annual_rate < 0:
            raise ValueError("a fee rate must not be negative")
        _check_fen(self.fixed, "a fixed fee")


@dataclass(frozen=True)
class PoolState:
    # In order of priority: the rated tranches (senior, then mezzanine), the subordinated last.
    tranches: tuple[Tranche, ...]
    trustee_fee: Fee = field(default_factory=Fee)
    servicer_fee: Fee = field(default_factory=Fee)
    phase: Phase = Phase.REVOLVING
    principal_mode: PrincipalMode = PrincipalMode.SEQUENTIAL
    turbo: bool = True
    periods_per_year: int = 12
    # Days in a year when a period's accrual is given in days.
    day_basis: int = 365
    trustee_fee_unpaid: Decimal = ZERO
    servicer_fee_unpaid: Decimal = ZERO
    # Principal cash kept for purchases and not yet spent: it comes back as cash next period.
    cash: Decimal = ZERO

    def __post_init__(self) -> None:
        object.__setattr__(self, "tranches", tuple(self.tranches))
        kinds = [t.kind for t in self.tranches]
        if not kinds or kinds[-1] is not TrancheKind.SUBORDINATED or kinds.count(TrancheKind.SUBORDINATED) != 1:
            raise ValueError("a pool has rated tranches followed by exactly one subordinated tranche")
        if kinds != sorted(kinds, key=list(TrancheKind).index):
            raise ValueError("senior tranches come before mezzanine ones")
        if len({t.name for t in self.tranches}) != len(self.tranches):
            raise ValueError("tranche names must differ")
        if self.periods_per_year < 1 or self.day_basis < 1:
            raise ValueError("periods a year and the day basis must be positive")
        for value, what in (
            (self.trustee_fee_unpaid, "unpaid trustee fee"),
            (self.servicer_fee_unpaid, "unpaid servicer fee"),
            (self.cash, "cash"),
        ):
            _check_fen(value, what)

    @property
    def rated(self) -> tuple[Tranche, ...]:
        return self.tranches[:-1]

    @property
    def subordinated(self) -> Tranche:
        return self.tranches[-1]

    @property
    def rated_balance(self) -> Decimal:
        return sum((t.balance for t in self.rated), ZERO)


@dataclass(frozen=True)
class Collections:
    interest: Decimal = ZERO
    principal: Decimal = ZERO
    recoveries: Decimal = ZERO
    insurance: Decimal = ZERO

    def __post_init__(self) -> None:
        for name in ("interest", "principal", "recoveries", "insurance"):
            _check_fen(getattr(self, name), f"collected {name}")

    @property
    def total(self) -> Decimal:
        return self.interest + self.principal + self.recoveries + self.insurance


@dataclass(frozen=True)
class FeePayment:
    due: Decimal
    paid: Decimal

    @property
    def unpaid(self) -> Decimal:
        return self.due - self.paid


@dataclass(frozen=True)
class TranchePayment:
    name: str
    kind: TrancheKind
    opening_balance: Decimal
    # This period's interest plus what earlier periods left unpaid.
    interest_due: Decimal
    interest_paid: Decimal
    principal_paid: Decimal
    # Subordinated only: what is left once everything above it is met.
    residual_paid: Decimal = ZERO

    @property
    def interest_unpaid(self) -> Decimal:
        return self.interest_due - self.interest_paid

    @property
    def closing_balance(self) -> Decimal:
        return self.opening_balance - self.principal_paid

    @property
    def total_paid(self) -> Decimal:
        return self.interest_paid + self.principal_paid + self.residual_paid


@dataclass(frozen=True)
class WaterfallResult:
    phase: Phase
    # Collections plus the cash brought forward.
    cash_in: Decimal
    trustee_fee: FeePayment
    servicer_fee: FeePayment
    tranches: tuple[TranchePayment, ...]
    # Kept to buy new loans (revolving period only).
    reinvestment: Decimal
    state: PoolState

    @property
    def paid_out(self) -> Decimal:
        return self.trustee_fee.paid + self.servicer_fee.paid + sum((t.total_paid for t in self.tranches), ZERO)

    @property
    def kept(self) -> Decimal:
        return self.reinvestment

    def tranche(self, name: str) -> TranchePayment:
        for payment in self.tranches:
            if payment.name == name:
                return payment
        raise KeyError(name)

    def lines(self) -> list[tuple[str, Decimal]]:
        """Each step of the priority of payments with what it paid, in order."""
        out = [("trustee_fee", self.trustee_fee.paid), ("servicer_fee", self.servicer_fee.paid)]
        rated, sub = self.tranches[:-1], self.tranches[-1]
        out += [(f"interest:{t.name}", t.interest_paid) for t in rated]
        out.append(("purchases", self.reinvestment))
        out += [(f"principal:{t.name}", t.principal_paid) for t in self.tranches]
        out.append((f"residual:{sub.name}", sub.residual_paid))
        return out


def run_waterfall(
    collections: Collections,
    state: PoolState,
    *,
    pool_balance: Decimal,
    days: int | None = None,
) -> WaterfallResult:
    """Pay out one period. ``pool_balance`` is the pool's principal at the start of the period
    (the base of the fees); ``days`` counts the period's accrual in days over ``state.day_basis``
    instead of one ``periods_per_year``-th of a year."""
    _check_fen(pool_balance, "pool balance")
    if days is not None and days < 0:
        raise ValueError("days must not be negative")
    numerator, denominator = (1, state.periods_per_year) if days is None else (days, state.day_basis)

    def accrue(base: Decimal, annual_rate: Decimal) -> Decimal:
        # One division, last, so that an exact half fen rounds up as it should.
        return round_fen(base * annual_rate * numerator / denominator)

    cash_in = collections.total + state.cash
    left = cash_in

    def pay(due: Decimal) -> Decimal:
        nonlocal left
        paid = min(left, due)
        left -= paid
        return paid

    trustee_due = accrue(pool_balance, state.trustee_fee.annual_rate) + state.trustee_fee.fixed
    trustee = FeePayment(trustee_due + state.trustee_fee_unpaid, ZERO)
    trustee = replace(trustee, paid=pay(trustee.due))
    servicer_due = accrue(pool_balance, state.servicer_fee.annual_rate) + state.servicer_fee.fixed
    servicer = FeePayment(servicer_due + state.servicer_fee_unpaid, ZERO)
    servicer = replace(servicer, paid=pay(servicer.due))

    interest_due = [accrue(t.balance, t.coupon) + t.interest_unpaid for t in state.rated]
    interest_paid = [pay(due) for due in interest_due]

    principal_funds = collections.principal + collections.recoveries + collections.insurance + state.cash
    reinvestment = ZERO
    principal_paid = [ZERO] * len(state.rated)
    if state.phase is Phase.REVOLVING:
        reinvestment = pay(principal_funds)
    else:
        target = left if state.turbo else min(left, principal_funds)
        target = min(target, state.rated_balance)
        balances = [t.balance for t in state.rated]
        if state.principal_mode is PrincipalMode.SEQUENTIAL:
            principal_paid = _sequential(target, balances)
        else:
            principal_paid = _pro_rata(target, balances)
        left -= sum(principal_paid, ZERO)

    sub = state.subordinated
    rated_retired = all(t.balance == paid for t, paid in zip(state.rated, principal_paid, strict=True))
    sub_principal = pay(sub.balance) if state.phase is Phase.AMORTISING and rated_retired else ZERO
    residual = pay(left)

    payments = tuple(
        TranchePayment(t.name, t.kind, t.balance, due, paid, principal)
        for t, due, paid, principal in zip(state.rated, interest_due, interest_paid, principal_paid, strict=True)
    ) + (TranchePayment(sub.name, sub.kind, sub.balance, ZERO, ZERO, sub_principal, residual),)
    new_state = replace(
        state,
        tranches=tuple(
            replace(t, balance=p.closing_balance, interest_unpaid=p.interest_unpaid)
            for t, p in zip(state.tranches, payments, strict=True)
        ),
        trustee_fee_unpaid=trustee.unpaid,
        servicer_fee_unpaid=servicer.unpaid,
        cash=reinvestment,
    )
    return WaterfallResult(state.phase, cash_in, trustee, servicer, payments, reinvestment, new_state)


def record_purchases(state: PoolState, spent: Decimal) -> PoolState:
    """The state after the caller has spent ``spent`` of the cash kept for purchases."""
    _check_fen(spent, "the amount spent")
    if spent > state.cash:
        raise ValueError(f"spent {spent} but only {state.cash} was kept for purchases")
    return replace(state, cash=state.cash - spent)


def _sequential(amount: Decimal, balances: list[Decimal]) -> list[Decimal]:
    paid = []
    for balance in balances:
        share = min(amount, balance)
        paid.append(share)
        amount -= share
    return paid


def _pro_rata(amount: Decimal, balances: list[Decimal]) -> list[Decimal]:
    """Split ``amount`` (at most the sum of ``balances``) in proportion to the balances.

    Worked in whole fen: each tranche gets the floor of its exact share, and the fen left over go
    one each to the largest remainders (the more senior first on a tie), so the parts add up.
    """
    amount_fen = int(amount * 100)
    balance_fen = [int(b * 100) for b in balances]
    total = sum(balance_fen)
    if total == 0 or amount_fen == 0:
        return [ZERO] * len(balances)
    floors = [amount_fen * b // total for b in balance_fen]
    remainders = [amount_fen * b % total for b in balance_fen]
    leftover = amount_fen - sum(floors)
    order = sorted(range(len(balances)), key=lambda i: (-remainders[i], i))
    for i in order[:leftover]:
        floors[i] += 1
    return [(Decimal(f) / 100).quantize(FEN) for f in floors]
