"""The analysis centre's one store of what is on the canvas, keyed by element id.

Every action (load, expand, draw a gang, open a drift event, hide, pin, reopen a case file) changes the
board; the canvas is drawn from it alone (``drawn``). A node that arrives twice is one node: its classes
are the union of both arrivals and its data keeps what it had, taking only new keys, so a gang member
stays marked as a member when a neighbourhood brings it again as a plain node.

The board is plain JSON (a ``dcc.Store``): ``{"elements": {id: element}, "hidden": [id, ...],
"pinned": [id, ...]}``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

Element = dict[str, Any]
Board = dict[str, Any]


def empty() -> Board:
    return {"elements": {}, "hidden": [], "pinned": []}


def is_edge(element: Element) -> bool:
    return "source" in element["data"]


def _classes(element: Element) -> list[str]:
    return [c for c in str(element.get("classes") or "").split() if c]


def combined(old: Element, new: Element) -> Element:
    """One element from two arrivals of the same id: classes united, data kept with new keys added."""
    classes = _classes(old) + [c for c in _classes(new) if c not in _classes(old)]
    data = {**new["data"], **old["data"]}
    for key in ("size",):  # a drawing's emphasis (a member's size) is kept whichever came first
        if key in new["data"] and key not in old["data"]:
            data[key] = new["data"][key]
    return {**old, "data": data, "classes": " ".join(classes)}


def add(board: Board | None, elements: Iterable[Element]) -> Board:
    """The board with ``elements`` added (an element already there is combined, never duplicated)."""
    out = _copy(board)
    held = out["elements"]
    elements = list(elements)
    for element in elements:
        key = element["data"]["id"]
        held[key] = combined(held[key], element) if key in held else element
    out["hidden"] = [h for h in out["hidden"] if h not in {e["data"]["id"] for e in elements}]
    return out


def replaced(elements: Iterable[Element]) -> Board:
    """A board holding only ``elements`` (duplicates combined)."""
    return add(empty(), list(elements))


def hide(board: Board | None, ids: Iterable[str]) -> Board:
    out = _copy(board)
    out["hidden"] = sorted(set(out["hidden"]) | set(ids))
    return out


def pin(board: Board | None, ids: Iterable[str]) -> Board:
    """Pinned nodes keep their place when the layout runs again (toggled)."""
    out = _copy(board)
    pinned = set(out["pinned"])
    out["pinned"] = sorted(pinned ^ set(ids))
    return out


def drawn(board: Board | None) -> list[Element]:
    """The canvas's elements: the board's visible nodes, and the edges whose both ends are visible."""
    if not board:
        return []
    hidden, pinned = set(board.get("hidden") or []), set(board.get("pinned") or [])
    nodes = [e for e in board["elements"].values() if not is_edge(e) and e["data"]["id"] not in hidden]
    shown = {e["data"]["id"] for e in nodes}
    out: list[Element] = []
    for node in nodes:
        if node["data"]["id"] in pinned:
            node = {**node, "classes": f"{node.get('classes', '')} pinned".strip(), "locked": True}
        out.append(node)
    out += [
        e
        for e in board["elements"].values()
        if is_edge(e) and e["data"]["source"] in shown and e["data"]["target"] in shown
    ]
    return out


def kinds(board: Board | None) -> list[str]:
    """The node kinds (ontology labels) on the canvas, in order of first appearance."""
    seen: dict[str, None] = {}
    for element in drawn(board):
        if not is_edge(element):
            seen.setdefault(element["data"].get("kind") or "", None)
    return [k for k in seen if k]


def node_count(board: Board | None) -> int:
    return sum(1 for e in drawn(board) if not is_edge(e))


def _copy(board: Board | None) -> Board:
    board = board or empty()
    return {
        "elements": dict(board.get("elements") or {}),
        "hidden": list(board.get("hidden") or []),
        "pinned": list(board.get("pinned") or []),
    }
