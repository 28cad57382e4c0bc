"""The GraphQL endpoint: HTTP (POST, and GET for queries) and graphql-transport-ws."""

from __future__ import annotations

import secrets
from datetime import timedelta

from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.schema import BaseSchema
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types.unset import UNSET, UnsetType

from api import sqlcount
from api.auth import authenticate
from api.context import Context
from api.state import AppState


class GraphQLView(GraphQL[Context, None]):
    def __init__(self, schema: BaseSchema, state: AppState) -> None:
        settings = state.settings
        super().__init__(
            schema,
            graphql_ide=None if settings.production else "graphiql",
            allow_queries_via_get=True,
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
            connection_init_wait_timeout=timedelta(seconds=10),
            max_subscriptions_per_connection=20,
            allowed_origins=settings.api_allowed_origins,
        )
        self.state = state

    async def get_context(self, request: Request | WebSocket, response: Response | WebSocket) -> Context:
        request_id = request.scope.get("state", {}).get("request_id") or secrets.token_hex(8)
        ctx = Context(settings=self.state.settings, state=self.state, request=request, response=response,
                      request_id=request_id)
        if isinstance(request, Request):
            if self.state.settings.api_count_sql:
                with sqlcount.counting() as box:
                    await authenticate(ctx, request.headers.get("authorization"))
                ctx.sql_statements = box[0]
            else:
                await authenticate(ctx, request.headers.get("authorization"))
        return ctx

    async def on_ws_connect(self, context: Context) -> UnsetType | dict[str, object] | None:
        """Partners (or borrowers) authenticate in the connection_init payload; without valid
        credentials the socket is closed with 4403."""
        params = context.connection_params or {}
        header = params.get("Authorization") or params.get("authorization")
        if header is None and context.request is not None:
            header = context.request.headers.get("authorization")
        await authenticate(context, header)
        if context.partner is None and context.borrower_id is None:
            raise ConnectionRejectionError({"message": context.auth_problem or "credentials are required"})
        return UNSET
