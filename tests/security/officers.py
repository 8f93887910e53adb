"""Signing in over HTTP as a browser would, and calling a dashboard callback as the Dash renderer does."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import uvicorn

from api.accounts import set_password
from api.app import create_app
from api.auth import User, create_user, issue_jwt, open_users
from dashboards import board
from graph.embedded import EmbeddedServer
from graph.open import open_store
from ingest.loader import Loader
from tests.api.conftest import USERS, ApiServer, free_port
from tests.conftest import settings_for
from tests.ingest.builders import tiny_world
from tianji.core.settings import Settings

PASSWORD = "correct horse battery"


def sign_in(client: httpx.Client, name: str, password: str = PASSWORD) -> httpx.Response:
    """Fetch the sign-in form (its CSRF cookie and field) and post it; returns the answer to the post."""
    form = client.get("/login")
    assert form.status_code == 200, form.text
    csrf = re.search(r'name="csrf" value="([^"]+)"', form.text)
    assert csrf is not None
    return client.post(
        "/login", data={"username": name, "password": password, "csrf": csrf.group(1), "next": "/dash/"}
    )


def search_callback(text: str) -> dict[str, Any]:
    """The body the Dash renderer posts when the workbench search runs."""
    return {
        "output": "search-results.children",
        "outputs": {"id": "search-results", "property": "children"},
        "inputs": [
            {"id": "search-go", "property": "n_clicks", "value": 1},
            {"id": "search-text", "property": "value", "value": text},
        ],
        "changedPropIds": ["search-go.n_clicks"],
        "state": [],
    }


def export_callback(elements: list[dict[str, Any]]) -> dict[str, Any]:
    """The body the Dash renderer posts when the canvas is exported as CSV (the export reads the board)."""
    return {
        "output": "download.data",
        "outputs": {"id": "download", "property": "data"},
        "inputs": [
            {"id": "export-csv", "property": "n_clicks", "value": 1},
            {"id": "export-graphml", "property": "n_clicks", "value": None},
        ],
        "changedPropIds": ["export-csv.n_clicks"],
        "state": [{"id": "board", "property": "data", "value": board.replaced(elements)}],
    }


def csrf_header(client: httpx.Client) -> dict[str, str]:
    """What the Dash renderer sends: the ``_csrf_token`` cookie's value as ``X-CSRFToken``."""
    return {"X-CSRFToken": client.cookies.get("_csrf_token") or ""}


def serve_on(settings: Settings) -> tuple[uvicorn.Server, threading.Thread]:
    """The app of ``settings`` served on ``settings.api_port`` (where the dashboards call the API)."""
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(settings),
            host="127.0.0.1",
            port=settings.api_port,
            log_level="warning",
            ws="websockets-sansio",
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    return server, thread


@contextmanager
def officer_server(
    graph_server: EmbeddedServer, world: Path, name: str, port: int | None = None, **overrides: Any
) -> Iterator[ApiServer]:
    """A real server on the tiny world with the users of ``tests.api.conftest.USERS``, each with ``PASSWORD``."""
    port = port or free_port()
    settings = settings_for(graph_server, name, api_port=port, **overrides)
    store = open_store(settings=settings)
    store.clear()
    store.apply_schema()
    tiny_world(world)
    Loader(store, settings, progress=False).load_dir(world)
    result = ApiServer(url=f"http://127.0.0.1:{port}", store=store, settings=settings)
    engine = open_users(settings)
    for user, (role, unit) in USERS.items():
        result.keys[user] = create_user(engine, user, role, unit)
        result.tokens[user] = issue_jwt(settings, User(user, role, unit))
        set_password(engine, user, PASSWORD)
    server, thread = serve_on(settings)
    try:
        yield result
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        store.clear()
        store.close()
