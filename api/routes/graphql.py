"""GraphQL at /graphql (queries and mutations over HTTP, subscriptions over WebSocket), with coded errors.

GET and POST take the user from the one dependency (``api.deps.graphql_user``): a request without a
credential answers 401 before any resolver runs. A subscription authenticates in ``connection_init``
(``{"Authorization": "Bearer <token>"}``) through the same token check. GraphiQL is served in development
only, to signed-in users (it sends the session's CSRF token with its requests).
"""

from __future__ import annotations

from typing import Any

from fastapi import Request, WebSocket
from fastapi.responses import HTMLResponse
from strawberry.exceptions import ConnectionRejectionError
from strawberry.fastapi import GraphQLRouter
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL

from api.audit import AuditEntry, record
from api.audit_chain import chain_key
from api.auth import User, authenticate
from api.context import Context, Services
from api.deps import GraphQLUserDep
from api.errors import ApiError
from api.persisted import PersistedQueries, PersistedQueriesView
from api.routes.graphiql import local_page
from api.schema import annotate, build_schema
from api.sessions import CSRF_COOKIE
from api.trail import outcome_of
from tianji.core.settings import Settings

#: who a websocket is until its ``connection_init`` names a user (no resolver runs before that)
NOBODY = User("anonymous", "none", "")


class Router(PersistedQueriesView, GraphQLRouter[Context, None]):
    settings: Settings

    async def process_result(self, request: Request, result: Any) -> Any:
        for error in result.errors or []:
            annotate(error, self.settings)
        return await super().process_result(request, result)

    async def render_graphql_ide(self, request: Request) -> HTMLResponse:
        # GraphiQL sends the CSRF cookie's value as x-csrftoken; ours is the session's _csrf_token
        page = self.graphql_ide_html.replace('Cookies.get("csrftoken")', f'Cookies.get("{CSRF_COOKIE}")')
        return HTMLResponse(local_page(page, self.settings))  # its files from this server, not a CDN

    async def on_ws_connect(self, context: Context) -> dict[str, object] | None:
        params = getattr(context, "connection_params", None) or {}
        header = params.get("Authorization") or params.get("authorization")
        try:
            context.user = authenticate(context.services.settings, context.services.users, header)
        except ApiError as exc:
            refused(context, exc)
            raise ConnectionRejectionError({"message": exc.message, "code": exc.code}) from None
        return {"user": context.user.name}


def refused(context: Context, exc: ApiError) -> None:
    """Audit a websocket whose ``connection_init`` named no valid user."""
    services = context.services
    client = getattr(getattr(context, "request", None), "client", None)
    record(
        services.audit,
        chain_key(services.settings),
        AuditEntry(
            user=NOBODY.name,
            role=NOBODY.role,
            unit=NOBODY.unit,
            operation_type="connection_init",
            operation_name=None,
            document="",
            variables={},
            result_size=0,
            outcome=outcome_of([exc.code]),
            error_codes=[exc.code],
            duration_ms=0.0,
            transport="websocket",
            address=client.host if client is not None else None,
        ),
    )


async def context_getter(
    user: GraphQLUserDep,
    request: Request = None,  # type: ignore[assignment]
    websocket: WebSocket = None,  # type: ignore[assignment]
) -> Context:
    """The request's context: the shared services and the signed-in user."""
    conn = request if request is not None else websocket
    services: Services = conn.app.state.services
    return Context(services, user or NOBODY)


def graphql_router(settings: Settings) -> Router:
    router = Router(
        build_schema(settings),
        context_getter=context_getter,
        graphql_ide="graphiql" if settings.environment == "development" else None,
        subscription_protocols=[GRAPHQL_TRANSPORT_WS_PROTOCOL],
    )
    router.settings = settings
    router.persisted = PersistedQueries(settings)
    return router
