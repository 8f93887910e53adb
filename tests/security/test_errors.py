"""Every error is coded, and no answer shows a server path, a file name or an object representation."""

from __future__ import annotations

import asyncio
import io
import json
from typing import Any

import httpx
import pytest
import websockets
from fastapi.testclient import TestClient
from PIL import Image

from api.app import create_app
from api.errors import sanitise
from tests.api.conftest import ApiServer, codes

LEAKS = ("object at 0x", "/tmp/", "/work/", "/home/", "site-packages", "Traceback")


def png(width: int, height: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), "white").save(buffer, format="PNG")
    return buffer.getvalue()


def no_leaks(text: str) -> None:
    assert not [leak for leak in LEAKS if leak in text], text


def test_fence_events_of_an_unknown_zone_is_not_found(api: ApiServer, gql: Any) -> None:
    _, body = gql(api.tokens["inv_gz"], '{ fenceEvents(zones: ["no-such-zone"]) }')
    assert (
        codes(body) == ["NOT_FOUND"] and "unknown zone 'no-such-zone'; known:" in body["errors"][0]["message"]
    )


@pytest.mark.parametrize("size", [(8000, 1), (1, 8000), (4000, 20)])
def test_a_degenerate_image_upload_answers_a_coded_json_error(api: ApiServer, size: tuple[int, int]) -> None:
    (declaration,) = api.store.query("MATCH (d:Declaration) RETURN d.id AS id ORDER BY d.id LIMIT 1")
    response = httpx.post(
        f"{api.url}/certificates/{declaration['id']}",
        files={"file": ("scan.png", png(*size))},
        headers={"Authorization": f"Bearer {api.tokens['inv_gz']}"},
        timeout=60,
    )
    assert response.status_code == 400 and response.headers["content-type"] == "application/json"
    assert codes(response.json()) == ["INVALID_INPUT"] and "is not a page" in response.text


def test_an_unreadable_upload_names_no_object(api: ApiServer) -> None:
    (declaration,) = api.store.query("MATCH (d:Declaration) RETURN d.id AS id ORDER BY d.id LIMIT 1")
    response = httpx.post(
        f"{api.url}/documents/{declaration['id']}",
        files={"file": ("scan.png", b"\x89PNG not really an image")},
        headers={"Authorization": f"Bearer {api.tokens['inv_gz']}"},
        timeout=60,
    )
    assert response.status_code == 400 and codes(response.json()) == ["INVALID_INPUT"]
    assert "not a readable image" in response.text
    no_leaks(response.text)


def test_an_unexpected_failure_answers_internal_in_json(api: ApiServer) -> None:
    """A fault no table entry knows still answers the API's error shape, with no detail of the fault."""
    app = create_app(api.settings)

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError(
            f"cannot open {api.settings.data_dir}/secret.sqlite <_io.BytesIO object at 0x7f00>"
        )

    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/boom", headers={"Authorization": f"Bearer {api.tokens['inv_gz']}"})
    assert response.status_code == 500 and codes(response.json()) == ["INTERNAL"]
    assert response.json()["errors"][0]["message"] == "internal error; it has been logged"


def test_subscription_errors_carry_codes(api: ApiServer) -> None:
    url = api.url.replace("http", "ws") + "/graphql"

    async def first_error(user: str, query: str) -> list[dict[str, Any]]:
        async with websockets.connect(url, subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
            init = {"type": "connection_init", "payload": {"Authorization": f"Bearer {api.tokens[user]}"}}
            await ws.send(json.dumps(init))
            assert json.loads(await ws.recv())["type"] == "connection_ack"
            await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": query}}))
            message = json.loads(await asyncio.wait_for(ws.recv(), timeout=20))
            payload = message["payload"]
            return list(payload if isinstance(payload, list) else payload["errors"])

    refused = asyncio.run(first_error("svc", "subscription { alerts }"))  # a service may not read alerts
    assert [e["extensions"]["code"] for e in refused] == ["FORBIDDEN"]
    invalid = asyncio.run(first_error("inv_gz", "subscription { alerts(since: 3) }"))
    assert [e["extensions"]["code"] for e in invalid] == ["INVALID_INPUT"]


@pytest.mark.parametrize(
    ("message", "shown"),
    [
        ("cannot identify image file <_io.BytesIO object at 0x7f3a2c>", "cannot identify image file"),
        ("No such file or directory: '/work/var/images/ab12.png'", "No such file or directory: '…/ab12.png'"),
        (r"cannot read C:\tianji\var\graph\dump.rdb", "cannot read …/dump.rdb"),
        ("sign in at /login", "sign in at /login"),
        (
            "declared 2024/01/02 at http://127.0.0.1:8000/graphql/x",
            "declared 2024/01/02 at http://127.0.0.1:8000/graphql/x",
        ),
    ],
)
def test_messages_lose_paths_and_object_representations(message: str, shown: str) -> None:
    assert sanitise(message) == shown


def test_a_nul_character_in_an_argument_is_invalid_input(api: ApiServer, gql: Any) -> None:
    _, body = gql(
        api.tokens["inv_gz"], "query($s: [String!]) { alerts(status: $s) { id } }", {"s": ["open\u0000"]}
    )
    assert codes(body) == ["INVALID_INPUT"] and "contains a NUL character" in body["errors"][0]["message"]
