from __future__ import annotations

from typing import Annotated

import strawberry

from api.borrowers.types import Borrower, BorrowerRegistered
from api.common.errors import ValidationError, validation_error
from api.context import Info
from domain.commands import RegisterBorrower
from domain.errors import ValidationFailed
from domain.services import auth
from domain.services.borrowers import register_borrower as register


@strawberry.input
class RegisterBorrowerInput:
    phone: str
    name: str
    id_number: str
    password: str
    agreement_version: str


RegisterBorrowerResult = Annotated[BorrowerRegistered | ValidationError, strawberry.union("RegisterBorrowerResult")]


async def register_borrower(info: Info, input: RegisterBorrowerInput) -> RegisterBorrowerResult:
    """Sign up with phone, name, resident ID, password and consent to an agreement version."""
    ctx = info.context
    try:
        version = (input.agreement_version or "").strip()
        if ctx.settings.agreement_versions and version not in ctx.settings.agreement_versions:
            raise ValidationFailed(
                f"consent to the current borrower agreement ({ctx.settings.agreement_versions[-1]}) is required",
                field="agreementVersion",
            )
        password_hash = await auth.hash_new_password(input.password)
        row = await register(
            RegisterBorrower(phone=input.phone, name=input.name, id_number=input.id_number,
                             agreement_version=version, password_hash=password_hash),
            settings=ctx.settings,
        )
    except ValidationFailed as exc:
        return validation_error(exc)
    token = await auth.start_session(row.id, ctx.settings)
    return BorrowerRegistered(token=token, borrower=Borrower.from_row(row, ctx.settings))
