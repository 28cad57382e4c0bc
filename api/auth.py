"""Who is calling: `Authorization: Bearer ...` (a borrower token or a partner API key) and, for
staff, the admin's signed session cookie."""

from __future__ import annotations

from admin.auth import SESSION_COOKIE, unsign
from api.context import Context, StaffPrincipal
from domain.services import auth
from domain.services import staff as staff_service
from domain.services.partners import authenticate_partner, looks_like_partner_key


async def authenticate(ctx: Context, header: object) -> None:
    """Fill in who is calling. Bad credentials leave the caller anonymous, with the reason noted."""
    await authenticate_staff(ctx)
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


async def authenticate_staff(ctx: Context) -> None:
    """A live admin session in the request's cookie makes the caller staff. The cookie is
    checked against its signature first, so a forged one costs no query."""
    cookies = getattr(ctx.request, "cookies", None) or {}
    token = unsign(cookies.get(SESSION_COOKIE), ctx.settings)
    if token is None:
        return
    session = await staff_service.load_session(token)
    if session is not None:
        user = session.staff
        ctx.staff = StaffPrincipal(user.id, user.username, user.role)
