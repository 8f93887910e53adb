"""Visibility by unit, from the ontology's rules, on every read: an officer of TJ never sees GZ's restricted
cases, watches or alerts (nor anything derived that names them), and cannot tell a hidden node from a
missing one. Each test also reads as GZ, which does see them, so none can pass by returning nothing."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import websockets

from alerts.outbox import open_outbox, publish_inapp
from tests.api.conftest import ApiServer
from tests.security.small_api import WORLD, ask, codes, messages, small_api

__all__ = ["ask", "small_api"]

NODE = "query($label: String!, $id: ID!) { node(label: $label, id: $id) { label id properties } }"
HOOD = (
    'query($id: ID!) { neighbourhood(label: "Enterprise", id: $id) '
    "{ nodes { label id } edges { type properties } } }"
)


def gz_only() -> dict[str, str]:
    return {"Case": "C00006", "Watch": WORLD["watch"], "Alert": WORLD["alert"]}


def labelled(nodes: list[dict[str, Any]]) -> set[tuple[str, str]]:
    return {(n["label"], n["id"]) for n in nodes}


def test_relations_check_their_start_nodes(ask: Any) -> None:
    query = 'query($ids: [ID!]!) { relations(label: "Case", ids: $ids) { nodes { label id properties } edges { type } } }'
    _, gz = ask("inv_gz", query, {"ids": ["C00006"]})
    assert ("Enterprise", WORLD["gz_suspect"]) in labelled(gz["data"]["relations"][0]["nodes"])
    _, tj = ask("inv_tj", query, {"ids": ["C00006", "C99999", "C00005"]})
    hidden, missing, own = tj["data"]["relations"]
    assert hidden == missing == {"nodes": [], "edges": []}
    assert ("Case", "C00005") in labelled(own["nodes"])  # TJ's own restricted case
    nested = 'query($id: ID!) { node(label: "Enterprise", id: $id) { relations(first: 200) { nodes { label id } } } }'
    _, body = ask("inv_tj", nested, {"id": WORLD["gz_suspect"]})
    seen = labelled(body["data"]["node"]["relations"]["nodes"])
    assert not seen & {(label, i) for label, i in gz_only().items()}
    _, body = ask("inv_gz", nested, {"id": WORLD["gz_suspect"]})
    assert {(label, i) for label, i in gz_only().items()} <= labelled(
        body["data"]["node"]["relations"]["nodes"]
    )


def test_watches_and_alerts_of_another_unit_are_not_found_by_id(ask: Any) -> None:
    for label, node_id in gz_only().items():
        _, gz = ask("inv_gz", NODE, {"label": label, "id": node_id})
        assert gz["data"]["node"]["id"] == node_id
        _, hidden = ask("inv_tj", NODE, {"label": label, "id": node_id})
        _, missing = ask("inv_tj", NODE, {"label": label, "id": "nope-0000"})
        assert hidden["data"] is None and codes(hidden) == codes(missing) == ["NOT_FOUND"]
        assert messages(hidden, node_id) == messages(missing, "nope-0000")
    _, watch = ask("inv_gz", NODE, {"label": "Watch", "id": WORLD["watch"]})
    assert watch["data"]["node"]["properties"]["email"] == "officer.gz@customs.example"


def test_neighbourhoods_leave_out_what_the_unit_may_not_see(ask: Any) -> None:
    for subject in ("gz_suspect", "tj_suspect"):
        _, gz = ask("inv_gz", HOOD, {"id": WORLD[subject]})
        _, tj = ask("inv_tj", HOOD, {"id": WORLD[subject]})
        gz_nodes, tj_nodes = (
            labelled(gz["data"]["neighbourhood"]["nodes"]),
            labelled(tj["data"]["neighbourhood"]["nodes"]),
        )
        assert ("Alert", WORLD["alert"]) in gz_nodes and ("Alert", WORLD["alert"]) not in tj_nodes
        assert not {label for label, _ in tj_nodes} & {"Watch", "Alert"}
    assert ("Watch", WORLD["watch"]) in labelled(
        ask("inv_gz", HOOD, {"id": WORLD["gz_suspect"]})[1]["data"]["neighbourhood"]["nodes"]
    )
    _, tj = ask("inv_tj", HOOD, {"id": WORLD["tj_suspect"]})
    assert ("Case", "C00005") in labelled(tj["data"]["neighbourhood"]["nodes"])


def test_paths_and_relation_strength_do_not_pass_through_hidden_nodes(ask: Any) -> None:
    query = (
        'query($a: ID!, $b: ID!) { relationStrength(fromLabel: "Enterprise", fromId: $a, toLabel: "Enterprise", '
        "toId: $b) { score explanation paths { nodes { label id } types } } }"
    )
    ids = {"a": WORLD["gz_suspect"], "b": WORLD["tj_suspect"]}
    _, gz = ask("inv_gz", query, ids)
    gz_paths = gz["data"]["relationStrength"]["paths"]
    # relation strength walks only the ties between subjects: an alert or a watch is never a tie
    assert gz_paths and all(
        not {label for label, _ in labelled(p["nodes"])} & {"Watch", "Alert"} for p in gz_paths
    )
    _, tj = ask("inv_tj", query, ids)
    strength = tj["data"]["relationStrength"]
    for path in strength["paths"]:
        assert not {label for label, _ in labelled(path["nodes"])} & {"Watch", "Alert"}
        assert ("Case", "C00006") not in labelled(path["nodes"])
    text = " ".join(strength["explanation"])
    assert WORLD["alert"] not in text and "C00006" not in text and "Alert:" not in text


def test_profile_counts_only_visible_neighbours(ask: Any) -> None:
    query = 'query($id: ID!) { profile(label: "Enterprise", id: $id) { relationCounts } }'
    gz = ask("inv_gz", query, {"id": WORLD["gz_suspect"]})[1]["data"]["profile"]["relationCounts"]
    tj = ask("inv_tj", query, {"id": WORLD["gz_suspect"]})[1]["data"]["profile"]["relationCounts"]
    assert gz["WATCHES"] == 1 and gz["ALERT_ON"] == 1 and gz["INVOLVED_IN"] >= 1
    assert "WATCHES" not in tj and "ALERT_ON" not in tj
    assert tj.get("INVOLVED_IN", 0) == gz["INVOLVED_IN"] - 1  # C00006 is GZ's restricted case


def test_tag_evidence_never_names_a_hidden_case(ask: Any) -> None:
    query = 'query($id: ID!) { subjectTags(label: "Enterprise", id: $id) { code evidence } }'
    gz = ask("inv_gz", query, {"id": WORLD["gz_suspect"]})[1]["data"]["subjectTags"]
    tj = ask("inv_tj", query, {"id": WORLD["gz_suspect"]})[1]["data"]["subjectTags"]
    assert any("Case:C00006" in e for t in gz for e in t["evidence"])
    assert {t["code"] for t in tj} == {t["code"] for t in gz}  # the tags stay; their hidden evidence goes
    assert not any("C00006" in e for t in tj for e in t["evidence"])
    edges = ask("inv_tj", HOOD, {"id": WORLD["gz_suspect"]})[1]["data"]["neighbourhood"]["edges"]
    tagged = [e for e in edges if e["type"] == "HAS_TAG"]
    assert tagged and "C00006" not in json.dumps(tagged)
    own = ask("inv_gz", HOOD, {"id": WORLD["gz_suspect"]})[1]["data"]["neighbourhood"]["edges"]
    assert "Case:C00006" in json.dumps([e for e in own if e["type"] == "HAS_TAG"])
    alert = ask("admin_hq", NODE, {"label": "Alert", "id": WORLD["alert"]})[1]["data"]["node"]
    assert "Case:C00006" in alert["properties"]["evidence"]


def test_timelines_and_search_leave_out_hidden_cases(ask: Any) -> None:
    timeline = 'query($id: ID!) { timeline(label: "Enterprise", id: $id) }'
    gz = ask("inv_gz", timeline, {"id": WORLD["gz_suspect"]})[1]["data"]["timeline"]
    tj = ask("inv_tj", timeline, {"id": WORLD["gz_suspect"]})[1]["data"]["timeline"]
    assert any(e["id"] == "C00006" for e in gz) and any(e["id"] == WORLD["alert"] for e in gz)
    assert not any(e["id"] in ("C00006", WORLD["alert"]) for e in tj)
    title = ask("inv_gz", NODE, {"label": "Case", "id": "C00006"})[1]["data"]["node"]["properties"]["title"]
    search = 'query($t: String!) { search(text: $t, labels: ["Case"]) { edges { node { id } } } }'
    assert [e["node"]["id"] for e in ask("inv_gz", search, {"t": title})[1]["data"]["search"]["edges"]] == [
        "C00006"
    ]
    assert ask("inv_tj", search, {"t": title})[1]["data"]["search"]["edges"] == []
    assert ask("inv_tj", search, {"t": "C00006"})[1]["data"]["search"]["edges"] == []
    marks = "query($n: [String!]!) { riskMarks(nodes: $n) }"
    assert ask("inv_tj", marks, {"n": ["Enterprise|" + WORLD["gz_suspect"], "Case|C00006"]})[1]["data"][
        "riskMarks"
    ].keys() <= {"Enterprise|" + WORLD["gz_suspect"]}


def test_hidden_and_missing_answer_the_same_to_mutations(ask: Any) -> None:
    calls = {
        "addCustomTag": (
            'mutation($id: String!) { addCustomTag(label: "Case", id: $id, tag: "x") { id } }',
            "C00006",
        ),
        "acknowledgeAlert": ("mutation($id: ID!) { acknowledgeAlert(id: $id) { id } }", WORLD["alert"]),
        "assignAlert": (
            'mutation($id: ID!) { assignAlert(id: $id, assignee: "inv_tj") { id } }',
            WORLD["alert"],
        ),
        "closeAlert": ('mutation($id: ID!) { closeAlert(id: $id, reason: "x") { id } }', WORLD["alert"]),
        "commentAlert": ('mutation($id: ID!) { commentAlert(id: $id, text: "x") { id } }', WORLD["alert"]),
        "tuneWatch": ("mutation($id: ID!) { tuneWatch(id: $id, muted: true) { id } }", WORLD["watch"]),
        "subjectTags": ('query($id: ID!) { subjectTags(label: "Case", id: $id) { code } }', "C00006"),
    }
    for name, (query, hidden_id) in calls.items():
        _, hidden = ask("inv_tj", query, {"id": hidden_id})
        _, missing = ask("inv_tj", query, {"id": "nope-0000"})
        assert codes(hidden) == codes(missing) == ["NOT_FOUND"], (name, hidden, missing)
        assert messages(hidden, hidden_id) == messages(missing, "nope-0000"), name
    # the owning unit may do each of them
    assert ask("inv_gz", calls["addCustomTag"][0], {"id": "C00006"})[1]["data"]["addCustomTag"]["id"]
    assert ask("inv_gz", calls["tuneWatch"][0], {"id": WORLD["watch"]})[1]["data"]["tuneWatch"]["id"]
    assert ask("inv_gz", calls["acknowledgeAlert"][0], {"id": WORLD["alert"]})[1]["data"]["acknowledgeAlert"]
    assert ask("inv_gz", calls["commentAlert"][0], {"id": WORLD["alert"]})[1]["data"]["commentAlert"]["id"]
    assert ask("inv_gz", calls["subjectTags"][0], {"id": "C00006"})[1]["data"]["subjectTags"] == []
    watch = 'mutation($id: String!) { createWatch(watch: {targetLabel: "Enterprise", targetId: $id}) { id } }'
    assert ask("inv_tj", watch, {"id": WORLD["tj_suspect"]})[1]["data"]["createWatch"]["id"]


def test_an_alert_subscription_delivers_only_alerts_the_subscriber_may_see(small_api: ApiServer) -> None:
    """An administrator of GZ is sent the in-app events of every recipient, but only GZ's alerts."""

    async def first_alert(user: str) -> dict[str, Any]:
        url = small_api.url.replace("http", "ws") + "/graphql"
        async with websockets.connect(url, subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
            token = small_api.tokens[user]
            await ws.send(
                json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}})
            )
            assert json.loads(await ws.recv())["type"] == "connection_ack"
            await ws.send(
                json.dumps({"id": "1", "type": "subscribe", "payload": {"query": "subscription { alerts }"}})
            )
            await asyncio.sleep(0.8)
            outbox = open_outbox(small_api.settings)
            tj_alert = {"id": "alert_tj_1", "unit": "TJ", "title": "TJ", "evidence": ["Case:C00005"]}
            publish_inapp(outbox, "alerts", "inv_tj", {"alert": tj_alert})
            gz_alert = {"id": WORLD["alert"], "unit": "GZ", "title": "GZ", "evidence": ["Case:C00006"]}
            publish_inapp(outbox, "alerts", "inv_gz", {"alert": gz_alert})
            message = json.loads(await asyncio.wait_for(ws.recv(), timeout=10))
            return message["payload"]["data"]["alerts"]["alert"]  # type: ignore[no-any-return]

    assert asyncio.run(first_alert("admin_gz"))["unit"] == "GZ"
    assert asyncio.run(first_alert("admin_hq"))["unit"] == "TJ"  # headquarters sees every unit


