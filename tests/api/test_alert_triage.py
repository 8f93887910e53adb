"""Alert triage over real HTTP: filters and counts by status, assignment within the alert's unit, comments
(written as the signed-in officer, seen by the alert's unit only, audited), on alerts raised in the graph."""

from __future__ import annotations

import json
from typing import Any

import pytest

from alerts.findings import Finding
from alerts.raising import close, raise_alert
from api.audit import entries, open_audit
from tests.api.conftest import ApiServer, codes
from tests.ingest.builders import uscc

TRIAGE = """query($status: [String!], $mine: Boolean!, $assignee: String, $unassigned: Boolean!, $sev: Int) {
  alerts(status: $status, mine: $mine, assignee: $assignee, unassigned: $unassigned, minSeverity: $sev) {
    id status severity assignee }
  alertCounts(mine: $mine, assignee: $assignee, unassigned: $unassigned, minSeverity: $sev) {
    status count open } }"""
COMMENT = """mutation Note($id: ID!, $text: String!) { commentAlert(id: $id, text: $text) {
  id author text commentedAt unit } }"""
COMMENTS = (
    """query($id: ID!) { node(label: "Alert", id: $id) { ... on Alert { comments { author text } } } }"""
)
ASSIGN = (
    """mutation($id: ID!, $who: String!) { assignAlert(id: $id, assignee: $who) { id status assignee } }"""
)


def variables(**given: Any) -> dict[str, Any]:
    return {"status": None, "mine": False, "assignee": None, "unassigned": False, "sev": None, **given}


@pytest.fixture(scope="module")
def raised(api: ApiServer) -> dict[str, str]:
    """Four alerts of GZ's watch (severities 2 to 5, the last closed) and one of SZ's, by name."""
    gz = {"id": "watch_triage_gz", "owner": "inv_gz", "unit": "GZ"}
    sz = {"id": "watch_triage_sz", "owner": "inv_sz", "unit": "SZ"}
    out = {}
    for n, severity in enumerate((2, 3, 4, 5)):
        finding = Finding("new_port", f"new_port:{n}", severity, f"GZ alert {n}", {"Enterprise": {uscc(1)}})
        out[f"gz{n}"] = raise_alert(api.store, gz, finding, scan_id="triage")[0]["id"]
    close(api.store, out["gz3"], "checked: the port is the firm's new branch")
    finding = Finding("new_port", "new_port:sz", 4, "SZ alert", {"Enterprise": {uscc(2)}})
    out["sz"] = raise_alert(api.store, sz, finding, scan_id="triage")[0]["id"]
    return out


def test_alerts_filter_and_count_by_status(api: ApiServer, gql: Any, raised: dict[str, str]) -> None:
    token = api.tokens["inv_gz"]
    _, body = gql(token, TRIAGE, variables())
    listed = {a["id"] for a in body["data"]["alerts"]}
    assert {raised[f"gz{n}"] for n in range(4)} <= listed and raised["sz"] not in listed  # GZ's only
    counts = {c["status"]: c["count"] for c in body["data"]["alertCounts"]}
    assert counts["closed"] >= 1 and sum(counts.values()) == len(body["data"]["alerts"])
    _, body = gql(token, TRIAGE, variables(status=["open"], sev=4))
    assert [a["id"] for a in body["data"]["alerts"]] == [raised["gz2"]]  # severity 4, open (gz3 is closed)
    assert body["data"]["alertCounts"] == [  # every status, in triage order, those still to handle marked
        {"status": "open", "count": 1, "open": True},
        {"status": "acknowledged", "count": 0, "open": True},
        {"status": "assigned", "count": 0, "open": True},
        {"status": "closed", "count": 1, "open": False},
    ]
    assert gql(token, ASSIGN, {"id": raised["gz0"], "who": "analyst_gz"})[1]["data"]["assignAlert"] == {
        "id": raised["gz0"],
        "status": "assigned",
        "assignee": "analyst_gz",
    }
    _, body = gql(token, TRIAGE, variables(assignee="analyst_gz"))
    assert [a["id"] for a in body["data"]["alerts"]] == [raised["gz0"]]
    _, body = gql(token, TRIAGE, variables(unassigned=True))
    unassigned = {a["id"] for a in body["data"]["alerts"]}
    assert raised["gz0"] not in unassigned and raised["gz1"] in unassigned
    assert all(a["assignee"] is None for a in body["data"]["alerts"])
    _, body = gql(api.tokens["analyst_gz"], TRIAGE, variables(mine=True))
    assert [a["id"] for a in body["data"]["alerts"]] == [raised["gz0"]]  # assigned to the analyst


