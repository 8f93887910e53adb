"""What every HTTP request passes: the audit trail (outermost) and the time limit (who is asking is a
dependency of each route, ``api.deps.current_user``, not a concern of these; body limits are
``api.limits.BodyLimit``).

``AuditTrail`` gives each request a ``Trail`` (``api.trail``) and writes it as one audit row (one per
GraphQL operation of a batch) when the response starts, before the client sees it; a request that
raised is written as an ``error`` with status 500. Health checks and the dashboards' static files are
not audited. The time limit answers 504 (``timed_out`` in the audit) with the routes' error shape.
"""

from __future__ import annotations

import asyncio
import time
from urllib.parse import parse_qsl

from fastapi import Request
from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.audit import AuditEntry, record
from api.audit_chain import chain_key
from api.auth import User
from api.deps import identify
from api.errors import ApiError, LimitExceeded, error_response
from api.sending import WatchedSend
from api.trail import SCOPE_KEY, Trail, outcome_of
from tianji.core.settings import Settings

ANONYMOUS = User("anonymous", "none", "")
#: paths never audited: liveness and readiness probes
UNAUDITED = frozenset({"/healthz", "/readyz"})
#: the dashboards' static files (scripts, styles, icons), audited only when refused
STATIC = ("/dash/_dash-component-suites/", "/dash/assets/", "/dash/_favicon.ico", "/favicon.ico")


class TimeLimit:
    """Answer 504 ``LIMIT_EXCEEDED`` to a request still running after ``api_timeout_s``, and cancel its
    work (pure ASGI: no task group or stream per request, as an ``http`` middleware would add). Once a
    response has started the limit is over: its audit row and its body are written in full. Body sizes
    are ``api.limits.BodyLimit``'s, outside this."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = asyncio.timeout(self.settings.api_timeout_s)
        # once the answer has begun the limit is over: its audit row and its body are not cut off
        watched = WatchedSend(send, on_start=lambda: limit.reschedule(None))
        try:
            async with limit:
                await self.app(scope, receive, watched)
        except TimeoutError:
            if not limit.expired() or watched.started:
                raise
            refusal = LimitExceeded(
                f"request took longer than {self.settings.api_timeout_s:.0f}s; narrow the query", status=504
            )
            await error_response(refusal, Request(scope))(scope, receive, send)


class AuditTrail:
    """Write one audit row for every HTTP request (pure ASGI, outside every other middleware)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or path in UNAUDITED:
            await self.app(scope, receive, send)
            return
        trail = Trail()
        client = scope.get("client")
        trail.address = client[0] if client else None
        scope[SCOPE_KEY] = trail
        written = False

        async def watched(message: Message) -> None:
            nonlocal written
            if message["type"] == "http.response.start" and not written:
                written = True
                status = int(message["status"])
                if not (path.startswith(STATIC) and status < 400):
                    services = scope["app"].state.services
                    if services.audit_log is not None:  # with other requests' rows, in one transaction
                        await services.audit_log.append(*entries(scope, trail, status))
                    else:
                        await asyncio.to_thread(write, scope, trail, status)
            await send(message)

        try:
            await self.app(scope, receive, watched)
        except BaseException:
            if not written:  # written here and now: the task may be on its way out (cancelled)
                written = True
                trail.codes.append("INTERNAL")
                write(scope, trail, 500)
            raise
        if not written:  # the client left before any answer
            write(scope, trail, None)


def write(scope: Scope, trail: Trail, status: int | None) -> None:
    """Append the rows of one request: its GraphQL operations, or the request itself."""
    services = scope["app"].state.services
    record(services.audit, chain_key(services.settings), *entries(scope, trail, status))


def entries(scope: Scope, trail: Trail, status: int | None) -> list[AuditEntry]:
    """The audit rows of one request: its GraphQL operations, or the request itself."""
    user = trail.user or _claimed(scope, trail) or ANONYMOUS
    duration = (time.perf_counter() - trail.started) * 1000
    common = {
        "user": user.name,
        "role": user.role,
        "unit": user.unit,
        "duration_ms": duration,
        "transport": "http",
        "status": status,
        "address": trail.address,
    }
    codes = list(trail.codes)
    if status == 413 and not codes:
        codes.append("LIMIT_EXCEEDED")
    if trail.operations:
        rows = [
            AuditEntry(
                operation_type=op.operation_type,
                operation_name=op.operation_name,
                document=op.document,
                variables=op.variables,
                result_size=op.result_size,
                outcome=outcome_of({*op.codes, *codes}, status),
                error_codes=sorted({*op.codes, *codes}),
                **common,  # type: ignore[arg-type]
            )
            for op in trail.operations
        ]
    else:
        rows = [
            AuditEntry(
                operation_type=trail.operation_type,
                operation_name=trail.operation_name or route_name(scope),
                document="",
                variables=trail.arguments if trail.arguments is not None else arguments(scope),
                result_size=0,
                outcome=trail.outcome or outcome_of(codes, status),
                error_codes=sorted(codes),
                **common,  # type: ignore[arg-type]
            )
        ]
    return rows


def _claimed(scope: Scope, trail: Trail) -> User | None:
    """The user of a request refused before its route named one (a body too large, a timeout, a CSRF
    refusal), from its credential; None when it carries none or a bad one."""
    headers = dict(scope.get("headers") or [])
    if b"authorization" not in headers and b"cookie" not in headers:
        return None
    try:
        return identify(HTTPConnection(scope))
    except ApiError:
        return trail.user  # identify names the user of a session before it checks the CSRF token


def route_name(scope: Scope) -> str:
    """``METHOD /route/{template}`` (the dashboards' catch-all: the path itself)."""
    route = scope.get("route")
    template = getattr(route, "path", None)
    if not template or "{path:path}" in template:
        template = scope.get("path", "")
    return f"{scope.get('method', 'GET')} {template}"


def arguments(scope: Scope) -> dict[str, object]:
    """A REST call's arguments: its path and query parameters, and the size of its body."""
    found: dict[str, object] = dict(scope.get("path_params") or {})
    query = scope.get("query_string", b"").decode("latin-1")
    for name, value in parse_qsl(query, keep_blank_values=True):
        found.setdefault(name, value)
    length = dict(scope.get("headers") or []).get(b"content-length")
    if length and length.isdigit() and int(length) > 0:
        found["body_bytes"] = int(length)
    return found
