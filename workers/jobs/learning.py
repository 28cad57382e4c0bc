"""The credit model's single writer: runs on the learning queue, one job at a time."""

from __future__ import annotations

from typing import Any

from domain.services.calendar import business_date

# The reason recorded on the scores a behaviour change brings.
RESCORE_REASON = "BEHAVIOUR_CHANGE"


async def learn_outcomes(ctx: dict[str, Any], borrower_ids: list[int] | None = None) -> dict[str, int]:
    """Teach the model every outcome that has matured (paid on time, or 30+ days past due) and is not
    learnt yet, then re-score the borrowers whose events asked for the run, with the updated model."""
    # Imported here: the model's libraries are heavy, and only this queue's worker needs them.
    from domain.services import scoring

    today = await business_date()
    learnt = 0
    for outcome in await scoring.matured_outcomes(today):
        if await scoring.learn_outcome(outcome, today=today) is not None:
            learnt += 1
    rescored = await scoring.score_borrowers(borrower_ids, RESCORE_REASON, today=today) if borrower_ids else []
    return {"learnt": learnt, "rescored": len(rescored)}
