"""What routes depend on, as ``Annotated`` aliases: the settings, the shared store, the signed-in user.

There is one authentication path, ``identify``, for every route, method and transport: a client sends
``Authorization: Bearer <token>`` (JWT or API key); a browser sends the session cookie of its sign-in,
and then every request that may change state must carry the session's CSRF token as ``X-CSRFToken``.
GraphQL (GET and POST), the REST routes, ``/images`` and the dashboards all take the user from here;
a subscription sends the bearer token in ``connection_init`` (``api.routes.graphql``).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from starlette.requests import HTTPConnection

from api.auth import User, active_user, authenticate
from api.context import Services
from api.errors import Forbidden, Unauthenticated
from api.sessions import CSRF_HEADER, SAFE_METHODS, SESSION_COOKIE, csrf_matches, csrf_token, user_of
from api.trail import attribute
from graph.store import GraphStore
from tianji.core.settings import Settings

SIGN_IN = "sign in at /login, or send 'Authorization: Bearer <token>'"


def services(conn: HTTPConnection) -> Services:
    """What the app opened at start-up (``api.app.create_app``'s lifespan)."""
    return conn.app.state.services


def settings(conn: HTTPConnection) -> Settings:
    return services(conn).settings


def store(conn: HTTPConnection) -> GraphStore:
    return services(conn).store


def identify(conn: HTTPConnection) -> User | None:
    """The user behind a request, or None when it carries no credential at all.

    A bad bearer token or an ended session raises ``Unauthenticated``; a cookie-authenticated request
    that may change state without its session's CSRF token raises ``Forbidden``.
    """
    svc = services(conn)
    header = conn.headers.get("authorization")
    if header:
        user = authenticate(svc.settings, svc.users, header)
        attribute(conn.scope, user)
        return user
    session_id = conn.cookies.get(SESSION_COOKIE)
    if not session_id:
        return None
    name = user_of(svc.users, session_id)
    if name is None:
        raise Unauthenticated("the session has ended or expired; sign in again at /login")
    user = active_user(svc.users, name)
    attribute(conn.scope, user)  # audited as this user even when the CSRF check below refuses
    changes_state = conn.scope["type"] == "http" and conn.scope.get("method", "GET") not in SAFE_METHODS
    if changes_state and not csrf_matches(
        csrf_token(svc.settings, session_id), conn.headers.get(CSRF_HEADER)
    ):
        raise Forbidden("missing or wrong CSRF token: send the _csrf_token cookie's value as X-CSRFToken")
    return user


def current_user(conn: HTTPConnection) -> User:
    """The signed-in user; ``Unauthenticated`` (401) when the request carries no credential."""
    user = identify(conn)
    if user is None:
        raise Unauthenticated(f"not signed in: {SIGN_IN}")
    return user


def graphql_user(conn: HTTPConnection) -> User | None:
    """``current_user`` for GraphQL over HTTP; a websocket authenticates in ``connection_init`` instead."""
    if conn.scope["type"] == "websocket":
        return None
    return current_user(conn)


def signed_in(conn: HTTPConnection) -> User | None:
    """The user of a browser page, or None (the page then sends the browser to sign in)."""
    try:
        return identify(conn)
    except Unauthenticated:
        return None


# The dependencies are awaited on the event loop: FastAPI runs a plain function in its thread pool, a hop
# per dependency per request that cost more than the work (a token check and a user looked up at most
# every few seconds, api.auth.CACHE_SECONDS).


async def _settings(conn: HTTPConnection) -> Settings:
    return settings(conn)


async def _store(conn: HTTPConnection) -> GraphStore:
    return store(conn)


async def _services(conn: HTTPConnection) -> Services:
    return services(conn)


async def _current_user(conn: HTTPConnection) -> User:
    return current_user(conn)


async def _graphql_user(conn: HTTPConnection) -> User | None:
    return graphql_user(conn)


async def _signed_in(conn: HTTPConnection) -> User | None:
    return signed_in(conn)


SettingsDep = Annotated[Settings, Depends(_settings)]
StoreDep = Annotated[GraphStore, Depends(_store)]
ServicesDep = Annotated[Services, Depends(_services)]
UserDep = Annotated[User, Depends(_current_user)]
GraphQLUserDep = Annotated[User | None, Depends(_graphql_user)]
PageUserDep = Annotated[User | None, Depends(_signed_in)]


def require(user: User, permission: str, action: str) -> None:
    """Refuse ``action`` (e.g. "upload certificates") unless ``user``'s role grants ``permission``."""
    if not user.can(permission):
        raise Forbidden(f"role {user.role!r} may not {action}")
