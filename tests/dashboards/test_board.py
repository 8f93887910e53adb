"""The analysis centre's board: one element per id, whichever action brought it, and the canvas drawn
from it alone."""

from __future__ import annotations

from typing import Any

from dash import no_update

from dashboards import board as b
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
