"""The GraphQL API over real HTTP and WebSocket against a running server on the embedded graph."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from typing import Any

import httpx
import jwt
import pytest
import websockets

from alerts.outbox import open_outbox, publish_inapp
from api.audit import entries, open_audit
from api.schema import export_sdl
from tests.api.conftest import ApiServer, codes
from tests.ingest.builders import uscc
from tianji.cli.schema import SDL_FILE
from tianji.core.settings import Settings

ENTERPRISE = uscc(1)


def test_health_and_readiness(api: ApiServer) -> None:
    health = httpx.get(f"{api.url}/healthz").json()
    assert health["graph"] is True and health["channels"]["inapp"]["ok"] is True
    assert httpx.get(f"{api.url}/readyz").json() == {"ready": True}
    openapi = httpx.get(f"{api.url}/openapi.json").json()
    assert "/ingest/{kind}" in openapi["paths"] and "/healthz" in openapi["paths"]


@pytest.mark.parametrize("kind", ["jwt", "key"])
def test_lookup_by_key_with_either_token(api: ApiServer, gql: Any, kind: str) -> None:
    token = api.tokens["inv_gz"] if kind == "jwt" else api.keys["inv_gz"]
    status, body = gql(
        token,
        'query($id: ID!) { node(label: "Enterprise", id: $id) { id label caption '
        "... on Enterprise { uscc name region } } }",
        {"id": ENTERPRISE},
    )
    assert status == 200 and "errors" not in body
    assert body["data"]["node"] == {
        "id": ENTERPRISE,
        "label": "Enterprise",
        "caption": "广州甲1贸易有限公司",
        "uscc": ENTERPRISE,
        "name": "广州甲1贸易有限公司",
        "region": "广东广州",
    }


def test_not_found_and_bad_input_have_codes(api: ApiServer, gql: Any) -> None:
    token = api.tokens["inv_gz"]
    _, body = gql(token, '{ node(label: "Enterprise", id: "nope") { id } }')
    assert codes(body) == ["NOT_FOUND"] and "no Enterprise with id 'nope'" in body["errors"][0]["message"]
    _, body = gql(token, '{ node(label: "Enterprise) DETACH DELETE n //", id: "x") { id } }')
    assert codes(body) == ["INVALID_INPUT"] and "unknown label" in body["errors"][0]["message"]
    _, body = gql(token, '{ node(label: "Enterprise" id: ) { id } }')
    assert codes(body) == ["INVALID_INPUT"] and "Syntax Error" in body["errors"][0]["message"]
    _, body = gql(token, '{ node(label: "Enterprise", id: "x") { colour } }')
    assert codes(body) == ["INVALID_INPUT"] and "Cannot query field 'colour'" in body["errors"][0]["message"]
    _, body = gql(
        token,
        'query($d: Int!) { neighbourhood(label: "Enterprise", id: "x", depth: $d) { truncated } }',
        {"d": "deep"},
    )
    assert codes(body) == ["INVALID_INPUT"] and "Int cannot represent" in body["errors"][0]["message"]


def test_tokens_are_checked(api: ApiServer, gql: Any) -> None:
    status, body = gql(None, "{ me { name } }")
    assert (
        status == 401
        and codes(body) == ["UNAUTHENTICATED"]
        and "Authorization" in body["errors"][0]["message"]
    )
    forged = jwt.encode(
        {"sub": "admin_hq", "exp": dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)},
        "x" * 40,
        algorithm="HS256",
    )
    status, body = gql(forged, "{ me { name } }")
    assert status == 401 and "not valid" in body["errors"][0]["message"]
    expired = jwt.encode(
        {"sub": "inv_gz", "exp": dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)},
        api.settings.auth_secret,
        algorithm="HS256",
    )
    status, body = gql(expired, "{ me { name } }")
    assert status == 401 and "expired" in body["errors"][0]["message"]
    status, body = gql("tjk_not-a-key", "{ me { name } }")
    assert status == 401 and codes(body) == ["UNAUTHENTICATED"]


@pytest.mark.parametrize(
    "text",
    ["广州甲1贸易有限责任公司", "甲1贸易（广州）有限公司", "广州 甲1贸易", "ＡＣＭＥ ｇｍｂｈ", "acme gmbh."],
)
def test_search_tolerates_variants(api: ApiServer, gql: Any, text: str) -> None:
    _, body = gql(
        api.tokens["inv_gz"],
        "query($t: String!) { search(text: $t, first: 5) { edges { node { label "
        "caption } } pageInfo { hasNextPage } } }",
        {"t": text},
    )
    captions = [e["node"]["caption"] for e in body["data"]["search"]["edges"]]
    assert captions, body
    assert captions[0] in ("广州甲1贸易有限公司", "ACME GMBH", "Acme GmbH.")


def test_search_by_plate_and_entry_number(api: ApiServer, gql: Any) -> None:
    query = "query($t: String!) { search(text: $t) { edges { node { label id } } } }"
    _, body = gql(api.tokens["inv_gz"], query, {"t": "粤A12345"})
    assert {"label": "Vehicle", "id": "粤A12345"} in [e["node"] for e in body["data"]["search"]["edges"]]
    _, body = gql(
        api.tokens["inv_gz"],
        query.replace("search(text: $t)", 'search(text: $t, labels: ["Declaration"])'),
        {"t": "510020240000000003"},
    )
    assert body["data"]["search"]["edges"][0]["node"] == {"label": "Declaration", "id": "510020240000000003"}


def test_pagination_walks_every_result_once(api: ApiServer, gql: Any) -> None:
    seen: list[str] = []
    after = None
    while True:
        _, body = gql(
            api.tokens["inv_gz"],
            'query($a: String) { search(text: "贸易", first: 2, after: $a) { '
            "edges { cursor node { id } } pageInfo { hasNextPage endCursor } } }",
            {"a": after},
        )
        result = body["data"]["search"]
        seen += [e["node"]["id"] for e in result["edges"]]
        if not result["pageInfo"]["hasNextPage"]:
            break
        after = result["pageInfo"]["endCursor"]
    assert len(seen) == len(set(seen)) == 5


def test_neighbourhood_scope_and_truncation(api: ApiServer, gql: Any) -> None:
    query = (
        'query($id: ID!, $d: Int!, $types: [String!], $max: Int!) { neighbourhood(label: "Enterprise", id: $id, '
        "depth: $d, types: $types, maxNodes: $max) { nodes { label id } edges { type source target } truncated "
        "notice } }"
    )
    _, body = gql(
        api.tokens["inv_gz"],
        query,
        {"id": ENTERPRISE, "d": 2, "types": ["LEGAL_REP_OF", "LOCATED_AT"], "max": 50},
    )
    hood = body["data"]["neighbourhood"]
    labels = {(n["label"], n["id"]) for n in hood["nodes"]}
    assert ("Enterprise", uscc(2)) in labels  # same legal representative and address
    assert {e["type"] for e in hood["edges"]} == {"LEGAL_REP_OF", "LOCATED_AT"} and hood["truncated"] is False
    _, body = gql(api.tokens["inv_gz"], query, {"id": ENTERPRISE, "d": 2, "types": None, "max": 5})
    assert body["data"]["neighbourhood"]["truncated"] is True
    assert "truncated at 5 nodes" in body["data"]["neighbourhood"]["notice"]
    _, body = gql(api.tokens["inv_gz"], query, {"id": ENTERPRISE, "d": 9, "types": None, "max": 5})
    assert codes(body) == ["LIMIT_EXCEEDED"]


def test_a_neighbourhood_read_light_or_whole_answers_the_same_nodes_and_edges(
    api: ApiServer, gql: Any
) -> None:
    """Keys only (read light), captions (nodes whole), and a fragment or edge properties (read whole):
    the same nodes and edges, and properties wherever a selection asks for them."""
    shape = "nodes { label id %s } edges { type source target %s }"
    asked = {
        "keys": shape % ("", ""),
        "captions": shape % ("caption", ""),
        "fragment": shape % ("...named", "properties"),
    }
    found = {}
    for name, selection in asked.items():
        fragment = (
            " fragment named on Node { properties ... on Enterprise { name } }" if name == "fragment" else ""
        )
        _, body = gql(
            api.tokens["inv_gz"],
            f'query($id: ID!) {{ neighbourhood(label: "Enterprise", id: $id, depth: 2) {{ {selection} }} }}{fragment}',
            {"id": ENTERPRISE},
        )
        found[name] = body["data"]["neighbourhood"]
    keys = {name: {(n["label"], n["id"]) for n in hood["nodes"]} for name, hood in found.items()}
    ends = {
        name: {(e["type"], e["source"], e["target"]) for e in hood["edges"]} for name, hood in found.items()
    }
    assert keys["keys"] == keys["captions"] == keys["fragment"] and len(keys["keys"]) > 10
    assert ends["keys"] == ends["captions"] == ends["fragment"] and ends["keys"]
    assert all(n["caption"] for n in found["captions"]["nodes"] if n["label"] == "Enterprise")
    whole = [n for n in found["fragment"]["nodes"] if n["label"] == "Enterprise"]
    assert whole and all(n["name"] and n["properties"]["name"] == n["name"] for n in whole)
    assert any(e["properties"] for e in found["fragment"]["edges"])


def test_profile_has_behavioural_and_relational_figures(api: ApiServer, gql: Any) -> None:
    _, body = gql(
        api.tokens["inv_gz"],
        'query($id: ID!) { profile(label: "Enterprise", id: $id) { declarationCount '
        "totalValueUsd originCountries ports inspectionCount hitCount hitRate "
        "relationCounts keyPeople monthlyValue valueFluctuation } }",
        {"id": ENTERPRISE},
    )
    prof = body["data"]["profile"]
    assert prof["declarationCount"] == 8  # declarations 0, 5, 10, …, 35 of the tiny world
    assert prof["inspectionCount"] == 1 and prof["hitCount"] == 1 and prof["hitRate"] == 1.0
    assert prof["relationCounts"]["CONSIGNEE"] == 8 and prof["keyPeople"][0]["role"] == "LEGAL_REP_OF"
    assert list(prof["monthlyValue"]) == ["2024-03"] and prof["valueFluctuation"] is None  # one month only


def test_restricted_cases_are_invisible_to_other_units(api: ApiServer, gql: Any) -> None:
    lookup = '{ node(label: "Case", id: "C0001") { id caption } }'
    assert gql(api.tokens["inv_gz"], lookup)[1]["data"]["node"]["id"] == "C0001"
    _, body = gql(api.tokens["inv_sz"], lookup)
    assert codes(body) == ["NOT_FOUND"] and body["data"] is None
    hood = 'query($id: ID!) { neighbourhood(label: "Enterprise", id: $id) { nodes { label id } } }'
    gz = {
        n["id"]
        for n in gql(api.tokens["inv_gz"], hood, {"id": ENTERPRISE})[1]["data"]["neighbourhood"]["nodes"]
    }
    sz = {
        n["id"]
        for n in gql(api.tokens["inv_sz"], hood, {"id": ENTERPRISE})[1]["data"]["neighbourhood"]["nodes"]
    }
    assert "C0001" in gz and "C0001" not in sz
    counts = 'query($id: ID!) { profile(label: "Enterprise", id: $id) { relationCounts } }'
    assert (
        "INVOLVED_IN"
        not in gql(api.tokens["inv_sz"], counts, {"id": ENTERPRISE})[1]["data"]["profile"]["relationCounts"]
    )
    _, body = gql(
        api.tokens["inv_sz"], '{ search(text: "走私普通货物案", labels: ["Case"]) { edges { node { id } } } }'
    )
    assert body["data"]["search"]["edges"] == []
    assert (
        gql(api.tokens["admin_hq"], lookup)[1]["data"]["node"]["id"] == "C0001"
    )  # headquarters sees all units
    _, body = gql(api.tokens["inv_sz"], '{ node(label: "Case", id: "C0002") { id } }')
    assert body["data"]["node"]["id"] == "C0002"  # an unrestricted case of another unit is visible


def test_roles_limit_what_users_may_do(api: ApiServer, gql: Any) -> None:
    audit = "{ auditLog(first: 5) { user operationType outcome } }"
    _, body = gql(api.tokens["inv_gz"], audit)
    assert codes(body) == ["FORBIDDEN"] and "may not audit read" in body["errors"][0]["message"]
    assert gql(api.tokens["admin_hq"], audit)[1]["data"]["auditLog"]
    watch = 'mutation($id: String!) { createWatch(watch: {targetLabel: "Enterprise", targetId: $id}) { id } }'
    assert codes(gql(api.tokens["svc"], watch, {"id": ENTERPRISE})[1]) == ["FORBIDDEN"]
    assert gql(api.tokens["inv_gz"], watch, {"id": ENTERPRISE})[1]["data"]["createWatch"]["id"].startswith(
        "watch_"
    )
    # a forbidden field inside an allowed query is refused by name, and nothing of the answer leaks:
    # `alerts` is a non-null list, so its refusal nulls the whole answer, `me` included
    _, body = gql(api.tokens["svc"], "{ me { role } alerts { id } }")
    assert body["data"] is None
    assert codes(body) == ["FORBIDDEN"] and body["errors"][0]["path"] == ["alerts"]
    assert "may not alert" in body["errors"][0]["message"]


def test_every_request_is_audited_durably(api: ApiServer, gql: Any) -> None:
    gql(
        api.tokens["analyst_gz"],
        'query Lookup($id: ID!) { node(label: "Enterprise", id: $id) { id } }',
        {"id": ENTERPRISE},
    )
    gql(api.tokens["analyst_gz"], '{ node(label: "Enterprise", id: "nope") { id } }')
    fresh = open_audit(api.settings)  # a new connection, as after a restart
    mine = entries(fresh, user="analyst_gz", limit=100)
    ok = [e for e in mine if e["operation_name"] == "Lookup"]
    assert ok and ok[-1]["outcome"] == "ok" and json.loads(ok[-1]["variables"]) == {"id": ENTERPRISE}
    assert ok[-1]["result_size"] >= 0 and ok[-1]["role"] == "analyst" and ok[-1]["unit"] == "GZ"
    assert any(e["outcome"] == "invalid" and e["error_codes"] == "NOT_FOUND" for e in mine)
    _, body = gql(
        api.tokens["admin_hq"], '{ auditLog(user: "analyst_gz", first: 100) { operationName outcome } }'
    )
    assert {"operationName": "Lookup", "outcome": "ok"} in body["data"]["auditLog"]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        (
            '{ search(text: "贸易") { edges { node { relations { nodes { relations { nodes { relations { nodes { id } } } } } } } } } }',
            "exceeds maximum operation depth",
        ),
        (
            "{ a: me { name } b: me { name } c: me { name } d: me { name } e: me { name } f: me { name } }",
            "aliases found",
        ),
        ("{ me { " + "name " * 500 + "} }", "more than 400 tokens"),
        (
            '{ search(text: "贸易", first: 100) { edges { node { relations(first: 100) { nodes { id label caption } } } } } }',
            "query too complex",
        ),
    ],
)
def test_limits_refuse_with_a_reason(api: ApiServer, gql: Any, query: str, message: str) -> None:
    _, body = gql(api.tokens["inv_gz"], query)
    assert "errors" in body and message in json.dumps(body["errors"], ensure_ascii=False)
    assert codes(body) == ["LIMIT_EXCEEDED"]


def test_oversize_request_is_refused(api: ApiServer) -> None:
    big = {"query": "{ me { name } }", "variables": {"pad": "x" * 30_000}}
    response = httpx.post(
        f"{api.url}/graphql", json=big, headers={"Authorization": f"Bearer {api.tokens['inv_gz']}"}
    )
    assert (
        response.status_code == 413 and response.json()["errors"][0]["extensions"]["code"] == "LIMIT_EXCEEDED"
    )


def test_nested_relations_cost_a_bounded_number_of_round_trips(api: ApiServer, gql: Any) -> None:
    query = (
        '{ search(text: "贸易", first: 5) { edges { node { id relations(first: 3) { edges { type } } } } } }'
    )
    before = api.store.round_trips  # the app has its own store; count on the server through the audit instead
    _, body = gql(api.tokens["inv_gz"], query)
    assert len(body["data"]["search"]["edges"]) == 5
    assert all(e["node"]["relations"]["edges"] for e in body["data"]["search"]["edges"])
    assert api.store.round_trips == before  # this process's store was not used: the server's was
    from api.graphql.entities import relations_loader  # the batch function: one query for any number of keys

    class Ctx:
        store = api.store
        user = type("U", (), {"unit": "GZ"})()
        loaders: dict[str, Any] = {}
        result_size = 0

        async def run(self, fn: Any, *a: Any, **k: Any) -> Any:
            return fn(*a, **k)

        def loader(self, name: str, batch: Any) -> Any:
            from strawberry.dataloader import DataLoader

            return self.loaders.setdefault(name, DataLoader(load_fn=batch))

    async def nested() -> None:
        ctx = Ctx()
        ids = [uscc(i) for i in range(1, 6)]
        start = api.store.round_trips
        results = await asyncio.gather(*(relations_loader(ctx, "Enterprise", (), 3).load(i) for i in ids))
        assert len(results) == 5 and all(r.edges for r in results)
        assert api.store.round_trips - start == 1

    asyncio.run(nested())


def test_subscription_receives_an_event_over_websocket(api: ApiServer) -> None:
    async def run() -> dict[str, Any]:
        url = api.url.replace("http", "ws") + "/graphql"
        async with websockets.connect(url, subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
            await ws.send(
                json.dumps(
                    {
                        "type": "connection_init",
                        "payload": {"Authorization": f"Bearer {api.tokens['inv_gz']}"},
                    }
                )
            )
            assert json.loads(await ws.recv())["type"] == "connection_ack"
            await ws.send(
                json.dumps({"id": "1", "type": "subscribe", "payload": {"query": "subscription { alerts }"}})
            )
            await asyncio.sleep(0.8)
            publish_inapp(
                open_outbox(api.settings),
                "alerts",
                "inv_gz",
                {"alert": {"id": "a1", "unit": "GZ", "title": "测试"}},
            )
            message = json.loads(await asyncio.wait_for(ws.recv(), timeout=10))
            return message

    message = asyncio.run(run())
    assert message["type"] == "next" and message["payload"]["data"]["alerts"]["alert"]["title"] == "测试"


def test_websocket_refuses_a_bad_token(api: ApiServer) -> None:
    async def run() -> int:
        url = api.url.replace("http", "ws") + "/graphql"
        async with websockets.connect(url, subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
            await ws.send(
                json.dumps({"type": "connection_init", "payload": {"Authorization": "Bearer nope"}})
            )
            with pytest.raises(websockets.ConnectionClosed) as closed:
                await ws.recv()
            return closed.value.rcvd.code  # type: ignore[union-attr]

    assert asyncio.run(run()) == 4403


def test_introspection_and_suggestions_are_off_in_production() -> None:
    from api.schema import build_schema

    prod = Settings(environment="production", auth_secret="s" * 40, hash_secret="h" * 40)
    schema = build_schema(prod)
    result = schema.execute_sync("{ __schema { types { name } } }")
    assert result.errors and "introspection" in result.errors[0].message.lower()
    dev = build_schema(Settings())
    assert dev.execute_sync("{ __schema { queryType { name } } }").errors is None


def test_exported_sdl_matches_the_code() -> None:
    assert SDL_FILE.read_text(encoding="utf-8") == export_sdl(Settings()), (
        "api/schema.graphql is out of date: run `tianji schema export --write`"
    )


def test_ingest_upload_over_rest(api: ApiServer) -> None:
    csv_text = "id,entry_no,date,outcome,finding,recovered_duty,officer\nINS-U1,510020240000000004,2024-05-09,clear,none,0,O9\n"
    files = {"file": ("inspections.csv", csv_text.encode(), "text/csv")}
    response = httpx.post(
        f"{api.url}/ingest/inspections", files=files, headers={"Authorization": f"Bearer {api.tokens['svc']}"}
    )
    assert response.status_code == 200 and response.json()["loaded"] == 1
    assert api.store.node("Inspection", "INS-U1") is not None
    refused = httpx.post(
        f"{api.url}/ingest/inspections",
        files=files,
        headers={"Authorization": f"Bearer {api.tokens['inv_gz']}"},
    )
    assert refused.status_code == 403


def test_a_request_over_the_time_limit_is_cut_off(api: ApiServer) -> None:
    from fastapi.testclient import TestClient

    from api.app import create_app

    slow = api.settings.model_copy(update={"api_timeout_s": 0.000001})
    # the answer is the 504; the handler cut off behind it may still fail reading a body no one sends now.
    # The query waits on the graph: one that waits on nothing ({ me }) answers before the limit is noticed
    with TestClient(create_app(slow), raise_server_exceptions=False) as client:
        response = client.post(
            "/graphql",
            json={"query": '{ node(label: "Enterprise", id: "none") { id } }'},
            headers={"Authorization": f"Bearer {api.tokens['inv_gz']}"},
        )
    assert (
        response.status_code == 504 and response.json()["errors"][0]["extensions"]["code"] == "LIMIT_EXCEEDED"
    )


def test_a_pattern_is_watched_through_graphql(api: ApiServer, gql: Any) -> None:
    create = (
        'mutation($p: PatternInput!) { createWatch(watch: {targetLabel: "Pattern", pattern: $p}) '
        "{ id title conditions targetLabel } }"
    )
    pattern = {
        "declarations": {"hsPrefixes": ["0306"], "consigneeRegisteredWithinDays": 60},
        "ring": {"enterprises": 3, "shared": {"Person": 1}, "tradeLoop": True},
    }
    _, body = gql(api.tokens["inv_gz"], create, {"p": pattern})
    assert "errors" not in body, body
    watch = body["data"]["createWatch"]
    assert watch["targetLabel"] == "Pattern" and watch["conditions"] == ["pattern_match"]
    assert "HS 0306" in watch["title"] and "ring of 3" in watch["title"]
    _, body = gql(api.tokens["inv_gz"], create, {"p": {"declarations": {}}})
    assert codes(body) == ["INVALID_INPUT"] and "at least one criterion" in body["errors"][0]["message"]
    _, body = gql(api.tokens["inv_gz"], create, {"p": {"ring": {"enterprises": 3, "shared": {"Vessel": 1}}}})
    assert codes(body) == ["INVALID_INPUT"] and "cannot share 'Vessel'" in body["errors"][0]["message"]


def test_subjects_are_merged_and_the_merge_reverted_through_graphql(api: ApiServer, gql: Any) -> None:
    from ingest.keys import mention_id
    from ingest.resolution.overseas import resolve_overseas

    names = ["ORCHID HARBOUR FOODS LTD", "TUNDRA PEAK INSTRUMENTS GMBH"]
    api.store.merge_nodes(
        "PartyMention", [{"id": mention_id(n, "DE"), "name": n, "country": "DE"} for n in names]
    )
    resolve_overseas(api.store, api.settings)
    party = {
        r["m"]: r["p"]
        for r in api.store.query(
            "MATCH (m:PartyMention)-[:SAME_AS]->(p:OverseasParty) RETURN m.id AS m, p.id AS p"
        )
    }
    keep, other = (party[mention_id(n, "DE")] for n in names)
    merge = (
        "mutation($k: String!, $o: String!) { mergeSubjects(keep: $k, other: $o) { id action user payload } }"
    )
    assert codes(gql(api.tokens["inv_gz"], merge, {"k": keep, "o": other})[1]) == ["FORBIDDEN"]
    _, body = gql(api.tokens["analyst_gz"], merge, {"k": keep, "o": other})
    action = body["data"]["mergeSubjects"]
    assert action["action"] == "merge" and action["user"] == "analyst_gz"
    assert action["payload"]["before"] == {mention_id(names[1], "DE"): other}
    moved = api.store.query(
        "MATCH (:PartyMention {id: $m})-[:SAME_AS]->(p) RETURN p.id AS p", {"m": mention_id(names[1], "DE")}
    )
    assert [r["p"] for r in moved] == [keep]
    _, body = gql(
        api.tokens["analyst_gz"],
        "mutation($a: Int!) { revertResolution(action: $a) { revertedBy } }",
        {"a": action["id"]},
    )
    assert body["data"]["revertResolution"]["revertedBy"] == "analyst_gz"
    _, body = gql(api.tokens["analyst_gz"], "{ resolutionActions { id action revertedAt } }")
    assert [a["id"] for a in body["data"]["resolutionActions"]] == [action["id"]]
    _, body = gql(api.tokens["analyst_gz"], merge, {"k": keep, "o": "OP-nothing"})
    assert (
        codes(body) == ["INVALID_INPUT"] and "no overseas party 'OP-nothing'" in body["errors"][0]["message"]
    )


def test_case_files_are_saved_reopened_and_kept_within_the_unit(api: ApiServer, gql: Any) -> None:
    view = {"elements": [{"data": {"id": f"Enterprise|{ENTERPRISE}", "label": "甲1", "kind": "Enterprise"}}]}
    save = 'mutation($n: String!, $v: JSON!) { saveCaseFile(name: $n, view: $v, note: "first look") { id name } }'
    _, body = gql(api.tokens["inv_gz"], save, {"n": "甲1 and its address", "v": view})
    saved = body["data"]["saveCaseFile"]
    opened = "query($id: Int!) { caseFile(id: $id) { name note owner view } }"
    _, body = gql(api.tokens["inv_gz"], opened, {"id": saved["id"]})
    assert body["data"]["caseFile"]["view"] == view and body["data"]["caseFile"]["owner"] == "inv_gz"
    _, body = gql(api.tokens["inv_gz"], "{ caseFiles { id name } }")
    assert [c["id"] for c in body["data"]["caseFiles"]] == [saved["id"]]
    assert codes(gql(api.tokens["inv_sz"], opened, {"id": saved["id"]})[1]) == ["NOT_FOUND"]  # another unit
    assert codes(gql(api.tokens["analyst_gz"], "{ caseFiles { id } }")[1]) == ["FORBIDDEN"]
    _, body = gql(api.tokens["inv_gz"], save, {"n": "bad", "v": {"elements": [1, 2]}})
    assert codes(body) == ["INVALID_INPUT"] and "graph elements" in body["errors"][0]["message"]


def test_a_subjects_timeline(api: ApiServer, gql: Any) -> None:
    query = 'query($id: ID!) { timeline(label: "Enterprise", id: $id) }'
    _, body = gql(api.tokens["inv_gz"], query, {"id": ENTERPRISE})
    events = body["data"]["timeline"]
    assert events and {e["kind"] for e in events} >= {"declaration"}
    assert [e["at"] for e in events] == sorted(e["at"] for e in events)
    _, body = gql(api.tokens["inv_gz"], '{ timeline(label: "Port", id: "5100") }')
    assert codes(body) == ["INVALID_INPUT"]


def test_risk_marks_for_canvas_styling(api: ApiServer, gql: Any) -> None:
    from tagging.engine import apply_all
    from tagging.rules import load_hierarchy

    apply_all(api.store, load_hierarchy())
    tagged = api.store.query(
        "MATCH (e:Enterprise)-[h:HAS_TAG]->(t:Tag) WHERE h.ended_at IS NULL RETURN e.id AS id, max(t.level) AS level "
        "ORDER BY id LIMIT 1"
    )[0]
    _, body = gql(
        api.tokens["inv_gz"],
        "query($n: [String!]!) { riskMarks(nodes: $n) }",
        {"n": [f"Enterprise|{tagged['id']}", "Port|5100"]},
    )
    marks = body["data"]["riskMarks"]
    assert marks[f"Enterprise|{tagged['id']}"]["tag"] == tagged["level"] and "Port|5100" not in marks
    _, body = gql(api.tokens["inv_gz"], '{ riskMarks(nodes: ["Nope|1"]) }')
    assert codes(body) == ["INVALID_INPUT"]


def test_a_gang_is_rescreened_through_graphql_with_its_reasons(api: ApiServer, gql: Any) -> None:
    from algorithms import gangs

    members = [uscc(1), uscc(2), uscc(3)]
    gang = gangs.Gang("", members, {m: 1 / 3 for m in members}, {m: 0.0 for m in members}, set())
    gangs.write_back(api.store, gangs.GangRun([gang], {}, gangs.GangConfig()))
    api.store.query("MATCH (g:Gang {id: $id}) SET g.risk = 0.99, g.risk_reasons = '[]'", {"id": gang.id})
    rescreen = """mutation($id: ID!) { rescreenGang(id: $id) { previousRisk
      gang { risk riskReasons { code contribution detailEn } } } }"""
    assert codes(gql(api.tokens["svc"], rescreen, {"id": gang.id})[1]) == ["FORBIDDEN"]
    _, body = gql(api.tokens["inv_gz"], rescreen, {"id": gang.id})
    done = body["data"]["rescreenGang"]
    assert done["previousRisk"] == 0.99
    reasons = done["gang"]["riskReasons"]
    assert {r["code"] for r in reasons} >= {"GR-TAG", "GR-CASE", "GR-HIT"}
    assert done["gang"]["risk"] == pytest.approx(sum(r["contribution"] for r in reasons), abs=1e-3)
    assert done["gang"]["risk"] < 0.99
    _, body = gql(api.tokens["inv_gz"], rescreen, {"id": "GANG-NOPE"})
    assert codes(body) == ["NOT_FOUND"] and "no Gang with id 'GANG-NOPE'" in body["errors"][0]["message"]


def test_paths_between_two_subjects_come_with_their_edges_hop_by_hop(api: ApiServer, gql: Any) -> None:
    query = """query($a: ID!, $b: ID!, $n: Int!, $len: Int!, $t: [String!]) {
      paths(fromLabel: "Enterprise", fromId: $a, toLabel: "Enterprise", toId: $b, first: $n, maxLength: $len,
            types: $t) { types nodes { id label } edges { type source sourceLabel target targetLabel } } }"""
    token = api.tokens["inv_gz"]
    _, body = gql(token, query, {"a": uscc(1), "b": uscc(2), "n": 3, "len": 6, "t": None})
    found = body["data"]["paths"]
    assert 1 <= len(found) <= 3
    lengths = [len(p["types"]) for p in found]
    assert lengths == sorted(lengths)  # shortest first
    for path in found:
        assert (path["nodes"][0]["id"], path["nodes"][-1]["id"]) == (uscc(1), uscc(2))
        assert [e["type"] for e in path["edges"]] == path["types"]
        hops = zip(path["nodes"], path["nodes"][1:], strict=False)
        for (here, there), edge in zip(hops, path["edges"], strict=True):
            assert {(edge["sourceLabel"], edge["source"]), (edge["targetLabel"], edge["target"])} == {
                (here["label"], here["id"]),
                (there["label"], there["id"]),
            }  # each edge joins the two nodes of its hop
    _, body = gql(token, query, {"a": uscc(1), "b": uscc(2), "n": 3, "len": 9, "t": None})
    assert codes(body) == ["LIMIT_EXCEEDED"] and "maxLength" in body["errors"][0]["message"]
    _, body = gql(token, query, {"a": uscc(1), "b": uscc(2), "n": 3, "len": 6, "t": ["KNOWS"]})
    assert codes(body) == ["INVALID_INPUT"] and "KNOWS" in body["errors"][0]["message"]
    _, body = gql(token, query, {"a": uscc(1), "b": "nope", "n": 3, "len": 6, "t": None})
    assert codes(body) == ["NOT_FOUND"] and "no Enterprise with id 'nope'" in body["errors"][0]["message"]


def test_nodes_by_key_keep_the_order_asked_and_leave_out_what_a_unit_may_not_see(
    api: ApiServer, gql: Any
) -> None:
    query = "query($n: [String!]!) { nodesByKey(nodes: $n) { label id } }"
    keys = [
        "Case|C0001",
        f"Enterprise|{uscc(2)}",
        "Colour|red",
        "Enterprise|nope",
        f"Enterprise|{ENTERPRISE}",
    ]
    gz = gql(api.tokens["inv_gz"], query, {"n": keys})[1]["data"]["nodesByKey"]
    assert [(n["label"], n["id"]) for n in gz] == [
        ("Case", "C0001"),
        ("Enterprise", uscc(2)),
        ("Enterprise", ENTERPRISE),
    ]
    sz = gql(api.tokens["inv_sz"], query, {"n": keys})[1]["data"]["nodesByKey"]
    assert [n["id"] for n in sz] == [uscc(2), ENTERPRISE]  # the restricted case of GZ is not there
    _, body = gql(api.tokens["inv_gz"], query, {"n": [f"Enterprise|{i}" for i in range(2001)]})
    assert codes(body) == ["LIMIT_EXCEEDED"]