def test_alerts_are_assigned_only_to_officers_of_their_unit(
    api: ApiServer, gql: Any, raised: dict[str, str]
) -> None:
    token = api.tokens["inv_gz"]
    _, body = gql(token, "{ officers { name unit } }")
    assert {o["name"] for o in body["data"]["officers"]} == {"inv_gz", "analyst_gz", "admin_hq"}
    for who in ("inv_sz", "svc", "nobody"):  # another unit's officer, a service account, no one
        _, body = gql(token, ASSIGN, {"id": raised["gz1"], "who": who})
        assert (
            codes(body) == ["INVALID_INPUT"]
            and "no active officer of unit GZ" in body["errors"][0]["message"]
        )
    _, body = gql(token, ASSIGN, {"id": raised["gz3"], "who": "inv_gz"})
    assert codes(body) == ["INVALID_INPUT"] and "is closed" in body["errors"][0]["message"]
    assert api.store.node("Alert", raised["gz1"])["properties"].get("assignee") is None  # type: ignore[index]


def test_a_comment_is_the_officers_own_listed_on_the_alert_and_audited(
    api: ApiServer, gql: Any, raised: dict[str, str]
) -> None:
    token = api.tokens["inv_gz"]
    _, body = gql(
        token, COMMENT, {"id": raised["gz1"], "text": "  同一货代, 与上周相同 same agent as last week  "}
    )
    comment = body["data"]["commentAlert"]
    assert comment["author"] == "inv_gz" and comment["unit"] == "GZ"
    assert comment["text"] == "同一货代, 与上周相同 same agent as last week"  # trimmed
    assert comment["commentedAt"][:2] == "20" and "T" in comment["commentedAt"]
    gql(api.tokens["admin_hq"], COMMENT, {"id": raised["gz1"], "text": "HQ: keep it open"})
    _, body = gql(token, COMMENTS, {"id": raised["gz1"]})
    assert body["data"]["node"]["comments"] == [
        {"author": "inv_gz", "text": "同一货代, 与上周相同 same agent as last week"},
        {"author": "admin_hq", "text": "HQ: keep it open"},  # headquarters' note, read by the unit
    ]
    _, body = gql(token, COMMENT, {"id": raised["gz3"], "text": "closed, and rightly"})
    assert body["data"]["commentAlert"]["author"] == "inv_gz"  # a closed alert still takes comments
    audited = [
        e
        for e in entries(open_audit(api.settings), user="inv_gz", limit=200)
        if e["operation_name"] == "Note"
    ]
    assert audited and audited[-1]["outcome"] == "ok" and audited[-1]["operation_type"] == "mutation"
    assert json.loads(audited[-1]["variables"]) == {"id": raised["gz3"], "text": "closed, and rightly"}


@pytest.mark.parametrize("text", ["", "   \n "])
def test_an_empty_comment_is_refused(api: ApiServer, gql: Any, raised: dict[str, str], text: str) -> None:
    _, body = gql(api.tokens["inv_gz"], COMMENT, {"id": raised["gz2"], "text": text})
    assert codes(body) == ["INVALID_INPUT"] and "needs some text" in body["errors"][0]["message"]
    assert gql(api.tokens["inv_gz"], COMMENTS, {"id": raised["gz2"]})[1]["data"]["node"]["comments"] == []


def test_another_units_officer_may_neither_comment_nor_read_the_comments(
    api: ApiServer, gql: Any, raised: dict[str, str]
) -> None:
    token = api.tokens["inv_sz"]
    _, hidden = gql(token, COMMENT, {"id": raised["gz2"], "text": "SZ was here"})
    _, missing = gql(token, COMMENT, {"id": "alert_nope", "text": "SZ was here"})
    assert codes(hidden) == codes(missing) == ["NOT_FOUND"]  # hidden and missing alike
    assert hidden["errors"][0]["message"].replace(raised["gz2"], "…") == missing["errors"][0][
        "message"
    ].replace("alert_nope", "…")
    written = api.store.query(
        "MATCH (c:Comment)-[:COMMENT_ON]->(:Alert {id: $id}) RETURN count(c) AS n", {"id": raised["gz2"]}
    )
    assert written[0]["n"] == 0
    gql(api.tokens["inv_gz"], COMMENT, {"id": raised["gz2"], "text": "GZ only"})
    _, body = gql(token, COMMENTS, {"id": raised["gz2"]})
    assert body["data"] is None and codes(body) == ["NOT_FOUND"]
    _, body = gql(token, "{ alerts(first: 100) { id comments { text } } }")
    assert raised["gz2"] not in {a["id"] for a in body["data"]["alerts"]}
    assert all(c["text"] != "GZ only" for a in body["data"]["alerts"] for c in a["comments"])
