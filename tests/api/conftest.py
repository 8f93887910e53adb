"""A real API server (uvicorn in a thread) on the embedded graph with the tiny world, and users per role.

- ``api``: an ``ApiServer`` with ``.url``, ``.store``, ``.settings`` and ``.tokens[name]`` (JWTs) for users
  ``inv_gz`` (investigator, GZ), ``inv_sz`` (investigator, SZ), ``analyst_gz``, ``admin_hq`` (admin, unit *),
  ``svc`` (service, GZ); ``.keys[name]`` are their API keys.
- ``gql``: ``gql(token, query, variables=None) -> (status, json)`` over real HTTP.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from api.app import create_app
from api.auth import User, create_user, issue_jwt, open_users
from graph.embedded import EmbeddedServer
from graph.open import open_store
from graph.store import GraphStore
from ingest.loader import Loader
from tests.conftest import settings_for
from tests.ingest.builders import tiny_world
from tianji.core.settings import Settings

USERS = {
    "inv_gz": ("investigator", "GZ"),
    "inv_sz": ("investigator", "SZ"),
    "analyst_gz": ("analyst", "GZ"),
    "admin_hq": ("admin", "*"),
    "svc": ("service", "GZ"),
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class ApiServer:
    url: str
    store: GraphStore
    settings: Settings
    tokens: dict[str, str] = field(default_factory=dict)
    keys: dict[str, str] = field(default_factory=dict)


def serve(settings: Settings) -> tuple[uvicorn.Server, threading.Thread, str]:
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(settings), host="127.0.0.1", port=port, log_level="warning", ws="websockets-sansio"
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    return server, thread, f"http://127.0.0.1:{port}"


@contextmanager
def running_api(
    store: GraphStore, settings: Settings, users: dict[str, tuple[str, str]]
) -> Iterator[ApiServer]:
    """The API served on a free port over ``store``, with ``users`` (name -> role, unit) signed up, each
    with an API key and a token; afterwards the server stopped and the graph cleared and closed."""
    engine = open_users(settings)
    result = ApiServer(url="", store=store, settings=settings)
    for name, (role, unit) in users.items():
        result.keys[name] = create_user(engine, name, role, unit)
        result.tokens[name] = issue_jwt(settings, User(name, role, unit))
    server, thread, result.url = serve(settings)
    try:
        yield result
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        store.clear()
        store.close()


@pytest.fixture(scope="module")
def api(graph_server: EmbeddedServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiServer]:
    settings = settings_for(
        graph_server,
        f"api_{id(tmp_path_factory) % 10_000}",
        api_max_depth=6,
        api_max_aliases=5,
        api_max_tokens=400,
        api_max_complexity=400,
        api_max_body_bytes=20_000,
        api_max_nodes=50,
    )
    store = open_store(settings=settings)
    store.clear()
    store.apply_schema()
    world = tmp_path_factory.mktemp("api_world")
    tiny_world(world)
    Loader(store, settings, progress=False).load_dir(world)
    with running_api(store, settings, USERS) as result:
        yield result


@pytest.fixture
def gql(api: ApiServer) -> Iterator[Callable[..., tuple[int, dict[str, Any]]]]:
    client = httpx.Client(base_url=api.url, timeout=30)

    def call(
        token: str | None, query: str, variables: dict[str, Any] | None = None
    ) -> tuple[int, dict[str, Any]]:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = client.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
        )
        return response.status_code, response.json()

    yield call
    client.close()


def codes(body: dict[str, Any]) -> list[str]:
    return [e.get("extensions", {}).get("code") for e in body.get("errors", [])]


def world_path(api: ApiServer) -> Path:
    return api.settings.data_dir
