"""Scoring borrowers, and teaching the credit model what became of its loans.

- `score_borrower(s)`: features as of today -> the champion's PD -> a score; a score-history row and a
  SCORE_UPDATED event in one transaction. Run after each behaviour change.
- `learn_outcome`: the single writer's step (an arq job on its own queue, or in-process in embedded
  mode). A matured outcome is recorded once and only once (a unique row per loan and kind), the model
  learns it, and every `model_snapshot_every` outcomes a new version is stored with rolling metrics.
- `matured_outcomes`: the outcomes ready to learn, found by one set-based query.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from domain import audit
from domain.db import conn, sql
from domain.errors import NotFound, ValidationFailed
from domain.models import LearnedOutcome, Loan, ModelVersion, ScoreRecord
from domain.scoring import CreditModel, Features, score_from_pd
from domain.scoring.metrics import summary
from domain.services import events, model_registry
from domain.services._scoring_data import MaturedOutcome, current_features, features_at_lending
from domain.services._scoring_data import matured_outcomes as _matured
from domain.services.calendar import business_date, utcnow
from domain.settings import Settings, get_settings

__all__ = ["MaturedOutcome", "ScoreResult", "learn_outcome", "matured_outcomes", "record_score", "score_borrower",
           "score_borrowers", "forget"]

REASON_MAX = 40


@dataclass(frozen=True)
class ScoreResult:
    borrower_id: int
    score: int
    pd: float
    model_version: str
    reason: str
    previous_score: int | None


def _check_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason or len(reason) > REASON_MAX:
        raise ValidationFailed(f"a reason of 1-{REASON_MAX} characters is required", field="reason")
    return reason


async def _previous_scores(borrower_ids: Sequence[int], client) -> dict[int, int]:
    if not borrower_ids:
        return {}
    marks = ", ".join("?" for _ in borrower_ids)
    rows = await client.execute_query_dict(sql(client, (
        "SELECT borrower_id, score FROM score_record WHERE id IN "
        f"(SELECT MAX(id) FROM score_record WHERE borrower_id IN ({marks}) GROUP BY borrower_id)")), list(borrower_ids))
    return {int(r["borrower_id"]): int(r["score"]) for r in rows}


def _event_data(r: ScoreResult) -> dict:
    return {"score": r.score, "previousScore": r.previous_score, "probabilityOfDefault": round(r.pd, 6),
            "modelVersion": r.model_version, "reason": r.reason}


async def record_score(borrower_id: int, *, features: Features, pd: float, score: int, model_version: str,
                       reason: str, today: date, using_db=None) -> ScoreResult:
    """Append a score computed elsewhere (the credit decision) inside the caller's transaction."""
    if not 0.0 <= pd <= 1.0:
        raise ValidationFailed("a probability of default lies between 0 and 1", field="pd")
    settings = get_settings()
    if not settings.score_min <= score <= settings.score_max:
        raise ValidationFailed(f"a score lies between {settings.score_min} and {settings.score_max}", field="score")
    client = using_db or conn()
    previous = (await _previous_scores([borrower_id], client)).get(borrower_id)
    result = ScoreResult(borrower_id, int(score), float(pd), model_version, _check_reason(reason), previous)
    await ScoreRecord.create(borrower_id=borrower_id, score=result.score, pd=result.pd, model_version=model_version,
                             reason=result.reason, features=dict(features), business_date=today, at=utcnow(),
                             using_db=client)
    await events.append("SCORE_UPDATED", business_date=today, borrower_id=borrower_id, data=_event_data(result),
                        using_db=client)
    return result


async def score_borrowers(borrower_ids: Iterable[int], reason: str, *, today: date | None = None,
                          settings: Settings | None = None) -> list[ScoreResult]:
    """Re-score borrowers (unknown ids are skipped): a few queries whatever their number."""
    reason = _check_reason(reason)
    ids = sorted({int(i) for i in borrower_ids})
    if not ids:
        return []
    today = today or await business_date()
    model = await model_registry.champion(settings=settings)
    features = await current_features(ids, today)
    if not features:
        return []
    async with in_transaction() as tx:
        previous = await _previous_scores(list(features), tx)
        results, rows = [], []
        for borrower_id, f in features.items():
            pd = model.model.predict_pd(f)
            result = ScoreResult(borrower_id, score_from_pd(pd, settings), pd, model.version, reason,
                                 previous.get(borrower_id))
            results.append(result)
            rows.append(ScoreRecord(borrower_id=borrower_id, score=result.score, pd=pd, model_version=model.version,
                                    reason=reason, features=f, business_date=today, at=utcnow()))
        await ScoreRecord.bulk_create(rows, batch_size=500, using_db=tx)
        await events.append_many((("SCORE_UPDATED", r.borrower_id, None, _event_data(r)) for r in results),
                                 business_date=today, using_db=tx)
        # Every change of score goes on the decision chain; an unchanged re-score does not.
        for r in results:
            if r.score != r.previous_score:
                await audit.append_block(audit.SCORE_CHANGE, {
                    "borrowerId": r.borrower_id, "from": r.previous_score, "to": r.score,
                    "modelVersion": r.model_version, "reason": r.reason, "businessDate": today.isoformat(),
                }, tx, borrower_id=r.borrower_id)
    return results


