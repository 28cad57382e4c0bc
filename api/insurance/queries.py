"""The insurer's view: a partner linked to an insurer reads that insurer's policies and claims;
staff read every insurer's."""

from __future__ import annotations

import strawberry
from tortoise.models import Model

from api.context import Info
from api.insurance.loaders import insurer_rows
from api.insurance.types import (
    CLAIM_CURSOR,
    POLICY_CURSOR,
    InsuranceClaimConnection,
    InsurancePolicyConnection,
    Insurer,
)
from api.permissions import CanReadInsurance, IsStaff
from api.pools.paging import before_id, first_between, optional_id
from domain import models


async def insurers_in_view(info: Info, insurer_id: strawberry.ID | None) -> list[int] | None:
    """The insurers whose rows the caller may read, narrowed to `insurer_id` when given;
    None means every insurer (staff without a filter)."""
    ctx = info.context
    wanted = optional_id(insurer_id, "Insurer", "insurerId")
    if ctx.staff is not None:
        return None if wanted is None else [wanted]
    assert ctx.partner is not None, "CanReadInsurance lets only staff and insurers' partners in"
    own = await ctx.loaders.insurer_ids_by_partner_id.load(ctx.partner.id)
    return own if wanted is None else [i for i in own if i == wanted]


async def newest_first(model: type[Model], insurers: list[int] | None, limit: int, below: int | None) -> list:
    if insurers == []:
        return []
    query = model.all() if insurers is None else model.filter(insurer_id__in=insurers)
    if below is not None:
        query = query.filter(id__lt=below)
    return await query.order_by("-id").limit(limit + 1)


@strawberry.type
class InsuranceQueries:
    @strawberry.field(description="An insurer's partner: its policies, newest first. Staff: every insurer's, "
                                  "or one insurer's with `insurerId`.", permission_classes=[CanReadInsurance])
    async def insurance_policies(self, info: Info, first: int | None = 20, after: str | None = None,
                                 insurer_id: strawberry.ID | None = None) -> InsurancePolicyConnection:
        limit = first_between(first)
        below = before_id(after, POLICY_CURSOR)
        rows = await newest_first(models.InsurancePolicy, await insurers_in_view(info, insurer_id), limit, below)
        return InsurancePolicyConnection.from_rows(rows, limit, after_given=below is not None)

    @strawberry.field(description="An insurer's partner: its claims, newest first. Staff: every insurer's, "
                                  "or one insurer's with `insurerId`.", permission_classes=[CanReadInsurance])
    async def insurance_claims(self, info: Info, first: int | None = 20, after: str | None = None,
                               insurer_id: strawberry.ID | None = None) -> InsuranceClaimConnection:
        limit = first_between(first)
        below = before_id(after, CLAIM_CURSOR)
        rows = await newest_first(models.InsuranceClaim, await insurers_in_view(info, insurer_id), limit, below)
        return InsuranceClaimConnection.from_rows(rows, limit, after_given=below is not None)

    @strawberry.field(description="Staff: every insurer.", permission_classes=[IsStaff])
    async def insurers(self, info: Info) -> list[Insurer]:
        return [Insurer.from_row(r) for r in await insurer_rows()]

