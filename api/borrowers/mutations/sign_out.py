from __future__ import annotations

from typing import Annotated

import strawberry

from api.borrowers.types import SignedOut
from api.common.errors import NotAllowed, not_allowed
from api.context import Info
from domain.services import auth

SignOutResult = Annotated[SignedOut | NotAllowed, strawberry.union("SignOutResult")]


async def sign_out(info: Info, everywhere: bool = False) -> SignOutResult:
    """Revoke this token (or, with `everywhere`, every token of the borrower)."""
    ctx = info.context
    if ctx.borrower_id is None or ctx.session_id is None:
        return not_allowed(ctx.auth_problem or "sign in as a borrower first")
    if everywhere:
        await auth.revoke_all_sessions(ctx.borrower_id)
    else:
        await auth.revoke_session(ctx.session_id)
    return SignedOut()
