"""A response's ``send`` watched by the middleware that must know whether the answer has begun (a limit or a
deadline may answer in its place only before it has)."""

from __future__ import annotations

from collections.abc import Callable

from starlette.types import Message, Send


class WatchedSend:
    """``send`` that records whether the response has started; once ``closed``, what follows is dropped."""

    def __init__(self, send: Send, on_start: Callable[[], object] | None = None) -> None:
        self.send = send
        self.on_start = on_start  # called when the response starts, before it is sent on
        self.started = False
        self.closed = False

    async def __call__(self, message: Message) -> None:
        if self.closed:
            return
        if message["type"] == "http.response.start":
            self.started = True
            if self.on_start is not None:
                self.on_start()
        await self.send(message)
