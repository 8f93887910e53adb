"""Every request is audited under the officer who made it, with its outcome, against a real server.

One short officer session (sign in, a query over POST and GET, a mutation, a REST upload, refused accesses,
a websocket operation, sign out) is read back from the audit log: each action is there once, attributed to
that officer (never "anonymous", never a shared identity), with the right operation and outcome, and the
chain verifies. Also: 401s, a failed sign-in without its password, the HTTP-level timeout as ``timed_out``,
and repeated failed sign-ins refused a while (429 with Retry-After).
"""

from __future__ import annotations

import asyncio
import io
import json
import socket
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlparse

import httpx
import pytest
import websockets
from PIL import Image

from api.audit import entries, open_audit
from api.audit_chain import chain_key, verify
from graph.embedded import EmbeddedServer
from tests.api.conftest import ApiServer, codes, serve
from tests.ingest.builders import uscc
from tests.security.officers import PASSWORD, csrf_header, officer_server, sign_in

ENTERPRISE = uscc(1)


@pytest.fixture(scope="module")
def officers(graph_server: EmbeddedServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiServer]:
    with officer_server(
        graph_server,
        tmp_path_factory.mktemp("audit_world"),
        "audit_trail",
        signin_max_failures=3,
        signin_max_failures_per_address=6,
        signin_window_s=30.0,
    ) as server:
        yield server


def newest_id(server: ApiServer) -> int:
    rows = entries(open_audit(server.settings), limit=1, newest=True)
    return int(rows[-1]["id"]) if rows else 0


def since(server: ApiServer, after: int) -> list[dict[str, Any]]:
    rows = entries(open_audit(server.settings), after_id=after, limit=1000)
    for row in rows:
        row["variables"] = json.loads(row["variables"])
    return rows


def blank_png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 64), "white").save(buffer, format="PNG")
    return buffer.getvalue()


def subscribe_once(server: ApiServer, token: str) -> dict[str, Any]:
    """Run one query over a websocket (graphql-transport-ws) and return its result."""
    url = server.url.replace("http", "ws") + "/graphql"

    async def run() -> dict[str, Any]:
        async with websockets.connect(url, subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
            await ws.send(
                json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}})
            )
            assert json.loads(await asyncio.wait_for(ws.recv(), 10))["type"] == "connection_ack"
            query = "query OverSocket { me { name unit } }"
            await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": query}}))
            answer = json.loads(await asyncio.wait_for(ws.recv(), 10))
            await asyncio.wait_for(ws.recv(), 10)  # complete
            return dict(answer)

    return asyncio.run(run())


def test_repeated_failed_sign_ins_are_refused_a_while(officers: ApiServer) -> None:
    def attempt(name: str, password: str = PASSWORD) -> httpx.Response:
        with httpx.Client(base_url=officers.url, timeout=30) as browser:  # a browser without a session
            return sign_in(browser, name, password)

    start = newest_id(officers)
    for _ in range(3):
        assert attempt("inv_sz", "not the password").status_code == 401
    refused = attempt("inv_sz")  # the right password, but too soon
    assert refused.status_code == 429 and "Too many failed sign-ins" in refused.text
    assert 1 <= int(refused.headers["Retry-After"]) <= officers.settings.signin_window_s
    assert attempt("analyst_gz").status_code == 303  # another account is not held up
    for name in ("nobody1", "nobody2", "nobody3"):
        assert attempt(name, "guess").status_code == 401
    assert attempt("admin_hq").status_code == 429  # six failures from this address
    attempts = [r for r in since(officers, start) if r["operation_type"] == "sign_in"]
    assert [r["outcome"] for r in attempts] == ["denied"] * 4 + ["ok"] + ["denied"] * 4
    assert [r["status"] for r in attempts] == [401, 401, 401, 429, 303, 401, 401, 401, 429]
    assert attempts[3]["error_codes"] == "RATE_LIMITED" and attempts[3]["variables"]["username"] == "inv_sz"
    time.sleep(int(refused.headers["Retry-After"]))
    assert attempt("inv_sz").status_code == 303  # heard again once the failures are old


