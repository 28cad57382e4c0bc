from __future__ import annotations

import strawberry

from api.common.ids import from_global_id
from api.context import Info
from api.permissions import CanReadPools
from api.pools.paging import before_id, first_between
from api.pools.types import POOL_CURSOR, Pool, PoolConnection, PoolStatus
from domain.models import Pool as PoolRow


@strawberry.type
class PoolQueries:
    @strawberry.field(description="Staff and investors: securitised pools, newest first.",
                      permission_classes=[CanReadPools])
    async def pools(self, info: Info, status: PoolStatus | None = None, first: int | None = 20,
                    after: str | None = None) -> PoolConnection:
        limit = first_between(first)
        below = before_id(after, POOL_CURSOR)
        query = PoolRow.all()
        if status is not None:
            query = query.filter(status=status.value)
        if below is not None:
            query = query.filter(id__lt=below)
        rows = await query.order_by("-id").limit(limit + 1)
        return PoolConnection.from_rows(rows, limit, after_given=below is not None)

    @strawberry.field(description="Staff and investors: one pool by its id; null for an id that is not a pool's.",
                      permission_classes=[CanReadPools])
    async def pool(self, info: Info, id: strawberry.ID) -> Pool | None:
        parsed = from_global_id(id)
        if parsed is None or parsed[0] != "Pool":
            return None
        row = await info.context.loaders.pool_by_id.load(parsed[1])
        return Pool.from_row(row) if row is not None else None
