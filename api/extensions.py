"""Schema extensions: fresh loaders per operation, metrics, SQL counts, error shaping."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator

from graphql import GraphQLError
from strawberry.extensions import MaskErrors, SchemaExtension

from api import sqlcount
from domain.errors import DomainError

log = logging.getLogger("suixing.api")


def is_unexpected(error: GraphQLError) -> bool:
    """True for a fault of ours, to be logged and masked. Errors a client caused (a bad document,
    a refused permission, a domain error) are shown as they are."""
    original = error.original_error
    return original is not None and not isinstance(original, (DomainError, GraphQLError))


def _context(extension: SchemaExtension):
    return extension.execution_context.context


class FreshLoaders(SchemaExtension):
    """New DataLoaders for each operation, also when one WebSocket carries many."""

    def on_operation(self) -> Iterator[None]:
        ctx = _context(self)
        if ctx is not None and hasattr(ctx, "new_loaders"):
            ctx.loaders = ctx.new_loaders()
        yield


class ShapeErrors(MaskErrors):
    """Domain errors carry their code and field in `extensions`; unexpected ones are masked,
    leaving the request id that finds them in the log."""

    def __init__(self) -> None:
        super().__init__(should_mask_error=lambda error: True)

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        original = error.original_error
        if isinstance(original, DomainError):
            extensions = {"code": original.code}
            if original.field:
                extensions["field"] = original.field
            return GraphQLError(original.message, nodes=error.nodes, source=error.source,
                                positions=error.positions, path=error.path, extensions=extensions)
        if not is_unexpected(error):
            return error
        request_id = getattr(_context(self), "request_id", "-")
        return GraphQLError(f"Unexpected error; quote request id {request_id}.", nodes=error.nodes,
                            source=error.source, positions=error.positions, path=error.path,
                            extensions={"code": "INTERNAL_SERVER_ERROR", "requestId": request_id})


class Observe(SchemaExtension):
    """Metrics per operation and, when enabled, the number of SQL statements the request ran
    (reading the bearer token's session included)."""

    _sql_statements: int | None = None

    def get_results(self) -> dict[str, int]:
        return {} if self._sql_statements is None else {"sqlQueries": self._sql_statements}

    def on_operation(self) -> Iterator[None]:
        ctx = _context(self)
        state = getattr(ctx, "state", None)
        count_sql = bool(getattr(getattr(ctx, "settings", None), "api_count_sql", False))
        started = time.perf_counter()
        if count_sql:
            with sqlcount.counting() as box:
                yield
            self._sql_statements = getattr(ctx, "sql_statements", 0) + box[0]
        else:
            yield
        elapsed = time.perf_counter() - started
        ec = self.execution_context
        result = ec.result
        if state is None:
            return
        try:
            kind = ec.operation_type.value
        except Exception:  # noqa: BLE001 - a document that did not parse has no type
            kind = "unknown"
        if kind == "subscription":
            return
        metrics = state.metrics
        name = metrics.operation_label(ec.operation_name)
        metrics.requests.labels(name, kind).inc()
        metrics.latency.labels(name).observe(elapsed)
        errors = getattr(result, "errors", None) or []
        for error in errors:
            internal = is_unexpected(error) or (error.extensions or {}).get("code") == "INTERNAL_SERVER_ERROR"
            metrics.errors.labels(name, "internal" if internal else "client").inc()
