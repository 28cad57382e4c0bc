from __future__ import annotations

import strawberry

from api.borrowers.types import Borrower
from api.context import Info


@strawberry.type
class BorrowerQueries:
    @strawberry.field(description="The signed-in borrower.")
    async def me(self, info: Info) -> Borrower | None:
        ctx = info.context
        if ctx.borrower_id is None:
            return None
        row = await ctx.loaders.borrower_by_id.load(ctx.borrower_id)
        return Borrower.from_row(row, ctx.settings) if row is not None else None
