"""The analysis centre's board: one element per id, whichever action brought it, and the canvas drawn
from it alone."""

from __future__ import annotations

from typing import Any

from dash import no_update

from dashboards import board as b
from dashboards.views import history
from dashboards.views.canvas import LAYOUT, relayout


def node(key: str, classes: str = "Enterprise", **data: Any) -> dict[str, Any]:
    return {
        "data": {"id": key, "label": key, "kind": key.split("|")[0], "nid": key, **data},
        "classes": classes,
    }


def edge(key: str, source: str, target: str) -> dict[str, Any]:
    return {
        "data": {"id": key, "source": source, "target": target, "label": "TRADES_WITH"},
        "classes": "TRADES_WITH",
    }


def test_a_member_reached_again_as_a_plain_node_stays_one_marked_node() -> None:
    member = node("Person|P1", "Person gang controller", size=40)
    plain = node("Person|P1", "Person tag-high")
    board = b.add(b.replaced([member]), [plain])
    drawn = b.drawn(board)
    assert len(drawn) == 1
    assert drawn[0]["classes"].split() == ["Person", "gang", "controller", "tag-high"]
    assert drawn[0]["data"]["size"] == 40
    first_plain = b.add(b.replaced([plain]), [member])  # the other order keeps the marks too
    assert set(b.drawn(first_plain)[0]["classes"].split()) == {"Person", "gang", "controller", "tag-high"}
    assert b.drawn(first_plain)[0]["data"]["size"] == 40


def test_a_new_path_takes_the_highlight_from_the_old_one_and_keeps_its_nodes() -> None:
    a, c, d = node("Enterprise|A"), node("Enterprise|C"), node("Enterprise|D")
    first = b.marked_only(
        b.replaced([a, node("Person|P1", "Person tag-high")]),
        "path",
        [a, c, edge("e1", "Enterprise|A", "Enterprise|C")],
    )
    assert {e["data"]["id"] for e in b.drawn(first) if "path" in e["classes"].split()} == {
        "Enterprise|A",
        "Enterprise|C",
        "e1",
    }
    second = b.marked_only(first, "path", [c, d, edge("e2", "Enterprise|C", "Enterprise|D")])
    marked = {e["data"]["id"] for e in b.drawn(second) if "path" in e["classes"].split()}
    assert marked == {"Enterprise|C", "Enterprise|D", "e2"}  # A and e1 stay, unmarked
    assert {e["data"]["id"] for e in b.drawn(second)} >= {"Enterprise|A", "e1", "Person|P1"}
    assert "tag-high" in next(e for e in b.drawn(second) if e["data"]["id"] == "Person|P1")["classes"]


def test_hidden_nodes_take_their_edges_and_kinds_with_them() -> None:
    board = b.replaced(
        [node("Enterprise|A"), node("Person|B", "Person"), edge("e1", "Enterprise|A", "Person|B")]
    )
    assert b.kinds(board) == ["Enterprise", "Person"] and b.node_count(board) == 2
    hidden = b.hide(board, ["Person|B"])
    assert [e["data"]["id"] for e in b.drawn(hidden)] == ["Enterprise|A"]
    assert b.kinds(hidden) == ["Enterprise"]
    assert b.node_count(b.add(hidden, [node("Person|B", "Person")])) == 2  # brought back, shown again


def test_a_pinned_node_is_locked_and_unpinned_again() -> None:
    board = b.pin(b.replaced([node("Enterprise|A")]), ["Enterprise|A"])
    shown = b.drawn(board)[0]
    assert shown["locked"] is True and "pinned" in shown["classes"]
    assert "locked" not in b.drawn(b.pin(board, ["Enterprise|A"]))[0]


def test_an_edge_to_a_node_not_on_the_board_is_not_drawn() -> None:
    board = b.replaced([node("Enterprise|A"), edge("e1", "Enterprise|A", "Enterprise|Z")])
    assert [e["data"]["id"] for e in b.drawn(board)] == ["Enterprise|A"]


def test_the_case_report_embeds_the_picture_and_escapes_every_value() -> None:
    from dashboards.views.report import report

    board = b.replaced(
        [
            node("Enterprise|A", "Enterprise gang core", label="<script>x</script>"),
            node("DriftEvent|D", "DriftEvent drift"),
            edge("e1", "DriftEvent|D", "Enterprise|A"),
        ]
    )
    page = report(board, "data:image/png;base64,AAAA", "案件报告 <b>", "demo_investigator")
    assert '<img class="canvas-picture"' in page and "data:image/png;base64,AAAA" in page
    assert "<script>x</script>" not in page and "&lt;script&gt;" in page
    assert "2 nodes (1 Enterprise, 1 DriftEvent), 1 ties" in page
    findings = page.split("class='findings'>")[1].split("</table>")[0]
    assert "DriftEvent" in findings and "Enterprise" not in findings
    assert "could not be read" in page  # no facts given: said, not left blank


