"""The analysis centre's one store of what is on the canvas, keyed by element id.

Every action (load, expand, draw a gang, open a drift event, hide, pin, reopen a case file) changes the
board; the canvas is drawn from it alone (``drawn``). A node that arrives twice is one node: its classes
are the union of both arrivals and its data keeps what it had, taking only new keys, so a gang member
stays marked as a member when a neighbourhood brings it again as a plain node.

Many nodes of one label tied to one node (a consignee's 200 declarations) are drawn folded: one group
node tied to that hub, the members' other ties re-pointed to it (``folds``). The members stay on the
board; the officer unfolds a group (its id goes to ``"open"``) and folds it again.

The board is plain JSON (a ``dcc.Store``): ``{"elements": {id: element}, "hidden": [id, ...],
"pinned": [id, ...], "open": [group id, ...]}``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import yaml

from ontology import get_ontology
from tianji.core.resources import package_path

Element = dict[str, Any]
Board = dict[str, Any]


GROUP = "group:"  # the id of a group node: GROUP + label + "@" + the hub's id (no "|": not a subject)


@lru_cache(maxsize=1)
def config() -> dict[str, Any]:
    """The canvas's settings (``dashboards/data/canvas.yaml``)."""
    return dict(yaml.safe_load(package_path("dashboards", "data", "canvas.yaml").read_text(encoding="utf-8")))


def empty() -> Board:
    return {"elements": {}, "hidden": [], "pinned": [], "open": []}


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


def marked_only(board: Board | None, mark: str, elements: Iterable[Element]) -> Board:
    """The board with ``elements`` added, each carrying the class ``mark``, and the mark taken from every
    element that had it before (a new path drawn replaces the old path's highlight, not its nodes)."""
    out = _copy(board)
    for key, element in out["elements"].items():
        if mark in _classes(element):
            out["elements"][key] = {**element, "classes": " ".join(c for c in _classes(element) if c != mark)}
    return add(out, [{**e, "classes": " ".join([*_classes(e), mark])} for e in elements])


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


def visible(board: Board | None) -> list[Element]:
    """The board's visible nodes, and the edges whose both ends are visible (no group folded)."""
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


@dataclass(frozen=True)
class Fold:
    """Nodes of one label tied to one hub, drawn as one group node unless the officer opened it."""

    hub: str
    label: str
    members: frozenset[str]
    opened: bool

    @property
    def id(self) -> str:
        return f"{GROUP}{self.label}@{self.hub}"


def group_id(hub: str, label: str) -> str:
    return f"{GROUP}{label}@{hub}"


def folds(board: Board | None, above: int | None = None) -> list[Fold]:
    """The groups of the board's visible nodes: for each node (a hub) and label, the nodes of that label
    tied to it, when more than ``above`` (``canvas.yaml``'s ``fold_above``). Largest first, a node is in
    one group at most, a hub is never a member, and a pinned node is never folded."""
    limit = int(config()["fold_above"]) if above is None else above
    shown = visible(board)
    nodes = {e["data"]["id"]: e for e in shown if not is_edge(e)}
    pinned, opened = set((board or {}).get("pinned") or []), set((board or {}).get("open") or [])
    ties: dict[tuple[str, str], set[str]] = {}
    for e in shown:
        if is_edge(e):
            for hub, other in (
                (e["data"]["source"], e["data"]["target"]),
                (e["data"]["target"], e["data"]["source"]),
            ):
                kind = nodes[other]["data"].get("kind") or ""
                if hub != other and kind and other not in pinned:
                    ties.setdefault((hub, kind), set()).add(other)
    out: list[Fold] = []
    taken: set[str] = set()
    hubs: set[str] = set()
    for (hub, label), members in sorted(ties.items(), key=lambda t: (-len(t[1]), t[0])):
        if len(members) <= limit or hub in taken:
            continue
        left = members - taken - hubs
        if len(left) > limit:
            out.append(Fold(hub, label, frozenset(left), group_id(hub, label) in opened))
            taken |= left
            hubs.add(hub)
    return out


def drawn(board: Board | None, above: int | None = None) -> list[Element]:
    """The canvas's elements: the visible ones, each closed group (``folds``) drawn as one node of class
    ``folded`` in place of its members, their edges re-pointed to it (one edge per type and end)."""
    shown = visible(board)
    closed = [f for f in folds(board, above) if not f.opened]
    into = {m: f.id for f in closed for m in f.members}
    if not into:
        return shown
    onto = get_ontology()
    out: list[Element] = [e for e in shown if not is_edge(e) and e["data"]["id"] not in into]
    for f in closed:
        name = onto.node(f.label).name_zh if f.label in onto.nodes else ""
        caption = " ".join(p for p in (f"{len(f.members):,}", name, f.label) if p)
        out.append(
            {
                "data": {
                    "id": f.id,
                    "label": caption,
                    "group": f.label,
                    "hub": f.hub,
                    "members": len(f.members),
                },
                "classes": f"folded {f.label}",
            }
        )
    edges: dict[str, Element] = {}
    for e in shown:
        if not is_edge(e):
            continue
        source, target = (into.get(e["data"][end], e["data"][end]) for end in ("source", "target"))
        if source == target:
            continue
        if (source, target) == (e["data"]["source"], e["data"]["target"]):
            edges[e["data"]["id"]] = e
            continue
        key = f"{source}>{target}:{e['data'].get('label') or ''}"
        if key in edges:
            edges[key]["data"]["ties"] += 1
        else:
            edges[key] = {
                **e,
                "data": {**e["data"], "id": key, "source": source, "target": target, "ties": 1},
            }
    return out + list(edges.values())


def unfold(board: Board | None, group: str) -> Board:
    """The board with ``group`` (a group node's id) drawn as its members."""
    out = _copy(board)
    out["open"] = sorted(set(out["open"]) | {group})
    return out


def fold(board: Board | None, key: str) -> Board:
    """The board with the groups that ``key`` (a node's id: a member or the hub) is part of folded again."""
    out = _copy(board)
    mine = {f.id for f in folds(board) if key == f.hub or key in f.members}
    out["open"] = [g for g in out["open"] if g not in mine]
    return out


def members(board: Board | None, group: str) -> list[str]:
    """The ids of the nodes in ``group`` (a group node's id), none when no such group is drawn."""
    return sorted(m for f in folds(board) if f.id == group for m in f.members)


def kinds(board: Board | None) -> list[str]:
    """The node kinds (ontology labels) on the canvas, a folded group's label among them, in order of
    first appearance."""
    seen: dict[str, None] = {}
    for element in drawn(board):
        if not is_edge(element):
            seen.setdefault(element["data"].get("kind") or element["data"].get("group") or "", None)
    return [k for k in seen if k]


def node_count(board: Board | None) -> int:
    """The board's visible nodes, a folded group's members counted one by one."""
    return sum(1 for e in visible(board) if not is_edge(e))


def folded_count(board: Board | None) -> int:
    return sum(1 for f in folds(board) if not f.opened)


def _copy(board: Board | None) -> Board:
    board = board or empty()
    return {
        "elements": dict(board.get("elements") or {}),
        "hidden": list(board.get("hidden") or []),
        "pinned": list(board.get("pinned") or []),
        "open": list(board.get("open") or []),
    }
