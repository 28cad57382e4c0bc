"""Prometheus metrics: requests and latency per operation, errors, events published,
subscriptions open. Each app has its own registry."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from starlette.requests import Request
from starlette.responses import Response

if TYPE_CHECKING:
    from api.state import AppState

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
# Client-chosen operation names become labels: past this many, new ones count as "other".
MAX_OPERATION_NAMES = 200


class _FeedCollector:
    def __init__(self, state: AppState) -> None:
        self.state = state

    def collect(self):
        relay = self.state.relay
        yield CounterMetricFamily("suixing_events_published", "Events this process's outbox relay published",
                                  value=relay.published if relay is not None else 0)
        yield CounterMetricFamily("suixing_events_delivered", "Events this process handed to its subscribers",
                                  value=self.state.broadcaster.delivered)


class Metrics:
    def __init__(self, state: AppState) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter("suixing_graphql_requests", "GraphQL operations", ["operation", "type"],
                                registry=self.registry)
        self.latency = Histogram("suixing_graphql_request_seconds", "Time to answer a query or mutation",
                                 ["operation"], registry=self.registry,
                                 buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5))
        self.errors = Counter("suixing_graphql_errors", "GraphQL errors returned", ["operation", "kind"],
                              registry=self.registry)
        self.subscriptions_open = Gauge("suixing_subscriptions_open", "Event subscriptions open",
                                        registry=self.registry)
        self.registry.register(_FeedCollector(state))
        self._names: set[str] = set()

    def operation_label(self, name: str | None) -> str:
        if not name or not _NAME.match(name):
            return "anonymous"
        if name in self._names:
            return name
        if len(self._names) >= MAX_OPERATION_NAMES:
            return "other"
        self._names.add(name)
        return name

    async def endpoint(self, request: Request) -> Response:
        return Response(generate_latest(self.registry), media_type=CONTENT_TYPE_LATEST)
