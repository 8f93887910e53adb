"""Body limits counted on the stream for every route: chunked bodies (no Content-Length) included."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from api.auth import User, create_user, issue_jwt, open_users
from graph.embedded import EmbeddedServer
from graph.open import open_store
from ingest.quarantine import read_quarantine
from tests.api.conftest import ApiServer, serve
from tests.conftest import settings_for

UPLOAD_LIMIT = 300_000
BODY_LIMIT = 20_000
DASHBOARD_LIMIT = 100_000


@pytest.fixture(scope="module")
def limited(graph_server: EmbeddedServer) -> Iterator[ApiServer]:
    settings = settings_for(
        graph_server,
        "limits",
        api_max_body_bytes=BODY_LIMIT,
        api_max_upload_bytes=UPLOAD_LIMIT,
        api_max_dashboard_body_bytes=DASHBOARD_LIMIT,
    )
    store = open_store(settings=settings)
    store.clear()
    store.apply_schema()
    engine = open_users(settings)
    result = ApiServer(url="", store=store, settings=settings)
    create_user(engine, "svc_limits", "service", "GZ")
    result.tokens["svc"] = issue_jwt(settings, User("svc_limits", "service", "GZ"))
    server, thread, result.url = serve(settings)
    yield result
    server.should_exit = True
    thread.join(timeout=10)
    store.clear()
    store.close()


def _chunks(data: bytes, size: int = 4096) -> Iterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


def _code(response: httpx.Response) -> str:
    return str(response.json()["errors"][0]["extensions"]["code"])


def test_chunked_graphql_body_over_the_limit_is_refused(limited: ApiServer) -> None:
    padding = " " * (10 * BODY_LIMIT)
    body = json.dumps({"query": "{ __typename }" + padding}).encode()
    response = httpx.post(
        f"{limited.url}/graphql",
        content=_chunks(body),  # a generator: sent chunked, without Content-Length
        headers={"Authorization": f"Bearer {limited.tokens['svc']}", "Content-Type": "application/json"},
        timeout=30,
    )
    assert response.status_code == 413
    assert _code(response) == "LIMIT_EXCEEDED"
    assert f"limit of {BODY_LIMIT} bytes" in response.json()["errors"][0]["message"]


def test_chunked_graphql_body_within_the_limit_is_answered(limited: ApiServer) -> None:
    body = json.dumps({"query": "{ __typename }"}).encode()
    response = httpx.post(
        f"{limited.url}/graphql",
        content=_chunks(body, 5),
        headers={"Authorization": f"Bearer {limited.tokens['svc']}", "Content-Type": "application/json"},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    assert response.json()["data"] == {"__typename": "Query"}


def test_declared_length_over_the_limit_is_refused_for_any_route(limited: ApiServer) -> None:
    response = httpx.post(f"{limited.url}/readyz", content=b"x" * (BODY_LIMIT + 1), timeout=30)
    assert response.status_code == 413 and _code(response) == "LIMIT_EXCEEDED"


def test_chunked_upload_over_the_limit_is_refused_and_never_written(limited: ApiServer) -> None:
    boundary = "tianjiboundary"
    line = b"DE,Germany," + b"x" * (2 * UPLOAD_LIMIT) + b"\r\n"  # one over-long line, as in a hostile file
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="countries.csv"\r\n'
        "Content-Type: text/csv\r\n\r\ncode,name,name_zh\r\n".encode()
        + line
        + f"\r\n--{boundary}--\r\n".encode()
    )
    response = httpx.post(
        f"{limited.url}/ingest/countries",
        content=_chunks(body, 65536),
        headers={
            "Authorization": f"Bearer {limited.tokens['svc']}",
            "Content-Type": f"multipart/form-data; boundary={boundary}",
        },
        timeout=60,
    )
    assert response.status_code == 413
    assert _code(response) == "LIMIT_EXCEEDED"
    assert "for uploads" in response.json()["errors"][0]["message"]
    data = limited.settings.data_dir
    assert not list(data.rglob("countries.csv*"))
    assert not list(data.rglob("quarantine.jsonl"))
    assert limited.store.count("Country") == 0


def test_upload_within_the_limit_is_saved_and_loaded(limited: ApiServer, tmp_path: Path) -> None:
    text = "code,name,name_zh\nDE,Germany,德国\nVN,Viet Nam,越南\nXX," + "y" * 50_000 + "\n"
    response = httpx.post(
        f"{limited.url}/ingest/countries",
        files={"file": ("countries.csv", text.encode(), "text/csv")},
        headers={"Authorization": f"Bearer {limited.tokens['svc']}"},
        timeout=60,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["loaded"], body["quarantined"]) == (2, 1)
    (record,) = read_quarantine(Path(body["quarantine_file"]))
    assert record["raw_truncated_from"] == len("XX," + "y" * 50_000)  # the long line is not copied whole
    assert Path(body["quarantine_file"]).stat().st_size < 10_000


def test_a_dashboard_callback_may_carry_a_large_board_but_not_without_bound(limited: ApiServer) -> None:
    """A callback carries the canvas's board (hundreds of nodes are more than the GraphQL limit): it has a
    limit of its own. Within it the request reaches the dashboards, which refuse it for another reason (no
    sign-in), not for its size; past it, 413."""
    board = {
        "elements": {
            f"Enterprise|E{i}": {"data": {"id": f"Enterprise|E{i}", "label": "x" * 40}} for i in range(600)
        }
    }
    body = json.dumps(
        {"output": "canvas.elements", "inputs": [{"id": "board", "property": "data", "value": board}]}
    )
    assert BODY_LIMIT < len(body) < DASHBOARD_LIMIT
    url = f"{limited.url}/dash/_dash-update-component"
    within = httpx.post(url, content=body, headers={"Content-Type": "application/json"}, timeout=30)
    assert within.status_code != 413 and within.status_code in (401, 403), within.status_code
    beyond = httpx.post(url, content=b"x" * (DASHBOARD_LIMIT + 1), timeout=30)
    assert beyond.status_code == 413 and _code(beyond) == "LIMIT_EXCEEDED"
    graphql = httpx.post(f"{limited.url}/graphql", content=body, timeout=30)
    assert graphql.status_code == 413  # the GraphQL limit stays what it was
