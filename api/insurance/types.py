"""Insurance policies and claims as the insurer (or staff) reads them."""

from __future__ import annotations

from datetime import date
from enum import Enum

import strawberry

from api.common.ids import to_cursor, to_global_id
from api.common.node import Node
from api.common.pagination import PageInfo, page_info
from api.common.scalars import Money, Rate, fen_str, ppm_str
from api.context import Info
from api.insurance.loaders import InsurerRow
from domain import models

POLICY_CURSOR = "policy"
CLAIM_CURSOR = "claim"


@strawberry.enum(description="ACTIVE until the loan is paid off (ENDED) or claimed (CLAIMED).")
class InsurancePolicyStatus(Enum):
    ACTIVE = "ACTIVE"
    ENDED = "ENDED"
    CLAIMED = "CLAIMED"


@strawberry.type
class Insurer(Node):
    name: str
    partner_name: str | None = strawberry.field(description="The partner whose API key reads as this insurer.")

    @classmethod
    def from_row(cls, r: InsurerRow) -> Insurer:
        return cls(id=strawberry.ID(to_global_id("Insurer", r.id)), name=r.name, partner_name=r.partner_name)


async def _insurer(info: Info, insurer_id: int) -> Insurer:
    row = await info.context.loaders.insurer_by_id.load(insurer_id)
    assert row is not None, "a policy or claim always has its insurer"
    return Insurer.from_row(row)


@strawberry.type
class InsurancePolicy(Node):
    loan_id: strawberry.ID
    status: InsurancePolicyStatus
    cover_ratio: Rate = strawberry.field(description="The insured share of what is owed at a claim.")
    premium: Money = strawberry.field(description="The whole premium over the loan's term.")
    started_on: date
    insurer_pk: strawberry.Private[int]

    @classmethod
    def from_row(cls, p: models.InsurancePolicy) -> InsurancePolicy:
        return cls(id=strawberry.ID(to_global_id("InsurancePolicy", p.id)),
                   loan_id=strawberry.ID(to_global_id("Loan", p.loan_id)), status=InsurancePolicyStatus(p.status),
                   cover_ratio=Rate(ppm_str(p.cover_ppm)), premium=Money(fen_str(p.premium_fen)),
                   started_on=p.started_on, insurer_pk=p.insurer_id)

    @strawberry.field
    async def insurer(self, info: Info) -> Insurer:
        return await _insurer(info, self.insurer_pk)


@strawberry.type
class InsuranceClaim(Node):
    loan_id: strawberry.ID
    business_date: date
    days_past_due: int
    principal: Money = strawberry.field(description="Principal owed at the claim.")
    interest: Money = strawberry.field(description="Interest owed at the claim.")
    paid: Money = strawberry.field(description="The insured share, paid by the insurer.")
    recovered: Money = strawberry.field(description="Recoveries passed on to the insurer since.")
    insurer_pk: strawberry.Private[int]

    @classmethod
    def from_row(cls, c: models.InsuranceClaim) -> InsuranceClaim:
        return cls(id=strawberry.ID(to_global_id("InsuranceClaim", c.id)),
                   loan_id=strawberry.ID(to_global_id("Loan", c.loan_id)), business_date=c.business_date,
                   days_past_due=c.dpd, principal=Money(fen_str(c.principal_fen)),
                   interest=Money(fen_str(c.interest_fen)), paid=Money(fen_str(c.paid_fen)),
                   recovered=Money(fen_str(c.recovered_fen)), insurer_pk=c.insurer_id)

    @strawberry.field
    async def insurer(self, info: Info) -> Insurer:
        return await _insurer(info, self.insurer_pk)


@strawberry.type
class InsurancePolicyEdge:
    cursor: str
    node: InsurancePolicy


@strawberry.type
class InsurancePolicyConnection:
    edges: list[InsurancePolicyEdge]
    page_info: PageInfo

    @classmethod
    def from_rows(cls, rows: list[models.InsurancePolicy], limit: int, after_given: bool) -> InsurancePolicyConnection:
        edges = [InsurancePolicyEdge(cursor=to_cursor(POLICY_CURSOR, r.id), node=InsurancePolicy.from_row(r))
                 for r in rows[:limit]]
        return cls(edges=edges, page_info=page_info([e.cursor for e in edges], has_next=len(rows) > limit,
                                                    has_previous=after_given))


@strawberry.type
class InsuranceClaimEdge:
    cursor: str
    node: InsuranceClaim


@strawberry.type
class InsuranceClaimConnection:
    edges: list[InsuranceClaimEdge]
    page_info: PageInfo

    @classmethod
    def from_rows(cls, rows: list[models.InsuranceClaim], limit: int, after_given: bool) -> InsuranceClaimConnection:
        edges = [InsuranceClaimEdge(cursor=to_cursor(CLAIM_CURSOR, r.id), node=InsuranceClaim.from_row(r))
                 for r in rows[:limit]]
        return cls(edges=edges, page_info=page_info([e.cursor for e in edges], has_next=len(rows) > limit,
                                                    has_previous=after_given))
