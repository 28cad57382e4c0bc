from __future__ import annotations

import strawberry

from api.disclosure.types import Disclosure
from domain.services.disclosure import disclosure


@strawberry.type
class DisclosureQueries:
    @strawberry.field(description="Public operating data.")
    async def disclosure(self) -> Disclosure:
        return Disclosure.from_figures(await disclosure())