async def score_borrower(borrower_id: int, reason: str, *, today: date | None = None,
                         settings: Settings | None = None) -> ScoreResult:
    results = await score_borrowers([borrower_id], reason, today=today, settings=settings)
    if not results:
        raise NotFound("no such borrower", field="borrowerId")
    return results[0]


async def matured_outcomes(today: date | None = None, *, limit: int | None = None,
                           settings: Settings | None = None) -> list[MaturedOutcome]:
    return await _matured(today or await business_date(), settings or get_settings(), limit=limit)


# The single writer's working model: the champion it started from plus every outcome learned since.
@dataclass
class _Writer:
    version_id: int
    version: str
    model: CreditModel
    applied_upto: int
    n_updates: int


_writer: _Writer | None = None
_writer_lock = asyncio.Lock()


class _AlreadyLearned(Exception):
    pass


def forget() -> None:
    """Drop the in-memory writer state (tests start each one on an empty database)."""
    global _writer
    _writer = None


async def _writer_state() -> _Writer:
    """The working model, brought up to date: reloaded when the champion changed, then replaying any
    learned outcome it has not seen (after a restart, or one learned by another process)."""
    global _writer
    head = await ModelVersion.filter(is_champion=True).order_by("-id").first().values("id", "version")
    if head is None:
        await model_registry.bootstrap()
        head = await ModelVersion.filter(is_champion=True).order_by("-id").first().values("id", "version")
    if _writer is None or _writer.version_id != head["id"]:
        row = await ModelVersion.get(id=head["id"])
        _writer = _Writer(row.id, row.version, CreditModel.loads(row.model), row.last_outcome_id, row.n_updates)
    missed = await LearnedOutcome.filter(id__gt=_writer.applied_upto).order_by("id").values("id", "kind", "features")
    for outcome in missed:
        _writer.model.learn_one(outcome["features"], outcome["kind"] == "BAD")
        _writer.applied_upto = int(outcome["id"])
        _writer.n_updates += 1
    return _writer


def _fit_to_promote(metrics: dict, settings: Settings) -> bool:
    """A snapshot becomes champion unless enough recent outcomes show it ranking risk worse than
    the floor; staff can still promote it by hand."""
    window = metrics.get("window") or {}
    auc, n = window.get("auc"), window.get("n") or 0
    return auc is None or n < settings.model_promote_min_outcomes or auc >= float(settings.model_promote_min_auc)


async def _rolling_metrics(window: int, tx) -> dict:
    recent = await LearnedOutcome.filter().using_db(tx).order_by("-id").limit(window).values("kind", "pd_before")
    labels = [r["kind"] == "BAD" for r in recent]
    return {"source": "online", "window": summary(labels, [float(r["pd_before"]) for r in recent])}


async def learn_outcome(outcome: MaturedOutcome | int, defaulted: bool | None = None, *, today: date | None = None,
                        settings: Settings | None = None) -> LearnedOutcome | None:
    """Teach the model one matured outcome: `learn_outcome(loan_id, defaulted)` or
    `learn_outcome(matured)`. Returns None, changing nothing, when it was learned before."""
    global _writer
    settings = settings or get_settings()
    if isinstance(outcome, MaturedOutcome):
        loan_id, defaulted = outcome.loan_id, outcome.defaulted
    elif defaulted is None:
        raise ValidationFailed("say whether the loan defaulted", field="defaulted")
    else:
        loan_id = int(outcome)
    kind = "BAD" if defaulted else "GOOD"
    loan = await Loan.get_or_none(id=loan_id)
    if loan is None:
        raise NotFound("no such loan", field="loanId")
    async with _writer_lock:
        learned = set(await LearnedOutcome.filter(loan_id=loan_id).values_list("kind", flat=True))
        if kind in learned or (kind == "GOOD" and "BAD" in learned):
            return None
        state = await _writer_state()
        features = await features_at_lending(loan)
        pd_before = state.model.predict_pd(features)
        today = today or await business_date()
        try:
            async with in_transaction() as tx:
                try:
                    row = await LearnedOutcome.create(
                        loan_id=loan_id, borrower_id=loan.borrower_id, kind=kind, features=features,
                        pd_before=pd_before, model_version=state.version, business_date=today, learned_at=utcnow(),
                        using_db=tx)
                except IntegrityError as exc:
                    raise _AlreadyLearned from exc
                state.model.learn_one(features, bool(defaulted))
                state.applied_upto, state.n_updates = row.id, state.n_updates + 1
                if state.n_updates % max(1, settings.model_snapshot_every) == 0:
                    metrics = await _rolling_metrics(settings.model_metrics_window, tx)
                    promote = settings.model_auto_promote and _fit_to_promote(metrics, settings)
                    snapshot = await model_registry.store_version(
                        state.model, metrics=metrics, n_updates=state.n_updates, last_outcome_id=row.id,
                        make_champion=promote, tx=tx)
                    if promote:
                        state.version_id, state.version = snapshot.id, snapshot.version
        except _AlreadyLearned:
            return None  # learned a moment ago by another process; the replay brings it in
        except Exception:
            _writer = None  # the model may have moved without the database: rebuild it next time
            raise
        return row
