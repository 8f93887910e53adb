"""The dashboards under /dash: the Dash (Flask) app served behind the same user dependency as the API.

A page visit without a session goes to the sign-in page; any other request without one (a callback, the
layout) answers 401, and a callback without its CSRF token 403 (``api.deps.identify``). The Flask app
receives the signed-in user and a short-lived token of the officer's own in its WSGI environ
(``tianji.user``, ``tianji.token``): every callback calls the GraphQL API as that officer.
"""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from werkzeug.test import EnvironBuilder, run_wsgi_app

from api.auth import User, issue_jwt
from api.deps import PageUserDep
from api.errors import Unauthenticated
from tianji.core.settings import Settings

PREFIX = "/dash"
#: lifetime of the token a callback calls the API with (it never leaves the server)
CALL_TOKEN_HOURS = 5 / 60
#: request headers not handed on (the WSGI environ gets them from the body and the URL)
_DROPPED = {"content-length", "content-type", "host"}


def dashboard_router(wsgi_app: Any, settings: Settings) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get(PREFIX)
    async def bare() -> Response:
        return RedirectResponse(PREFIX + "/", status_code=307)

    @router.api_route(PREFIX + "/{path:path}", methods=["GET", "HEAD", "POST"])
    async def dashboards(path: str, request: Request, user: PageUserDep) -> Response:
        if user is None:
            if request.method in ("GET", "HEAD") and not path.startswith("_"):
                target = quote(f"{PREFIX}/{path}", safe="/")
                return RedirectResponse(f"/login?next={target}", status_code=303)
            raise Unauthenticated("not signed in: sign in at /login")
        body = await request.body()
        return await asyncio.to_thread(call, wsgi_app, request, body, path, user, settings)

    return router


def call(wsgi_app: Any, request: Request, body: bytes, path: str, user: User, settings: Settings) -> Response:
    """Run one request through the WSGI app, as the signed-in officer."""
    builder = EnvironBuilder(
        path="/" + path,
        base_url=f"{request.url.scheme}://{request.url.netloc}{PREFIX}",
        query_string=request.url.query,
        method=request.method,
        headers=[(k, v) for k, v in request.headers.items() if k.lower() not in _DROPPED],
        content_type=request.headers.get("content-type"),
        data=body,
    )
    environ = builder.get_environ()
    environ["tianji.user"] = user
    environ["tianji.token"] = issue_jwt(settings, user, hours=CALL_TOKEN_HOURS)
    chunks, status, headers = run_wsgi_app(wsgi_app, environ, buffered=True)
    try:
        content = b"".join(chunks)
    finally:
        close = getattr(chunks, "close", None)
        if close is not None:
            close()
    response = Response(content, status_code=int(status.split(" ", 1)[0]))
    response.raw_headers = [
        (k.lower().encode("latin-1"), v.encode("latin-1"))
        for k, v in headers.items()
        if k.lower() != "content-length"
    ] + [(b"content-length", str(len(content)).encode())]
    return response
