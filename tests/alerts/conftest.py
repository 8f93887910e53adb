"""Fixtures for alerts: a local SMTP server (aiosmtpd) and a local SMS gateway (HTTP), both real servers.

- ``smtp_server``: collects received messages in ``.messages``; ``.stop()``/``.start()`` take it down and up.
- ``sms_gateway``: collects JSON bodies in ``.requests``.
- ``watched_world``: the tiny world loaded, a gang of two enterprises and their legal representative.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from email import message_from_bytes
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from graph.store import GraphStore
from ingest.loader import Loader
from tests.ingest.builders import tiny_world, uscc
from tianji.core.settings import Settings


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class _Collector:
    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 (aiosmtpd API)
        self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"


class SmtpServer:
    def __init__(self) -> None:
        self.port = free_port()
        self.handler = _Collector()
        self.controller: Controller | None = None

    @property
    def messages(self) -> list[Any]:
        return self.handler.messages

    def start(self) -> None:
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


class SmsGateway:
    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server API)
                body = self.rfile.read(int(self.headers["Content-Length"]))
                gateway.requests.append(
                    {"body": json.loads(body), "key": self.headers.get("Idempotency-Key")}
                )
                self.send_response(200)
                self.end_headers()
                self.wfile.write(b'{"ok": true}')

            def log_message(self, *args: Any) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/send"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def sms_gateway() -> Iterator[SmsGateway]:
    gateway = SmsGateway()
    yield gateway
    gateway.close()


def alert_settings(
    settings: Settings, smtp: SmtpServer | None = None, sms: SmsGateway | None = None, **extra: Any
) -> Settings:
    update: dict[str, Any] = {
        "delivery_backoff_s": 0.2,
        "jobs_scan_interval_s": 1,
        "jobs_delivery_interval_s": 1,
        **extra,
    }
    if smtp is not None:
        update.update(smtp_host="127.0.0.1", smtp_port=smtp.port)
    if sms is not None:
        update.update(sms_gateway_url=sms.url)
    return settings.model_copy(update=update)


@pytest.fixture
def watched_world(store: GraphStore, settings: Settings, tmp_path: Path) -> dict[str, Any]:
    """Tiny world loaded; a Gang G1 of enterprises 1 and 2 (sharing legal rep and address)."""
    tiny_world(tmp_path / "world")
    Loader(store, settings, progress=False).load_dir(tmp_path / "world")
    store.merge_nodes("Gang", [{"id": "G1", "size": 2, "algorithm": "manual"}])
    store.merge_relationships(
        "MEMBER_OF", "Enterprise", "Gang", [{"start": uscc(1), "end": "G1"}, {"start": uscc(2), "end": "G1"}]
    )
    return {"gang": "G1", "members": [uscc(1), uscc(2)], "world": tmp_path / "world"}
