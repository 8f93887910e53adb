"""The FastAPI application: ``create_app(settings)`` with GraphQL at /graphql, health and readiness, upload."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from starlette.middleware.sessions import SessionMiddleware

from api.context import open_services
from api.errors import HANDLED, handle
from api.limits import BodyLimit
from api.middleware import AuditTrail, TimeLimit
from api.oidc import FLOW_COOKIE, FLOW_SECONDS, provider
from api.routes import ROUTERS, graphiql
from api.routes.dashboards import dashboard_router
from api.routes.graphql import graphql_router
from dashboards.app import create_dash
from graph.open import open_store
from ontology.tokens import warm as warm_tokens
from tianji.core.collector import fewer_collections
from tianji.core.settings import Settings, get_settings


def create_app(settings: Settings | None = None, *, start_graph: bool = True) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        store = await asyncio.to_thread(open_store, settings=settings, start=start_graph)
        await asyncio.to_thread(warm_tokens)  # the first search would otherwise load the pinyin tables
        app.state.services = open_services(settings, store)
        try:
            # what the app holds once started (modules, ontology, models) is left out of the collector's
            # walks, and a request's garbage is collected less often (tianji.core.collector)
            with fewer_collections(freeze=True):
                yield
        finally:
            store.close()

    app = FastAPI(
        title="Tianji",
        version="0.1.0",
        lifespan=lifespan,
        description="Knowledge-graph investigation platform for customs risk. GraphQL at /graphql.",
    )
    app.state.extra_urls = []
    app.include_router(graphql_router(settings), prefix="/graphql")
    for router in ROUTERS:
        app.include_router(router)
    app.include_router(graphiql.router)  # GraphiQL's files, served locally
    for kind in (*HANDLED, Exception):  # anything unexpected: INTERNAL in the same JSON shape
        app.add_exception_handler(kind, handle)
    app.add_middleware(TimeLimit, settings=settings)
    if settings.oidc_issuer:  # the OIDC flow keeps state, nonce and PKCE verifier in a signed cookie
        app.state.oidc = provider(settings)
        app.add_middleware(
            SessionMiddleware,
            secret_key=settings.auth_secret,
            session_cookie=FLOW_COOKIE,
            max_age=FLOW_SECONDS,
            same_site="lax",
            https_only=settings.secure_cookies,
        )
    mount_dashboards(app, settings)
    app.add_middleware(BodyLimit, settings=settings)
    app.add_middleware(AuditTrail)  # outermost: it sees every answer, refusals of the body limit included
    return app


def mount_dashboards(app: FastAPI, settings: Settings) -> None:
    """The Dash dashboards under /dash, behind sign-in; they call this server's GraphQL API as the officer."""
    api_url = f"http://{settings.api_host}:{settings.api_port}/graphql"
    dash_app = create_dash(settings, api_url)
    app.include_router(dashboard_router(dash_app.server, settings))
    app.state.extra_urls.append(("/dash/", "dashboards"))
    app.state.extra_urls.append(("/login", "sign in"))
