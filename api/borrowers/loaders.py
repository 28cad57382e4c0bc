from __future__ import annotations

from api.common.loaders import BatchLoader, many_per_key, one_per_key
from domain.models import Borrower, ScoreRecord


class BorrowerByIdLoader(BatchLoader[int, Borrower | None]):
    async def load_batch(self, keys: list[int]) -> list[Borrower | None]:
        return one_per_key(keys, await Borrower.filter(id__in=keys), "id")


class ScoreRecordsByBorrowerIdLoader(BatchLoader[int, list[ScoreRecord]]):
    """A borrower's score history, oldest first."""

    async def load_batch(self, keys: list[int]) -> list[list[ScoreRecord]]:
        rows = await ScoreRecord.filter(borrower_id__in=keys).order_by("borrower_id", "at", "id")
        return many_per_key(keys, rows, "borrower_id")
