"""The investor report of one collection period, as stored with the period (JSON, money as
strings): balances, collections, defaults, delinquency, triggers, the waterfall step by step,
the payments per tranche and the pool's composition at the period's close."""

from __future__ import annotations

from typing import Any

from domain.models import Pool, PoolPeriod
from domain.money import format_money, from_fen
from domain.pools.stats import GroupStats, PoolStats
from domain.pools.triggers import TriggerReport
from domain.pools.waterfall import WaterfallResult


def _money(fen: int) -> str:
    return format_money(from_fen(fen))


def _group(g: GroupStats) -> dict[str, Any]:
    return {"count": g.count, "balance": format_money(g.balance), "share": str(g.share),
            "waDailyRate": str(g.wa_daily_rate), "waRemainingTermMonths": str(g.wa_remaining_term_months)}


def composition_json(stats: PoolStats) -> dict[str, Any]:
    return {
        "total": _group(stats.total),
        "byMethod": {k: _group(v) for k, v in stats.by_method.items()},
        "byScoreBand": {k: _group(v) for k, v in stats.by_score_band.items()},
        "bySegment": {k: _group(v) for k, v in stats.by_segment.items()},
    }


def triggers_json(t: TriggerReport) -> dict[str, Any]:
    return {
        "cumulativeDefaults": format_money(t.cumulative_defaults),
        "cumulativeBase": format_money(t.cumulative_base),
        "cumulativeDefaultRate": str(t.cumulative_default_rate),
        "maxCumulativeDefaultRate": str(t.limits.max_cumulative_default_rate),
        "collateral": format_money(t.pool_balance),
        "ratedBalance": format_money(t.rated_balance),
        "ocRatio": None if t.oc_ratio is None else str(t.oc_ratio),
        "minOcRatio": str(t.limits.min_oc_ratio),
        "breaches": list(t.breaches),
    }


def investor_report(pool: Pool, period: PoolPeriod, result: WaterfallResult, triggers: TriggerReport, *,
                    composition: PoolStats, delinquency: list[dict]) -> dict[str, Any]:
    return {
        "pool": {"id": pool.id, "name": pool.name, "cutOffDate": pool.cut_off_date.isoformat()},
        "period": period.number,
        "startDate": period.start_date.isoformat(),
        "endDate": period.end_date.isoformat(),
        "phase": result.phase.value,
        "balances": {
            "opening": _money(period.opening_balance_fen),
            "principalCollected": _money(period.principal_fen),
            "defaults": _money(period.defaults_fen),
            "purchased": _money(period.purchased_fen),
            "closing": _money(period.closing_balance_fen),
        },
        "collections": {
            "interest": _money(period.interest_fen), "principal": _money(period.principal_fen),
            "recoveries": _money(period.recoveries_fen), "insurance": _money(period.insurance_fen),
            # Principal kept last period and not spent.
            "broughtForward": _money(period.cash_in_fen - period.interest_fen - period.principal_fen
                                     - period.recoveries_fen - period.insurance_fen),
            "cashIn": _money(period.cash_in_fen),
        },
        "defaults": {"period": _money(period.defaults_fen),
                     "cumulative": format_money(triggers.cumulative_defaults)},
        "delinquency": delinquency,
        "triggers": triggers_json(triggers),
        "waterfall": [{"step": step, "amount": format_money(amount)} for step, amount in result.lines()],
        "fees": {
            "trustee": {"due": format_money(result.trustee_fee.due), "paid": format_money(result.trustee_fee.paid)},
            "servicer": {"due": format_money(result.servicer_fee.due), "paid": format_money(result.servicer_fee.paid)},
        },
        "tranches": [
            {"name": p.name, "kind": p.kind.value, "openingBalance": format_money(p.opening_balance),
             "interestDue": format_money(p.interest_due), "interestPaid": format_money(p.interest_paid),
             "interestUnpaid": format_money(p.interest_unpaid), "principalPaid": format_money(p.principal_paid),
             "residualPaid": format_money(p.residual_paid), "closingBalance": format_money(p.closing_balance)}
            for p in result.tranches
        ],
        "paidOut": _money(period.paid_out_fen),
        "kept": _money(period.kept_fen),
        "purchasedLoans": period.purchased_count,
        "composition": composition_json(composition),
    }
