"""DataLoaders for the insurer's view."""

from __future__ import annotations

from dataclasses import dataclass

from api.common.loaders import BatchLoader, one_per_key
from domain.models import Insurer


@dataclass(frozen=True, slots=True)
class InsurerRow:
    id: int
    name: str
    # The partner whose API key reads as this insurer, if any.
    partner_name: str | None


async def insurer_rows(ids: list[int] | None = None) -> list[InsurerRow]:
    query = Insurer.all() if ids is None else Insurer.filter(id__in=ids)
    rows = await query.order_by("id").values("id", "name", partner_name="partner__name")
    return [InsurerRow(**r) for r in rows]


class InsurerByIdLoader(BatchLoader[int, InsurerRow | None]):
    async def load_batch(self, keys: list[int]) -> list[InsurerRow | None]:
        return one_per_key(keys, await insurer_rows(keys), "id")


class InsurerIdsByPartnerIdLoader(BatchLoader[int, list[int]]):
    """The insurers a partner's API key speaks for (usually one, or none)."""

    async def load_batch(self, keys: list[int]) -> list[list[int]]:
        found: dict[int, list[int]] = {k: [] for k in keys}
        for partner_id, insurer_id in await Insurer.filter(partner_id__in=keys).order_by("id").values_list(
                "partner_id", "id"):
            found[partner_id].append(insurer_id)
        return [found[k] for k in keys]
