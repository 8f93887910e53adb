"""Comments on alerts in the graph: a Comment node on COMMENT_ON, of the alert's unit, text checked."""

from __future__ import annotations

import pytest

from alerts.comments import MAX_TEXT, add_comment
from alerts.findings import Finding
from alerts.raising import AlertError, raise_alert
from graph.store import GraphStore


def _alert(store: GraphStore) -> str:
    watch = {"id": "watch_c", "owner": "li.wei", "unit": "GZ"}
    return raise_alert(store, watch, Finding("new_port", "new_port:1", 4, "new port"), scan_id="s")[0]["id"]


def test_a_comment_is_a_node_of_the_alerts_unit_joined_to_it(store: GraphStore) -> None:
    alert = _alert(store)
    first = add_comment(store, alert, "li.wei", " same agent as last week \n")
    second = add_comment(store, alert, "hq.chen", "keep it open")  # headquarters writes on GZ's alert
    assert first["labels"] == ["Comment"] and first["properties"]["text"] == "same agent as last week"
    assert {first["properties"]["unit"], second["properties"]["unit"]} == {"GZ"}  # the alert's unit
    rows = store.query(
        "MATCH (c:Comment)-[:COMMENT_ON]->(:Alert {id: $id}) RETURN c.author AS author ORDER BY author",
        {"id": alert},
        read_only=True,
    )
    assert [r["author"] for r in rows] == ["hq.chen", "li.wei"]
    assert first["properties"]["commented_at"] <= second["properties"]["commented_at"]
    assert first["id"] < second["id"]  # keys ordered as written, within one second too


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "needs some text"),
        (" \t\n", "needs some text"),
        ("x" * (MAX_TEXT + 1), "at most 4000 characters"),
    ],
)
def test_empty_and_overlong_comments_are_refused(store: GraphStore, text: str, message: str) -> None:
    alert = _alert(store)
    with pytest.raises(AlertError, match=message):
        add_comment(store, alert, "li.wei", text)
    assert store.count("Comment") == 0


def test_a_comment_on_no_alert_is_refused(store: GraphStore) -> None:
    with pytest.raises(AlertError, match="does not exist"):
        add_comment(store, "alert_nope", "li.wei", "hello")
    assert store.count("Comment") == 0
