from __future__ import annotations

import strawberry

from api.common.scalars import Money, parse_amount
from api.context import Info
from api.loans.types import Quote, RepaymentMethod
from api.permissions import IsBorrower
from domain.errors import NotAllowed
from domain.money import ppm_to_rate
from domain.services.calendar import business_date
from domain.services.insurance import quote_for_draw


@strawberry.type
class LoanQueries:
    @strawberry.field(description="A preview of a draw for the signed-in borrower, at their own rate; changes nothing.",
                      permission_classes=[IsBorrower])
    async def quote(self, info: Info, amount: Money, method: RepaymentMethod, term_months: int | None = None,
                    term_days: int | None = None) -> Quote:
        ctx = info.context
        value = parse_amount(amount, "amount")
        line = await ctx.loaders.credit_line_by_borrower_id.load(ctx.borrower_id)
        if line is None:
            raise NotAllowed("there is no credit line yet: apply for credit first")
        # Through the insurance plans, so an insured draw is quoted with its premium, as drawn.
        result, _plan = await quote_for_draw(value, ppm_to_rate(line.daily_rate_ppm), method.value,
                                             start=await business_date(), term_months=term_months,
                                             term_days=term_days, settings=ctx.settings)
        return Quote.from_result(result)
