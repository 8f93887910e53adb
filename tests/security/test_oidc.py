"""Sign-in through OpenID Connect, against a tiny provider started by the test (``tests.security.idp``):
the authorization-code flow with PKCE, the id_token checked, claims mapped to role and unit."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from api.auth import deactivate, open_users
from graph.embedded import EmbeddedServer
from tests.api.conftest import ApiServer, free_port
from tests.security.idp import CLIENT_ID, CLIENT_SECRET, Provider, running_provider
from tests.security.officers import csrf_header, officer_server, search_callback


@pytest.fixture(scope="module")
def idp() -> Iterator[Provider]:
    with running_provider() as provider:
        yield provider


@pytest.fixture(scope="module")
def tianji(
    graph_server: EmbeddedServer, idp: Provider, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ApiServer]:
    port = free_port()
    with officer_server(
        graph_server,
        tmp_path_factory.mktemp("oidc_world"),
        "oidc",
        port=port,
        oidc_issuer=idp.issuer,
        oidc_client_id=CLIENT_ID,
        oidc_client_secret=CLIENT_SECRET,
        oidc_redirect_uri=f"http://127.0.0.1:{port}/login/oidc/callback",
        oidc_role_claim="groups",
        oidc_role_map={"customs-investigators": "investigator", "risk-analysts": "analyst"},
    ) as server:
        yield server


def journey(tianji: ApiServer, idp: Provider) -> tuple[httpx.Client, httpx.Response]:
    """Follow the redirects a browser follows: Tianji -> provider -> Tianji's callback; return the last answer."""
    browser = httpx.Client(timeout=30)
    start = browser.get(f"{tianji.url}/login/oidc")
    assert start.status_code == 302, start.text
    asked = parse_qs(urlsplit(start.headers["location"]).query)
    assert asked["code_challenge_method"] == ["S256"] and asked["code_challenge"] and asked["nonce"]
    approved = browser.get(start.headers["location"])
    assert approved.status_code == 302 and approved.headers["location"].startswith(tianji.url)
    return browser, browser.get(approved.headers["location"])


def test_an_officer_signs_in_through_the_identity_provider(tianji: ApiServer, idp: Provider) -> None:
    page = httpx.get(f"{tianji.url}/login")
    assert 'href="/login/oidc"' in page.text
    idp.tamper = ""
    idp.claims = {
        "preferred_username": "zhao.li",
        "groups": ["staff", "customs-investigators"],
        "tianji_unit": "TJ",
    }
    browser, done = journey(tianji, idp)
    assert done.status_code == 303 and done.headers["location"] == "/dash/", done.text
    assert idp.verified_pkce  # the token endpoint saw the verifier matching the challenge
    browser.base_url = httpx.URL(tianji.url)
    me = browser.get("/graphql", params={"query": "{ me { name role unit } }"})
    assert me.json()["data"]["me"] == {"name": "zhao.li", "role": "investigator", "unit": "TJ"}
    assert browser.get("/dash/_dash-layout").status_code == 200
    searched = browser.post(
        "/dash/_dash-update-component", json=search_callback("贸易"), headers=csrf_header(browser)
    )
    assert searched.status_code == 200
    browser.close()


def test_claims_that_name_no_role_are_refused(tianji: ApiServer, idp: Provider) -> None:
    idp.tamper = ""
    idp.claims = {"preferred_username": "visitor", "groups": ["staff", "admin"], "tianji_unit": "GZ"}
    browser, done = journey(tianji, idp)  # "admin" is not in the role map: only mapped groups grant a role
    assert done.status_code == 401 and "tianji_session" not in browser.cookies
    browser.close()


@pytest.mark.parametrize("tamper", ["audience", "nonce", "key"])
def test_a_forged_id_token_is_refused(tianji: ApiServer, idp: Provider, tamper: str) -> None:
    idp.tamper = tamper
    idp.claims = {"preferred_username": "mallory", "groups": ["risk-analysts"], "tianji_unit": "GZ"}
    browser, done = journey(tianji, idp)
    assert done.status_code == 401 and "tianji_session" not in browser.cookies, done.text
    browser.close()
    idp.tamper = ""


def test_a_callback_without_the_flow_state_is_refused(tianji: ApiServer) -> None:
    replay = httpx.get(f"{tianji.url}/login/oidc/callback", params={"code": "x", "state": "y"})
    assert replay.status_code == 401


def test_a_user_deactivated_here_stays_out(tianji: ApiServer, idp: Provider) -> None:
    idp.tamper = ""
    idp.claims = {"preferred_username": "wang.gone", "groups": ["customs-investigators"], "tianji_unit": "GZ"}
    browser, done = journey(tianji, idp)
    assert done.status_code == 303
    browser.close()
    deactivate(open_users(tianji.settings), "wang.gone")
    browser, done = journey(tianji, idp)
    assert done.status_code == 401 and "deactivated" in done.text
    browser.close()
