from __future__ import annotations

from api.common.loaders import BatchLoader, one_per_key
from domain.models import CreditLine


class CreditLineByBorrowerIdLoader(BatchLoader[int, CreditLine | None]):
    async def load_batch(self, keys: list[int]) -> list[CreditLine | None]:
        return one_per_key(keys, await CreditLine.filter(borrower_id__in=keys), "borrower_id")


class CreditLineByIdLoader(BatchLoader[int, CreditLine | None]):
    async def load_batch(self, keys: list[int]) -> list[CreditLine | None]:
        return one_per_key(keys, await CreditLine.filter(id__in=keys), "id")
