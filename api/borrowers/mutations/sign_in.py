from __future__ import annotations

from typing import Annotated

import strawberry

from api.borrowers.types import Borrower, SignedIn
from api.common.errors import TooManyAttempts, ValidationError, validation_error
from api.context import Info
from domain.errors import ValidationFailed
from domain.services import auth

SignInResult = Annotated[SignedIn | ValidationError | TooManyAttempts, strawberry.union("SignInResult")]


async def sign_in(info: Info, phone: str, password: str) -> SignInResult:
    """Exchange a phone and password for a bearer token."""
    ctx = info.context
    try:
        result = await auth.sign_in(phone, password, ctx.settings)
    except auth.SignInThrottled as exc:
        return TooManyAttempts(code=exc.code, message=exc.message, retry_after_seconds=exc.retry_after)
    except ValidationFailed as exc:
        return validation_error(exc)
    return SignedIn(token=result.token, borrower=Borrower.from_row(result.borrower, ctx.settings))
