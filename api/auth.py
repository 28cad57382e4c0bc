"""Reading `Authorization: Bearer ...`: a borrower token or a partner API key."""

from __future__ import annotations

from api.context import Context
from domain.services import auth
from domain.services.partners import authenticate_partner, looks_like_partner_key


async def authenticate(ctx: Context, header: object) -> None:
    """Fill in who is calling. Bad credentials leave the caller anonymous, with the reason noted."""
    if not isinstance(header, str) or not header.strip():
        return
    scheme, _, credential = header.strip().partition(" ")
    credential = credential.strip()
    if scheme.lower() != "bearer" or not credential:
        ctx.auth_problem = "send credentials as 'Authorization: Bearer <token>'"
        return
    if looks_like_partner_key(credential):
        ctx.partner = await authenticate_partner(credential)
        if ctx.partner is None:
            ctx.auth_problem = "the API key is not valid"
        return
    claims = await auth.authenticate(credential, ctx.settings)
    if claims is None:
        ctx.auth_problem = "the token is not valid, has expired or was revoked; sign in again"
        return
    ctx.borrower_id, ctx.session_id = claims.borrower_id, claims.session_id
