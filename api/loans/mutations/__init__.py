import strawberry

from api.loans.mutations.drawdown import drawdown
from api.loans.mutations.repay import repay


@strawberry.type
class LoanMutations:
    drawdown = strawberry.mutation(resolver=drawdown, description=drawdown.__doc__)
    repay = strawberry.mutation(resolver=repay, description=repay.__doc__)
