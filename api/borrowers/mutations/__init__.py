import strawberry

from api.borrowers.mutations.register_borrower import register_borrower
from api.borrowers.mutations.sign_in import sign_in
from api.borrowers.mutations.sign_out import sign_out


@strawberry.type
class BorrowerMutations:
    register_borrower = strawberry.mutation(resolver=register_borrower, description=register_borrower.__doc__)
    sign_in = strawberry.mutation(resolver=sign_in, description=sign_in.__doc__)
    sign_out = strawberry.mutation(resolver=sign_out, description=sign_out.__doc__)
