"""Persisted queries over real HTTP and WebSocket: automatic persisted queries, and the allow-list mode."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import websockets

from api.persisted import load_manifest, manifest, sha256
from tests.api.conftest import ApiServer, codes, serve
from tests.ingest.builders import uscc

LOOKUP = 'query($id: ID!) { node(label: "Enterprise", id: $id) { id caption } }'
OTHER = '{ node(label: "Enterprise", id: "nope") { id } }'


def _post(url: str, token: str, body: dict[str, Any]) -> dict[str, Any]:
    response = httpx.post(
        f"{url}/graphql", json=body, headers={"Authorization": f"Bearer {token}"}, timeout=30
    )
    assert response.status_code == 200
    return dict(response.json())


def _hashed(document: str | None, digest: str, **variables: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "variables": variables,
        "extensions": {"persistedQuery": {"version": 1, "sha256Hash": digest}},
    }
    if document is not None:
        body["query"] = document
    return body


def test_automatic_persisted_queries_register_then_run_by_hash(api: ApiServer) -> None:
    token, digest = api.tokens["inv_gz"], sha256(LOOKUP)
    first = _post(api.url, token, _hashed(None, digest, id=uscc(1)))
    assert codes(first) == ["PERSISTED_QUERY_NOT_FOUND"]
    assert first["errors"][0]["message"] == "PersistedQueryNotFound"  # what Apollo clients look for
    registered = _post(api.url, token, _hashed(LOOKUP, digest, id=uscc(1)))
    assert registered["data"]["node"]["id"] == uscc(1)
    again = _post(api.url, token, _hashed(None, digest.upper(), id=uscc(2)))
    assert "errors" not in again and again["data"]["node"]["id"] == uscc(2)
    by_get = httpx.get(
        f"{api.url}/graphql",
        params={
            "variables": json.dumps({"id": uscc(1)}),
            "extensions": json.dumps({"persistedQuery": {"version": 1, "sha256Hash": digest}}),
        },
        headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
    ).json()
    assert codes(by_get) != ["PERSISTED_QUERY_NOT_FOUND"]  # found; the anonymous GET is then refused by role


def test_a_hash_that_does_not_match_its_document_is_refused(api: ApiServer) -> None:
    body = _post(api.url, api.tokens["inv_gz"], _hashed(LOOKUP, sha256(OTHER), id=uscc(1)))
    assert codes(body) == ["INVALID_INPUT"] and "does not match" in body["errors"][0]["message"]
    assert "data" not in body or body["data"] is None


def test_a_subscription_runs_by_hash_over_websocket(api: ApiServer) -> None:
    document = "subscription { alerts }"
    digest = sha256(document)

    async def run() -> tuple[dict[str, Any], list[dict[str, Any]]]:
        url = api.url.replace("http", "ws") + "/graphql"
        init = {"type": "connection_init", "payload": {"Authorization": f"Bearer {api.tokens['inv_gz']}"}}
        extensions = {"persistedQuery": {"version": 1, "sha256Hash": digest}}
        async with websockets.connect(url, subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
            await ws.send(json.dumps(init))
            assert json.loads(await ws.recv())["type"] == "connection_ack"
            await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"extensions": extensions}}))
            refused = json.loads(await asyncio.wait_for(ws.recv(), timeout=10))
            registering = {"query": document, "extensions": extensions}
            await ws.send(json.dumps({"id": "2", "type": "subscribe", "payload": registering}))
            await ws.send(json.dumps({"id": "3", "type": "subscribe", "payload": {"extensions": extensions}}))
            later = []
            with contextlib.suppress(TimeoutError):  # both run and wait for alerts: no message, no error
                later.append(json.loads(await asyncio.wait_for(ws.recv(), timeout=2)))
            return refused, later

    refused, later = asyncio.run(run())
    assert refused["type"] == "error" and refused["id"] == "1"
    assert refused["payload"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
    assert later == []


@pytest.fixture(scope="module")
def allowlisted(api: ApiServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    path = tmp_path_factory.mktemp("allowlist") / "persisted-queries.json"
    path.write_text(json.dumps(manifest([LOOKUP])), encoding="utf-8")
    settings = api.settings.model_copy(update={"api_persisted_queries": "allowlist", "api_allowlist": path})
    server, thread, url = serve(settings)
    yield url
    server.should_exit = True
    thread.join(timeout=10)


def test_the_allowlist_runs_its_documents_and_refuses_the_rest(api: ApiServer, allowlisted: str) -> None:
    token = api.tokens["inv_gz"]
    by_hash = _post(allowlisted, token, _hashed(None, sha256(LOOKUP), id=uscc(1)))
    assert by_hash["data"]["node"]["id"] == uscc(1)
    in_full = _post(allowlisted, token, {"query": LOOKUP, "variables": {"id": uscc(2)}})
    assert in_full["data"]["node"]["id"] == uscc(2)
    for refused in (
        _post(allowlisted, token, {"query": OTHER}),
        _post(allowlisted, token, _hashed(OTHER, sha256(OTHER))),  # nothing can be registered
        _post(allowlisted, token, _hashed(None, sha256(OTHER))),
    ):
        assert codes(refused) == ["PERSISTED_QUERY_NOT_IN_LIST"]
        assert "allow-list" in refused["errors"][0]["message"]


def test_a_manifest_with_a_wrong_id_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "m.json"
    path.write_text(json.dumps({sha256(OTHER): LOOKUP}), encoding="utf-8")
    with pytest.raises(ValueError, match="not the sha256 of its document"):
        load_manifest(path)
    path.write_text(json.dumps({sha256(LOOKUP): LOOKUP}), encoding="utf-8")
    assert load_manifest(path) == {sha256(LOOKUP): LOOKUP}


def test_the_allowlist_is_written_from_what_ran(api: ApiServer, tmp_path: Path) -> None:
    from api.audit import open_audit
    from api.persisted import audited_documents

    _post(api.url, api.tokens["inv_gz"], {"query": LOOKUP, "variables": {"id": uscc(1)}})
    _post(api.url, api.tokens["inv_gz"], {"query": OTHER})  # NOT_FOUND: not for the list
    documents = audited_documents(open_audit(api.settings))
    assert LOOKUP in documents and OTHER not in documents
    path = tmp_path / "m.json"
    path.write_text(json.dumps(manifest(documents)), encoding="utf-8")
    assert load_manifest(path)[sha256(LOOKUP)] == LOOKUP
