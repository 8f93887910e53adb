"""The guard every HTTP request passes: body size limits and a time limit (who is asking is a dependency of
each route, ``api.deps.current_user``, not a concern of this guard).

It answers with the same error shape as the routes (``api.errors.error_response``); it runs outside
the routes' exception handling, so it builds those responses itself.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from fastapi import Request, Response

from api.errors import LimitExceeded, PayloadTooLarge, error_response
from api.limits import UPLOAD_PREFIXES
from tianji.core.settings import Settings

Guard = Callable[[Request, Callable[[Request], Awaitable[Response]]], Awaitable[Response]]


def guard(settings: Settings) -> Guard:
    async def check(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        length = request.headers.get("content-length")
        upload = request.url.path.startswith(UPLOAD_PREFIXES)
        limit = settings.api_max_upload_bytes if upload else settings.api_max_body_bytes
        if length and int(length) > limit:
            return error_response(
                PayloadTooLarge(
                    f"request body of {length} bytes exceeds the limit of {limit} bytes"
                    + (" for uploads" if upload else "")
                )
            )
        try:
            return await asyncio.wait_for(call_next(request), timeout=settings.api_timeout_s)
        except TimeoutError:
            return error_response(
                LimitExceeded(
                    f"request took longer than {settings.api_timeout_s:.0f}s; narrow the query", status=504
                )
            )

    return check
