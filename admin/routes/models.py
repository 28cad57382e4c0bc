"""The credit model: stored versions with their metrics, the champion, and promotion."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from admin import auth, integrations
from admin.pages import redirect, render
from domain.errors import DomainError
from domain.models import ModelVersion
from domain.services import staff as staff_service


def registry():
    return integrations.module("domain.services.model_registry")


def flat_metrics(metrics: Any, prefix: str = "") -> list[tuple[str, str]]:
    """Nested metrics as ("progressive.auc", "0.7712") pairs, numbers to four places."""
    out: list[tuple[str, str]] = []
    if isinstance(metrics, dict):
        for key in sorted(metrics):
            out.extend(flat_metrics(metrics[key], f"{prefix}.{key}" if prefix else str(key)))
    elif isinstance(metrics, float):
        out.append((prefix, f"{metrics:.4f}"))
    elif metrics is not None and not isinstance(metrics, list):
        out.append((prefix, str(metrics)))
    return out


@auth.guard("read")
async def models_page(request: Request) -> Response:
    service = registry()
    if service is None:
        return await render(request, "pages/models.html", {"available": False}, section="models")
    versions = await service.list_versions()
    return await render(request, "pages/models.html", {
        "available": True, "versions": versions, "flat_metrics": flat_metrics,
    }, section="models")


@auth.guard("models.manage")
async def promote(request: Request) -> Response:
    service = registry()
    if service is None:
        return redirect(request, "/models", "The model registry is not available.", "error")
    form = await request.form()
    version = str(form.get("version", ""))[:32]
    actor = request.state.staff.actor(request)
    try:
        async with staff_service.audited(actor, "model.promote", "model_version", version) as record:
            champion = await ModelVersion.filter(is_champion=True).only("id", "version").first()
            record["before"] = {"champion": champion.version if champion else None}
            promoted = await service.promote(version)
            record["after"] = {"champion": promoted.version}
    except DomainError as exc:
        return redirect(request, "/models", exc.message, "error")
    return redirect(request, "/models", "The version is now the champion.")


routes = [
    Route("/models", models_page),
    Route("/models/promote", promote, methods=["POST"]),
]