def test_the_case_report_dates_each_node_by_its_own_date_and_names_its_source() -> None:
    from dashboards.views.report import report

    board = b.replaced(
        [node("Enterprise|A"), node("DriftEvent|D", "DriftEvent drift"), node("Declaration|X")]
    )
    facts: dict[str, dict[str, Any]] = {
        "Enterprise|A": {
            "name": "A <Co>",
            "registered_on": "2023-05-01",
            "source": "enterprises.csv",
            "source_line": 7,
            "ingested_at": "2026-01-02T03:04:05",
        },
        "DriftEvent|D": {
            "occurred_on": "2025-02-01",
            "detected_at": "2026-12-01T00:00:00",
            "source": "algorithms.drift",
        },
        "Declaration|X": {"date": "2024-09-30", "source": "declarations.csv", "source_line": 12},
    }
    page = report(board, None, "t", "me", facts)
    timeline = page.split("class='timeline'>")[1].split("</table>")[0]
    dates = [cell.split("<")[0] for cell in timeline.split("<tr><td>")[1:]]
    assert dates == ["2023-05-01", "2024-09-30", "2025-02-01"]  # oldest first, the drift on its own day
    assert "A &lt;Co&gt;" in timeline and "2026-12-01" not in timeline
    found = page.split("class='sources'>")[1].split("</table>")[0]
    assert "enterprises.csv:7" in found and "declarations.csv:12" in found and "algorithms.drift" in found


def test_the_layout_runs_again_only_when_elements_come_or_go() -> None:
    before = b.drawn(b.replaced([node("Enterprise|A"), node("Enterprise|B")]))
    pinned = b.drawn(b.pin(b.replaced([node("Enterprise|A"), node("Enterprise|B")]), ["Enterprise|A"]))
    assert relayout(LAYOUT, before, pinned) is no_update  # a pin changes no element: nodes stay put
    grown = b.drawn(
        b.replaced([node("Enterprise|A"), node("Enterprise|B"), edge("T|1", "Enterprise|A", "Enterprise|B")])
    )
    first = relayout(LAYOUT, before, grown)
    assert first["name"] == LAYOUT["name"] and first["run"] == 1
    second = relayout(first, grown, before)  # an element removed: a new layout prop, so it runs
    assert second["run"] == 2 and second != first
    assert relayout(None, None, before)["run"] == 1


def consignee_with(n: int) -> b.Board:
    """A consignee tied to ``n`` declarations, each declared at one port, and a firm trading with it."""
    hub, port = "Enterprise|C", "Port|P"
    elements = [node(hub), node(port, "Port"), node("Enterprise|T"), edge("t", "Enterprise|T", hub)]
    for i in range(n):
        key = f"Declaration|D{i}"
        elements += [node(key, "Declaration"), edge(f"c{i}", key, hub), edge(f"p{i}", key, port)]
    return b.replaced(elements)


def test_more_declarations_of_one_consignee_than_the_threshold_are_one_group_node() -> None:
    board = consignee_with(6)
    shown = b.drawn(board, above=5)
    groups = [e for e in shown if "folded" in (e.get("classes") or "")]
    assert [g["data"]["id"] for g in groups] == ["group:Declaration@Enterprise|C"]
    assert groups[0]["data"]["members"] == 6 and groups[0]["data"]["label"].startswith("6 ")
    assert "Declaration" in groups[0]["data"]["label"]
    nodes = sorted(e["data"]["id"] for e in shown if not b.is_edge(e))
    assert nodes == ["Enterprise|C", "Enterprise|T", "Port|P", "group:Declaration@Enterprise|C"]
    # the members' edges re-pointed to the group: one to the hub, one to the port (six ties each)
    ends = sorted(
        (e["data"]["source"], e["data"]["target"], e["data"].get("ties")) for e in shown if b.is_edge(e)
    )
    group = "group:Declaration@Enterprise|C"
    assert ends == [("Enterprise|T", "Enterprise|C", None), (group, "Enterprise|C", 6), (group, "Port|P", 6)]
    assert len(board["elements"]) == 3 + 1 + 6 * 3  # the members and their edges stay on the board
    assert b.node_count(board) == 9  # members counted one by one
    assert b.kinds(board) == ["Enterprise", "Port", "Declaration"]


def test_as_many_as_the_threshold_are_drawn_one_by_one() -> None:
    board = consignee_with(5)
    assert b.folds(board, above=5) == []
    assert b.drawn(board, above=5) == b.visible(board)


def test_a_declaration_is_folded_into_one_group_only_and_a_pinned_one_never() -> None:
    board = b.pin(consignee_with(8), ["Declaration|D0"])
    groups = b.folds(board, above=5)
    assert [(f.hub, len(f.members)) for f in groups] == [("Enterprise|C", 7)]  # not the port's too
    assert "Declaration|D0" not in groups[0].members
    assert "Declaration|D0" in {e["data"]["id"] for e in b.drawn(board, above=5)}


def test_unfolding_draws_the_members_and_folding_closes_the_group_again() -> None:
    board = consignee_with(30)  # above the configured threshold
    assert b.config()["fold_above"] < 30
    group = "group:Declaration@Enterprise|C"
    assert b.folded_count(board) == 1
    opened = b.unfold(board, group)
    assert b.folded_count(opened) == 0
    assert sorted(e["data"]["id"] for e in b.drawn(opened)) == sorted(
        e["data"]["id"] for e in b.visible(board)
    )
    assert b.fold(opened, "Declaration|D3") == board  # a member's Fold closes its group
    assert b.fold(opened, "Enterprise|C") == board  # and so does the hub's
    assert b.fold(opened, "Enterprise|T") == opened  # a node of no group changes nothing
    gone = b.hide(board, b.members(board, group))  # hiding the group hides its members
    assert b.folds(gone) == [] and b.node_count(gone) == 3


def test_a_fresh_page_has_nothing_to_undo_and_keeps_the_configured_number_of_boards() -> None:
    fresh = history.start()  # its steps run in the browser: tests/dashboards/test_workspace.py
    assert fresh == {"keep": b.config()["history_depth"], "past": [], "present": b.empty(), "future": []}
