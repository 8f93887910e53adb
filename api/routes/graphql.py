"""GraphQL at /graphql (queries and mutations over HTTP, subscriptions over WebSocket), with coded errors."""

from __future__ import annotations

from typing import Any

from fastapi import Request, WebSocket
from strawberry.exceptions import ConnectionRejectionError
from strawberry.fastapi import GraphQLRouter
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL

from api.auth import User, authenticate
from api.context import Context, Services
from api.errors import ApiError
from api.schema import annotate, build_schema
from tianji.core.settings import Settings


class Router(GraphQLRouter[Context, None]):
    settings: Settings

    async def process_result(self, request: Request, result: Any) -> Any:
        for error in result.errors or []:
            annotate(error, self.settings)
        return await super().process_result(request, result)

    async def on_ws_connect(self, context: Context) -> dict[str, object] | None:
        params = getattr(context, "connection_params", None) or {}
        header = params.get("Authorization") or params.get("authorization")
        try:
            context.user = authenticate(context.services.settings, context.services.users, header)
        except ApiError as exc:
            raise ConnectionRejectionError({"message": exc.message, "code": exc.code}) from None
        return {"user": context.user.name}


async def context_getter(request: Request = None, websocket: WebSocket = None) -> Context:  # type: ignore[assignment]
    """The request's context: the shared services and the user the guard middleware authenticated."""
    conn = request if request is not None else websocket
    services: Services = conn.app.state.services
    user = getattr(conn.state, "user", None) or User("anonymous", "none", "")
    return Context(services, user)


def graphql_router(settings: Settings) -> Router:
    router = Router(
        build_schema(settings),
        context_getter=context_getter,
        graphql_ide="graphiql",
        subscription_protocols=[GRAPHQL_TRANSPORT_WS_PROTOCOL],
    )
    router.settings = settings
    return router
