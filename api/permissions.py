"""Who may ask for what. Mutations answer a missing right with a NotAllowed member instead."""

from __future__ import annotations

from typing import Any

from strawberry.permission import BasePermission

from api.context import Context, Info


class IsBorrower(BasePermission):
    message = "sign in as a borrower first"
    error_extensions = {"code": "UNAUTHENTICATED"}

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        return info.context.borrower_id is not None


class PartnerScope(BasePermission):
    scope = ""
    error_extensions = {"code": "FORBIDDEN"}

    @property
    def message(self) -> str:  # type: ignore[override]
        return f"a partner API key with the {self.scope} scope is required"

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        partner = info.context.partner
        return partner is not None and partner.can(self.scope)


class CanReadEvents(PartnerScope):
    scope = "events:read"


class IsStaff(BasePermission):
    message = "a staff session (the admin's sign-in cookie) is required"
    error_extensions = {"code": "FORBIDDEN"}

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        return info.context.staff is not None


class CanReadPools(BasePermission):
    message = "a staff session or a partner API key with the pools:read scope is required"
    error_extensions = {"code": "FORBIDDEN"}

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        return may_read_pools(info.context)


def may_read_pools(ctx: Context) -> bool:
    return ctx.staff is not None or (ctx.partner is not None and ctx.partner.can("pools:read"))


class CanReadInsurance(BasePermission):
    message = "a staff session or the API key of an insurer's partner is required"
    error_extensions = {"code": "FORBIDDEN"}

    async def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        ctx = info.context
        if ctx.staff is not None:
            return True
        if ctx.partner is None:
            return False
        # Loaded once per operation; the resolver reuses it to pick the insurer's rows.
        return bool(await ctx.loaders.insurer_ids_by_partner_id.load(ctx.partner.id))
