"""`node(id)`: any object by its global id, but only the caller's own (pools: for those who may read
them); anything else is null."""

from __future__ import annotations

import strawberry

from api.borrowers.types import Borrower
from api.common.ids import from_global_id
from api.common.node import Node
from api.context import Info
from api.credit.types import CreditLine
from api.loans.types import Loan, Repayment
from api.permissions import may_read_pools
from api.pools.types import Pool


@strawberry.type
class NodeQueries:
    @strawberry.field
    async def node(self, info: Info, id: strawberry.ID) -> Node | None:
        ctx = info.context
        parsed = from_global_id(id)
        if parsed is None:
            return None
        kind, pk = parsed
        if kind == "Pool":
            if not may_read_pools(ctx):
                return None
            pool = await ctx.loaders.pool_by_id.load(pk)
            return Pool.from_row(pool) if pool is not None else None
        if ctx.borrower_id is None:
            return None
        loaders, owner = ctx.loaders, ctx.borrower_id
        if kind == "Borrower":
            row = await loaders.borrower_by_id.load(pk) if pk == owner else None
            return Borrower.from_row(row, ctx.settings) if row is not None else None
        if kind == "Loan":
            loan = await loaders.loan_by_id.load(pk)
            return Loan.from_row(loan) if loan is not None and loan.borrower_id == owner else None
        if kind == "CreditLine":
            line = await loaders.credit_line_by_id.load(pk)
            return CreditLine.from_row(line) if line is not None and line.borrower_id == owner else None
        if kind == "Repayment":
            repayment = await loaders.repayment_by_id.load(pk)
            return Repayment.from_row(repayment) if repayment is not None and repayment.borrower_id == owner else None
        return None
