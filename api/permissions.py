"""Who may ask for what. Mutations answer a missing right with a NotAllowed member instead."""

from __future__ import annotations

from typing import Any

from strawberry.permission import BasePermission

from api.context import Info


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
