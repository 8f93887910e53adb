"""Body limits counted on the stream: a pure ASGI middleware, and a capped copy of an upload to disk.

``Content-Length`` is only a claim (and a chunked body has none): ``BodyLimit`` counts the bytes of every
HTTP request as they arrive and answers 413 ``LIMIT_EXCEEDED`` as soon as a body passes its route's
limit (``api_max_upload_bytes`` for uploads, ``api_max_body_bytes`` for everything else), before the
application has read the rest. The application then sees the client as gone and whatever it answers
is dropped.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, BinaryIO

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.sending import WatchedSend
from tianji.core.settings import Settings

UPLOAD_PREFIXES = ("/certificates/", "/documents/", "/ingest/")
DASHBOARD_CALLBACKS = "/dash/_dash-update-component"  # a callback's body carries the canvas's board
CHUNK = 1 << 20


class BodyTooLarge(ValueError):
    """An upload passed its limit while it was copied."""


def body_limit(settings: Settings, path: str) -> tuple[int, bool]:
    """The byte limit of a request body on ``path``, and whether the route takes uploads."""
    upload = path.startswith(UPLOAD_PREFIXES)
    if upload:
        return settings.api_max_upload_bytes, True
    if path == DASHBOARD_CALLBACKS:
        return settings.api_max_dashboard_body_bytes, False
    return settings.api_max_body_bytes, False


def refusal(limit: int, upload: bool, size: int | None = None) -> bytes:
    what = f"request body of {size} bytes" if size is not None else "request body"
    return json.dumps(
        {
            "errors": [
                {
                    "message": f"{what} exceeds the limit of {limit} bytes"
                    + (" for uploads" if upload else ""),
                    "extensions": {"code": "LIMIT_EXCEEDED", "limit": limit},
                }
            ]
        }
    ).encode()


class BodyLimit:
    """Refuse any HTTP request whose body, as it streams in, passes its route's limit."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit, upload = body_limit(self.settings, scope["path"])
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await _answer(send, refusal(limit, upload, int(declared)))
            return
        received = 0
        guarded = WatchedSend(send)  # closed once refused: what the application answers after is dropped

        async def counted() -> Message:
            nonlocal received
            if guarded.closed:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    guarded.closed = True
                    if not guarded.started:
                        await _answer(send, refusal(limit, upload))
                    return {"type": "http.disconnect"}  # the application stops reading here
            return message

        try:
            await self.app(scope, counted, guarded)
        except Exception:
            if not guarded.closed:
                raise
            # the application failed on the body cut short; the client already has its 413


async def _answer(send: Send, body: bytes) -> None:
    headers: list[tuple[bytes, bytes]] = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"connection", b"close"),
    ]
    await send({"type": "http.response.start", "status": 413, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def save_upload(source: BinaryIO | Any, target: Path, limit: int) -> int:
    """Copy an uploaded file to ``target`` in chunks, never past ``limit`` bytes; return its size. An
    upload over the limit leaves no file behind and raises ``BodyTooLarge``."""
    target.parent.mkdir(parents=True, exist_ok=True)
    size = 0
    partial = target.with_name(target.name + ".part")
    with partial.open("wb") as out:
        while chunk := source.read(CHUNK):
            size += len(chunk)
            if size > limit:
                out.close()
                partial.unlink(missing_ok=True)
                raise BodyTooLarge(f"upload exceeds the limit of {limit} bytes")
            out.write(chunk)
    partial.replace(target)
    return size
