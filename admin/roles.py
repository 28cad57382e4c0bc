"""Staff roles and what each may do.

Roles are ranked: each can do everything the roles below it can. Viewers read; operators
also act on credit lines and reminders and run close of business in demo mode; risk officers
also decide reviews, build pools and see full personal data; admins also manage staff and models."""

from __future__ import annotations

from domain.services.staff import ROLES


def N_(message: str) -> str:  # noqa: N802 - the name catalogue extraction looks for
    return message


ROLE_LABELS = {"admin": N_("Admin"), "risk": N_("Risk officer"), "operator": N_("Operator"), "viewer": N_("Viewer")}
RANK = {"viewer": 0, "operator": 1, "risk": 2, "admin": 3}
assert set(RANK) == set(ROLES)

# permission -> the lowest role that has it
PERMISSIONS: dict[str, str] = {
    "read": "viewer",
    "lines.act": "operator",
    "reminders.act": "operator",
    "cob.run": "operator",
    "reviews.decide": "risk",
    "pools.create": "risk",
    "pii.full": "risk",
    "audit.read": "risk",
    "models.manage": "admin",
    "staff.manage": "admin",
}


def allowed(role: str | None, permission: str) -> bool:
    if role not in RANK:
        return False
    return RANK[role] >= RANK[PERMISSIONS[permission]]


def permissions_of(role: str) -> frozenset[str]:
    return frozenset(p for p in PERMISSIONS if allowed(role, p))
