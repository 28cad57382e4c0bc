"""Pool projection: the vectorised projection beside a plain per-loan loop over the same pool.

    python -m bench.pools [--loans 100000] [--periods 36] [--seed 7]

Both run in this process on the same synthetic pool (a revolving 80/10/10 deal under stress
assumptions with both triggers armed); the table shows the time of each and the largest
difference between them in any period's line, in yuan.
"""

from __future__ import annotations

import argparse
import random
from dataclasses import replace
from decimal import Decimal

from bench._common import Clock, print_table
from domain.money import FEN, ZERO
from domain.pools.eligibility import LoanSnapshot
from domain.pools.projection import Assumptions, Projection, project, project_loop
from domain.pools.triggers import TriggerLimits
from domain.pools.waterfall import Fee, PoolState, Tranche, TrancheKind

METHODS = ("EQUAL_INSTALLMENT", "EQUAL_INSTALLMENT", "EQUAL_PRINCIPAL", "DAILY_INTEREST")
TERMS = (3, 6, 9, 12, 18, 24, 36)
ASSUMPTIONS = Assumptions(
    cdr=Decimal("0.06"),
    cpr=Decimal("0.20"),
    recovery_rate=Decimal("0.30"),
    recovery_lag=3,
    revolving_periods=12,
    triggers=TriggerLimits(max_cumulative_default_rate=Decimal("0.05")),
)


def synthetic_pool(size: int, seed: int) -> list[LoanSnapshot]:
    rng = random.Random(seed)
    loans = []
    for number in range(1, size + 1):
        method = rng.choice(METHODS)
        term = rng.randint(1, 12) if method == "DAILY_INTEREST" else rng.randint(1, rng.choice(TERMS))
        loans.append(
            LoanSnapshot(
                id=number,
                borrower_id=number,
                method=method,
                outstanding_principal=Decimal(rng.randint(5_000, 3_000_000)) / 100,
                daily_rate=Decimal(rng.randint(200, 500)) / 1_000_000,
                remaining_term_months=term,
                dpd=0,
                status="ACTIVE",
                score_band=rng.choice("ABCDE"),
                segment=rng.choice(("YOUNG_PROFESSIONAL", "SELF_EMPLOYED", "STUDENT")),
            )
        )
    return loans


def deal(loans: list[LoanSnapshot]) -> PoolState:
    total = sum((loan.outstanding_principal for loan in loans), ZERO)
    senior = (total * Decimal("0.80")).quantize(FEN)
    mezzanine = (total * Decimal("0.10")).quantize(FEN)
    return PoolState(
        tranches=(
            Tranche("A", TrancheKind.SENIOR, senior, Decimal("0.035")),
            Tranche("B", TrancheKind.MEZZANINE, mezzanine, Decimal("0.05")),
            Tranche("C", TrancheKind.SUBORDINATED, total - senior - mezzanine),
        ),
        trustee_fee=Fee(Decimal("0.001")),
        servicer_fee=Fee(Decimal("0.01")),
    )


def largest_difference(one: Projection, other: Projection) -> Decimal:
    worst = ZERO
    for a, b in zip(one.rows(), other.rows(), strict=True):
        for key, value in a.items():
            if key not in ("period", "phase"):
                worst = max(worst, abs(Decimal(value) - Decimal(b[key])))
    return worst


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.pools", description=__doc__.split("\n\n")[0])
    parser.add_argument("--loans", type=int, default=100_000)
    parser.add_argument("--periods", type=int, default=36)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    if args.loans < 1 or args.periods < 1:
        parser.error("--loans and --periods must be at least 1")

    loans = synthetic_pool(args.loans, args.seed)
    state = deal(loans)
    assumptions = replace(ASSUMPTIONS, periods=args.periods)
    clock = Clock()
    with clock.step("vectorised"):
        vector = project(loans, state, assumptions)
    with clock.step("loop"):
        loop = project_loop(loans, state, assumptions)
    vector_s, loop_s = clock.seconds("vectorised"), clock.seconds("loop")
    amortising = next((p.number for p in vector.periods if p.phase == "AMORTISING"), None)
    print_table(
        [
            ("pool", f"{args.loans} loans, 80/10/10, revolving {ASSUMPTIONS.revolving_periods} periods"),
            ("assumptions", "CDR 6%, CPR 20%, recovery 30% after 3 periods, default trigger 5%"),
            ("amortising from period", str(amortising)),
            ("vectorised (numpy)", f"{vector_s:.3f} s"),
            ("per-loan loop (baseline)", f"{loop_s:.3f} s"),
            ("largest difference in a period line", f"{largest_difference(vector, loop)} yuan"),
        ],
        title="pool projection benchmark",
    )
    print(
        f"pools: loans {args.loans}, periods {args.periods}, {vector_s:.3f} s, loop {loop_s:.3f} s, "
        f"speedup {loop_s / vector_s:.1f}"
    )


if __name__ == "__main__":
    main()