def test_case_files_reopen_with_only_what_the_unit_sees(ask: Any) -> None:
    """A case file keeps the canvas as saved, but a node the unit may not see (now) is not shown again."""
    tj_case, own_case, ent = "Case|C00005", "Case|C00007", "Enterprise|" + WORLD["gz_suspect"]
    view = {
        "elements": [
            {"data": {"id": tj_case, "kind": "Case", "nid": "C00005", "label": "天津"}},
            {"data": {"id": own_case, "kind": "Case", "nid": "C00007", "label": "广州"}},
            {"data": {"id": ent, "kind": "Enterprise", "nid": WORLD["gz_suspect"]}},
            {"data": {"id": "e1", "source": ent, "target": tj_case}},
            {"data": {"id": "e2", "source": ent, "target": own_case}},
        ]
    }
    saved = ask("inv_gz", 'mutation($v: JSON!) { saveCaseFile(name: "f", view: $v) { id } }', {"v": view})
    reopen = "query($id: Int!) { caseFile(id: $id) { view } }"
    shown = ask("inv_gz", reopen, {"id": saved[1]["data"]["saveCaseFile"]["id"]})[1]["data"]["caseFile"][
        "view"
    ]
    assert [e["data"]["id"] for e in shown["elements"]] == [own_case, ent, "e2"]