def test_an_officer_session_is_audited_action_by_action(officers: ApiServer) -> None:
    start = newest_id(officers)
    with httpx.Client(base_url=officers.url, timeout=60) as browser:
        assert sign_in(browser, "inv_gz").status_code == 303
        post = browser.post(
            "/graphql",
            json={"query": "query Mine { me { name } }"},
            headers=csrf_header(browser),
        )
        assert post.json()["data"]["me"]["name"] == "inv_gz"
        get = browser.get("/graphql", params={"query": "query ByGet { me { unit } }"})
        assert get.json()["data"]["me"]["unit"] == "GZ"
        watch = browser.post(
            "/graphql",
            json={
                "query": 'mutation Watch($id: String!) { createWatch(watch: {targetLabel: "Enterprise", '
                "targetId: $id}) { id } }",
                "variables": {"id": ENTERPRISE},
            },
            headers=csrf_header(browser),
        )
        assert watch.json()["data"]["createWatch"]["id"]
        upload = browser.post(
            "/documents/NO-SUCH-ENTRY",
            files={"file": ("page.png", blank_png())},
            headers=csrf_header(browser),
        )
        assert upload.status_code == 404
        refused = browser.post(
            "/graphql", json={"query": "query Audit { auditLog { id } }"}, headers=csrf_header(browser)
        )
        assert codes(refused.json()) == ["FORBIDDEN"]
        ingest = browser.post(
            "/ingest/cases", files={"file": ("cases.csv", b"id\n")}, headers=csrf_header(browser)
        )
        assert ingest.status_code == 403
        forged = browser.post("/graphql", json={"query": "{ me { name } }"})  # no CSRF token
        assert forged.status_code == 403
        assert (
            subscribe_once(officers, officers.tokens["inv_gz"])["payload"]["data"]["me"]["name"] == "inv_gz"
        )
        out = browser.post("/logout", data={"csrf": browser.cookies.get("_csrf_token") or ""})
        assert out.status_code == 303
        after = browser.post("/graphql", json={"query": "{ me { name } }"}, headers={"X-CSRFToken": "x"})
        assert after.status_code == 401
    rows = since(officers, start)
    seen = [(r["user"], r["operation_type"], r["operation_name"], r["outcome"], r["status"]) for r in rows]
    assert seen == [
        ("anonymous", "http", "GET /login", "ok", 200),  # the sign-in form
        ("inv_gz", "sign_in", "POST /login", "ok", 303),
        ("inv_gz", "query", "Mine", "ok", 200),
        ("inv_gz", "query", "ByGet", "ok", 200),
        ("inv_gz", "mutation", "Watch", "ok", 200),
        ("inv_gz", "http", "POST /documents/{entry_no}", "invalid", 404),
        ("inv_gz", "query", "Audit", "denied", 200),
        ("inv_gz", "ingest", "POST /ingest/cases", "denied", 403),
        ("inv_gz", "http", "POST /graphql", "denied", 403),
        ("inv_gz", "query", "OverSocket", "ok", None),
        ("inv_gz", "sign_out", "POST /logout", "ok", 303),
        ("anonymous", "http", "POST /graphql", "denied", 401),
    ]
    by_name = {r["operation_name"]: r for r in rows}
    assert by_name["Watch"]["variables"] == {"id": ENTERPRISE} and by_name["Watch"]["unit"] == "GZ"
    assert by_name["POST /documents/{entry_no}"]["variables"]["entry_no"] == "NO-SUCH-ENTRY"
    assert by_name["POST /documents/{entry_no}"]["error_codes"] == "NOT_FOUND"
    assert by_name["POST /ingest/cases"]["error_codes"] == "FORBIDDEN"
    assert by_name["POST /ingest/cases"]["variables"] == {"kind": "cases", "file": "cases.csv"}
    assert by_name["OverSocket"]["transport"] == "websocket"
    assert all(r["role"] == "investigator" for r in rows if r["user"] == "inv_gz")
    assert all(r["duration_ms"] >= 0 and r["address"] == "127.0.0.1" for r in rows)
    assert verify(open_audit(officers.settings), chain_key(officers.settings)).ok


def test_a_failed_sign_in_is_audited_without_its_password(officers: ApiServer) -> None:
    start = newest_id(officers)
    with httpx.Client(base_url=officers.url, timeout=30) as browser:
        assert sign_in(browser, "analyst_gz", "wrong password 123").status_code == 401
    (form, attempt) = since(officers, start)
    assert form["operation_name"] == "GET /login"
    assert attempt["operation_type"] == "sign_in" and attempt["outcome"] == "denied"
    assert attempt["user"] == "anonymous" and attempt["variables"] == {
        "username": "analyst_gz",
        "via": "password",
    }
    assert attempt["error_codes"] == "UNAUTHENTICATED"
    stored = json.dumps(entries(open_audit(officers.settings), limit=10_000))
    assert "wrong password 123" not in stored and PASSWORD not in stored


def test_bad_tokens_and_anonymous_rest_calls_are_audited(officers: ApiServer) -> None:
    start = newest_id(officers)
    with httpx.Client(base_url=officers.url, timeout=30) as client:
        assert client.get("/images/img_1").status_code == 401
        bad = client.post(
            "/graphql", json={"query": "{ me { name } }"}, headers={"Authorization": "Bearer nope"}
        )
        assert bad.status_code == 401
        assert client.get("/healthz").status_code == 200  # probes are not audited
    rows = since(officers, start)
    assert [(r["user"], r["operation_name"], r["outcome"], r["error_codes"]) for r in rows] == [
        ("anonymous", "GET /images/{image_id}", "denied", "UNAUTHENTICATED"),
        ("anonymous", "POST /graphql", "denied", "UNAUTHENTICATED"),
    ]


@pytest.fixture
def impatient(officers: ApiServer) -> Iterator[str]:
    """A second server on the same graph and data (users, audit log) whose requests may take 2 s."""
    server, thread, url = serve(officers.settings.model_copy(update={"api_timeout_s": 2.0}))
    yield url
    server.should_exit = True
    thread.join(timeout=10)


def test_a_request_cut_by_the_timeout_is_audited_as_timed_out(officers: ApiServer, impatient: str) -> None:
    """A body that never finishes arriving holds the request past ``api_timeout_s``: 504, ``timed_out``."""
    start = newest_id(officers)
    address = urlparse(impatient)
    with socket.create_connection((address.hostname, address.port), timeout=30) as sock:
        sock.sendall(
            b"POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n"
            + f"Authorization: Bearer {officers.tokens['inv_sz']}\r\n\r\n".encode()
            + b'{"query": "{ me'
        )
        answer = sock.recv(65536).decode()
    assert answer.startswith("HTTP/1.1 504") and "longer than 2s" in answer
    (row,) = since(officers, start)
    assert (row["user"], row["unit"], row["outcome"], row["status"]) == ("inv_sz", "SZ", "timed_out", 504)
