"""Every door signed in: the dashboards, GraphQL over GET and POST, websockets, REST and images, all against
a real server (``api`` fixture) over real HTTP."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import websockets
from argon2 import PasswordHasher

from api.accounts import check_password, password_hash, set_password
from api.audit import entries, open_audit
from api.auth import create_user, open_users
from graph.embedded import EmbeddedServer
from tests.api.conftest import ApiServer, codes
from tests.security.officers import PASSWORD, csrf_header, officer_server, search_callback, sign_in

CALLBACK = "/dash/_dash-update-component"


@pytest.fixture(scope="module")
def officers(graph_server: EmbeddedServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiServer]:
    with officer_server(graph_server, tmp_path_factory.mktemp("signin_world"), "signin") as server:
        yield server


@pytest.fixture
def gql(officers: ApiServer) -> Iterator[Any]:
    with httpx.Client(base_url=officers.url, timeout=30) as client:

        def call(token: str | None, query: str) -> tuple[int, dict[str, Any]]:
            headers = {"Authorization": f"Bearer {token}"} if token else {}
            response = client.post("/graphql", json={"query": query}, headers=headers)
            return response.status_code, response.json()

        yield call


@pytest.fixture
def browser(officers: ApiServer) -> Iterator[httpx.Client]:
    """A cookie-keeping client that does not follow redirects (a browser without its rendering)."""
    with httpx.Client(base_url=officers.url, timeout=30) as client:
        yield client


def test_an_anonymous_callback_is_refused(officers: ApiServer, browser: httpx.Client) -> None:
    response = browser.post(CALLBACK, json=search_callback("贸易"))
    assert response.status_code == 401
    assert codes(response.json()) == ["UNAUTHENTICATED"]


def test_an_anonymous_visit_goes_to_the_sign_in_page(browser: httpx.Client) -> None:
    response = browser.get("/dash/")
    assert response.status_code == 303 and response.headers["location"] == "/login?next=/dash/"
    assert browser.get("/dash/_dash-layout").status_code == 401
    assert browser.get("/login").status_code == 200


def test_a_callback_without_its_csrf_token_is_refused(browser: httpx.Client) -> None:
    assert sign_in(browser, "inv_gz").status_code == 303
    without = browser.post(CALLBACK, json=search_callback("贸易"))
    assert without.status_code == 403 and codes(without.json()) == ["FORBIDDEN"]
    wrong = browser.post(CALLBACK, json=search_callback("贸易"), headers={"X-CSRFToken": "0" * 64})
    assert wrong.status_code == 403
    right = browser.post(CALLBACK, json=search_callback("贸易"), headers=csrf_header(browser))
    assert right.status_code == 200, right.text
    assert "Enterprise" in right.text


def test_a_callback_runs_as_the_signed_in_officer(officers: ApiServer, browser: httpx.Client) -> None:
    sign_in(browser, "inv_sz")
    marker = "officer-attribution-check"
    response = browser.post(CALLBACK, json=search_callback(marker), headers=csrf_header(browser))
    assert response.status_code == 200, response.text
    audited = [e for e in entries(open_audit(officers.settings), limit=10_000) if marker in e["variables"]]
    assert [(e["user"], e["unit"]) for e in audited] == [("inv_sz", "SZ")]


def test_sign_in_refuses_a_wrong_password_and_a_forged_form(browser: httpx.Client) -> None:
    wrong = sign_in(browser, "inv_gz", "not the password")
    assert wrong.status_code == 401 and "wrong password" in wrong.text
    unknown = sign_in(browser, "nobody_here", PASSWORD)
    assert unknown.status_code == 401 and "wrong password" in unknown.text  # the same answer: no oracle
    forged = browser.post("/login", data={"username": "inv_gz", "password": PASSWORD, "csrf": "x"})
    assert forged.status_code == 403 and "tianji_session" not in browser.cookies


def test_the_session_cookie_is_httponly_and_samesite(browser: httpx.Client) -> None:
    response = sign_in(browser, "inv_gz")
    cookies = response.headers.get_list("set-cookie")
    session = next(c for c in cookies if c.startswith("tianji_session="))
    csrf = next(c for c in cookies if c.startswith("_csrf_token="))
    assert "HttpOnly" in session and "SameSite=lax" in session and "Max-Age=28800" in session
    assert "HttpOnly" not in csrf  # the page's script reads it to send it back
    assert "Secure" not in session  # development over plain HTTP; every other environment sets Secure


def test_sign_out_ends_the_session(officers: ApiServer, browser: httpx.Client) -> None:
    sign_in(browser, "inv_gz")
    session = browser.cookies["tianji_session"]
    assert browser.get("/dash/_dash-layout").status_code == 200
    assert browser.post("/logout", data={"csrf": "forged"}).status_code == 403  # a forged sign-out
    out = browser.post("/logout", data={"csrf": browser.cookies["_csrf_token"]})
    assert out.status_code == 303 and out.headers["location"] == "/login?signed_out=1"
    assert "tianji_session" not in browser.cookies
    with httpx.Client(base_url=officers.url, cookies={"tianji_session": session}) as replay:
        assert replay.get("/dash/_dash-layout").status_code == 401  # the old cookie is dead server-side
        assert replay.get("/graphql", params={"query": "{ me { name } }"}).status_code == 401


def test_anonymous_graphql_get_is_refused(officers: ApiServer, browser: httpx.Client) -> None:
    anonymous = browser.get("/graphql", params={"query": '{ node(label: "Case", id: "C1") { id } }'})
    assert anonymous.status_code == 401 and codes(anonymous.json()) == ["UNAUTHENTICATED"]
    token = {"Authorization": f"Bearer {officers.tokens['inv_gz']}"}
    signed = browser.get("/graphql", params={"query": "{ me { name unit } }"}, headers=token)
    assert signed.status_code == 200 and signed.json()["data"]["me"] == {"name": "inv_gz", "unit": "GZ"}
    sign_in(browser, "inv_sz")  # a browser's GET with the session cookie authenticates the same way
    cookie = browser.get("/graphql", params={"query": "{ me { name unit } }"})
    assert cookie.status_code == 200 and cookie.json()["data"]["me"] == {"name": "inv_sz", "unit": "SZ"}


def test_me_without_a_user_is_unauthenticated(gql: Any) -> None:
    status, body = gql(None, "{ me { name role } }")
    assert status == 401 and codes(body) == ["UNAUTHENTICATED"]
    assert "INTERNAL" not in json.dumps(body)


def test_introspection_is_refused_anonymously(browser: httpx.Client, gql: Any) -> None:
    status, body = gql(None, "{ __schema { types { name } } }")
    assert status == 401 and "types" not in json.dumps(body)
    assert browser.get("/graphql", params={"query": "{ __schema { types { name } } }"}).status_code == 401


def test_graphiql_only_for_signed_in_users(browser: httpx.Client) -> None:
    page = {"Accept": "text/html"}
    assert browser.get("/graphql", headers=page).status_code == 401
    sign_in(browser, "inv_gz")
    ide = browser.get("/graphql", headers=page)
    assert (
        ide.status_code == 200 and "graphiql" in ide.text.lower() and 'Cookies.get("_csrf_token")' in ide.text
    )
    mutation = browser.post("/graphql", json={"query": "{ me { name } }"})  # cookie without CSRF token
    assert mutation.status_code == 403
    sent = browser.post("/graphql", json={"query": "{ me { name } }"}, headers=csrf_header(browser))
    assert sent.status_code == 200 and sent.json()["data"]["me"]["name"] == "inv_gz"


def test_graphiql_is_off_in_production() -> None:
    from api.routes.graphql import graphql_router
    from tianji.core.settings import Settings

    prod = Settings.model_construct(**{**Settings().model_dump(), "environment": "production"})
    assert graphql_router(prod).graphql_ide is None


def test_a_websocket_without_a_token_is_refused(officers: ApiServer) -> None:
    url = officers.url.replace("http", "ws") + "/graphql"

    async def closed_with(init: dict[str, Any] | None, **connect: Any) -> int:
        async with websockets.connect(url, subprotocols=["graphql-transport-ws"], **connect) as ws:  # type: ignore[list-item]
            if init is not None:
                await ws.send(json.dumps(init))
            else:  # straight to a subscription, without connection_init
                await ws.send(
                    json.dumps(
                        {"id": "1", "type": "subscribe", "payload": {"query": "subscription { alerts }"}}
                    )
                )
            with pytest.raises(websockets.ConnectionClosed) as closed:
                await asyncio.wait_for(ws.recv(), timeout=10)
            return closed.value.rcvd.code  # type: ignore[union-attr]

    assert asyncio.run(closed_with({"type": "connection_init"})) == 4403
    assert asyncio.run(closed_with({"type": "connection_init", "payload": {}})) == 4403
    assert asyncio.run(closed_with(None)) == 4401
    with httpx.Client(base_url=officers.url) as client:  # a session cookie does not open a websocket
        sign_in(client, "inv_gz")
        cookie = f"tianji_session={client.cookies['tianji_session']}"
    assert (
        asyncio.run(closed_with({"type": "connection_init"}, additional_headers={"Cookie": cookie})) == 4403
    )


def test_rest_routes_and_images_need_a_user(officers: ApiServer, browser: httpx.Client) -> None:
    for method, path in (("GET", "/images/i1"), ("POST", "/ingest/cases"), ("POST", "/certificates/E1")):
        response = browser.request(
            method, path, files={"file": ("x.csv", b"id\n")} if method == "POST" else None
        )
        assert response.status_code == 401 and codes(response.json()) == ["UNAUTHENTICATED"], path
    sign_in(browser, "inv_gz")
    assert browser.get("/images/no-such-image").status_code == 404  # the cookie is accepted for images
    upload = browser.post("/ingest/cases", files={"file": ("x.csv", b"id\n")})
    assert upload.status_code == 403  # a cookie-authenticated write without its CSRF token


def test_passwords_are_stored_as_argon2id(officers: ApiServer) -> None:
    engine = open_users(officers.settings)
    stored = password_hash(engine, "inv_gz")
    assert stored is not None and stored.startswith("$argon2id$") and PASSWORD not in stored
    assert check_password(engine, "inv_gz", PASSWORD).unit == "GZ"


def test_a_weaker_hash_is_replaced_at_the_next_sign_in(officers: ApiServer) -> None:
    from api.auth import users

    engine = open_users(officers.settings)
    create_user(engine, "old_hash", "investigator", "GZ")
    weak = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1).hash(PASSWORD)
    with engine.begin() as conn:
        conn.execute(users.update().where(users.c.name == "old_hash").values(password_hash=weak))
    check_password(engine, "old_hash", PASSWORD)
    renewed = password_hash(engine, "old_hash")
    assert renewed != weak and not PasswordHasher().check_needs_rehash(renewed or "")


def test_a_users_database_from_before_passwords_keeps_working(tmp_path: Any) -> None:
    import sqlite3

    from api.auth import authenticate
    from tianji.core.settings import Settings

    settings = Settings(data_dir=tmp_path)
    old = sqlite3.connect(tmp_path / "users.sqlite")
    old.execute(
        "CREATE TABLE users (name VARCHAR PRIMARY KEY, role VARCHAR NOT NULL, unit VARCHAR NOT NULL, "
        "key_hash VARCHAR UNIQUE, active BOOLEAN NOT NULL, created_at VARCHAR NOT NULL)"
    )
    import hashlib

    old.execute(
        "INSERT INTO users VALUES ('veteran', 'investigator', 'GZ', ?, 1, '2025-01-01')",
        (hashlib.sha256(b"tjk_veteran-key").hexdigest(),),
    )
    old.commit()
    old.close()
    engine = open_users(settings)
    assert authenticate(settings, engine, "Bearer tjk_veteran-key").name == "veteran"
    set_password(engine, "veteran", PASSWORD)
    assert check_password(engine, "veteran", PASSWORD).name == "veteran"


def test_a_session_expires(officers: ApiServer) -> None:
    from api import sessions

    short = officers.settings.model_copy(update={"session_hours": 1e-9})
    engine = open_users(officers.settings)
    session_id = sessions.start(engine, short, "inv_gz", "password")
    assert sessions.user_of(engine, session_id) is None
    with httpx.Client(base_url=officers.url, cookies={"tianji_session": session_id}) as client:
        assert client.get("/dash/_dash-layout").status_code == 401


def test_csv_export_quotes_cells_and_neutralises_formulas(browser: httpx.Client) -> None:
    import csv
    import io

    from tests.security.officers import export_callback

    elements = [
        {"data": {"id": "Enterprise|E1", "label": "广州盈宏贸易 CO., LTD.", "kind": "Enterprise"}},
        {"data": {"id": "Enterprise|E2", "label": "=cmd|' /C calc'!A0", "kind": "Enterprise"}},
        {"data": {"id": "Person|P1", "label": '+1 say "hi"', "kind": "Person"}},
        {"data": {"id": "Person|P2", "label": "@SUM(A1)\tx", "kind": "Person"}},
        {"data": {"id": "\rCR", "label": "plain", "kind": "Person"}},  # an id a spreadsheet would run
        {"data": {"id": "x1", "label": "-2+3", "source": "Enterprise|E1", "target": "Enterprise|E2"}},
        {"data": {"id": "x2", "label": "\tTAB", "source": "Person|P1", "target": "\rCR"}},
    ]
    sign_in(browser, "inv_gz")
    response = browser.post(CALLBACK, json=export_callback(elements), headers=csrf_header(browser))
    assert response.status_code == 200, response.text
    download = response.json()["response"]["download"]["data"]
    assert download["filename"] == "tianji-view.csv"
    rows = list(csv.reader(io.StringIO(download["content"], newline="")))
    assert rows[0] == ["kind", "id", "label", "source", "target"]
    assert all(len(row) == 5 for row in rows)  # "CO., LTD." and the quote stay in their cell
    labels = [row[2] for row in rows[1:]]
    assert labels == [
        "广州盈宏贸易 CO., LTD.",
        "'=cmd|' /C calc'!A0",
        '\'+1 say "hi"',
        "'@SUM(A1)\tx",
        "plain",
        "'-2+3",
        "'\tTAB",
    ]
    assert rows[-1][4] == "'\rCR"


def test_demo_officers_get_passwords_in_development_only(officers: ApiServer, tmp_path: Any) -> None:
    from api.errors import Unauthenticated
    from tianji.bootstrap import DEMO_USERS, demo_users

    dev = officers.settings.model_copy(update={"data_dir": tmp_path / "dev"})
    demo_users(officers.store, dev, tmp_path)
    printed = json.loads((dev.data_dir / "demo-officers.json").read_text())
    assert sorted(printed) == sorted(name for name, _, _ in DEMO_USERS)
    engine = open_users(dev)
    for name, officer in printed.items():
        assert check_password(engine, name, officer["password"]).unit == officer["unit"]
        assert (password_hash(engine, name) or "").startswith("$argon2id$")
    demo_users(officers.store, dev, tmp_path)  # a second run keeps the passwords it printed
    assert json.loads((dev.data_dir / "demo-officers.json").read_text()) == printed

    other = officers.settings.model_copy(update={"data_dir": tmp_path / "other", "environment": "test"})
    demo_users(officers.store, other, tmp_path)
    assert not (other.data_dir / "demo-officers.json").exists()
    with pytest.raises(Unauthenticated):
        check_password(open_users(other), "demo_investigator", printed["demo_investigator"]["password"])


def test_a_token_checked_once_still_expires_and_its_forgery_is_still_refused(tmp_path: Any) -> None:
    import time

    import jwt as pyjwt

    from api.auth import User, authenticate, issue_jwt
    from api.errors import Unauthenticated
    from tianji.core.settings import Settings

    settings = Settings(data_dir=tmp_path)
    engine = open_users(settings)
    create_user(engine, "brief", "investigator", "GZ")
    token = issue_jwt(settings, User("brief", "investigator", "GZ"), hours=1.5 / 3600)
    assert authenticate(settings, engine, f"Bearer {token}").name == "brief"
    assert authenticate(settings, engine, f"Bearer {token}").name == "brief"  # its signature checked once
    head, claims, _ = token.split(".")
    with pytest.raises(Unauthenticated, match="not valid"):
        authenticate(settings, engine, f"Bearer {head}.{claims}.{'A' * 43}")
    other = settings.model_copy(update={"auth_secret": "y" * 40})  # the same token under another secret
    with pytest.raises(Unauthenticated, match="not valid"):
        authenticate(other, engine, f"Bearer {token}")
    time.sleep(max(0.0, pyjwt.decode(token, options={"verify_signature": False})["exp"] - time.time()) + 0.1)
    with pytest.raises(Unauthenticated, match="expired"):
        authenticate(settings, engine, f"Bearer {token}")
