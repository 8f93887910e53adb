"""The graph canvas of the analysis centre, drawn from the board (``dashboards.board``) alone.

Each action is its own callback writing the board: a search hit or the toolbar's search loads a
subject, a tap expands a node (depth and relation types chosen above the canvas), the gang picker draws
a gang, a drift event's button adds the event with its evidence, the context menu expands by kind of
tie, hides, pins or puts a node under watch, unfolds or folds a group, Clear empties it; tapping a
folded group unfolds it. Separate callbacks never cancel each
other (Dash drops an older reply of the *same* callback only), and a button merely appearing changes
nothing. One callback draws the canvas and its legend (the types on the canvas only) from the board.

Undo and redo are the browser's (``dashboards.views.history``): every board written here is a step.
"""

from __future__ import annotations

from typing import Any

import dash_cytoscape as cyto
from dash import ALL, Dash, Input, Output, State, callback_context, dcc, html, no_update

from dashboards import board as b
from dashboards import client as q
from dashboards import ui
from dashboards.client import Api, ApiError
from dashboards.elements import elements, marked
from dashboards.style import legend, stylesheet
from dashboards.views import export, report, timeline
from dashboards.views.gangs import gang_elements
from ontology import get_ontology
from ontology.model import TIE_KINDS

cyto.load_extra_layouts()
LAYOUT: dict[str, Any] = {"name": "fcose", "animate": False, "randomize": True, "quality": "default"}


def relayout(layout: dict[str, Any] | None, before: list[b.Element] | None, after: list[b.Element]) -> Any:
    """The layout to run when the canvas's elements are not those drawn before (an element added or
    removed), else ``no_update``. The canvas runs a layout only when this prop changes
    (``autoRefreshLayout`` is off): cytoscape's own refresh runs 100 ms after the elements change, and
    when the officer leaves the tab in that time it ran on a destroyed canvas (a console error)."""
    ids = {e["data"]["id"] for e in after}
    if before is not None and {e["data"]["id"] for e in before} == ids:
        return no_update
    return {**LAYOUT, "run": int((layout or {}).get("run", 0)) + 1}


def tie_kinds() -> list[str]:
    """The kinds of tie the context menu expands by: the ontology's, those with a relationship type."""
    onto = get_ontology()
    return [kind for kind in TIE_KINDS if onto.ties(kind)]


def evidence_types(label: str) -> list[str]:
    """The relationship types joining a result of ``label`` (an alert) to its evidence: the ontology's."""
    return sorted(
        r.type
        for r in get_ontology().relationships.values()
        if r.evidence and any(start == label for start, _ in r.endpoints)
    )


def context_menu() -> list[dict[str, Any]]:
    items = [
        {"id": f"expand:{kind}", "label": f"展开 Expand {kind} ties", "availableOn": ["node"]}
        for kind in tie_kinds()
    ]
    return items + [
        {"id": "hide", "label": "隐藏 Hide", "availableOn": ["node"]},
        {"id": "pin", "label": "固定 Pin / unpin", "availableOn": ["node"]},
        {"id": "watch", "label": "关注 Watch this", "availableOn": ["node"]},
        {"id": "path-from", "label": "路径起点 Paths from here…", "availableOn": ["node"]},
        {"id": "path-to", "label": "路径到此 Paths to here", "availableOn": ["node"]},
        {"id": "unfold", "label": "展开分组 Unfold", "availableOn": ["node"]},
        {"id": "fold", "label": "折叠 Fold", "availableOn": ["node"]},
        {"id": "unhide", "label": "显示全部 Show hidden", "availableOn": ["canvas"]},
    ]


def layout(panel: dict[str, Any]) -> html.Div:
    """The canvas column: a toolbar of two rows (find and expand; then history, export and the report)
    that fits one canvas column at 1366×768, the canvas, its count, legend and notices, the timeline."""
    row = {"display": "flex", "flexWrap": "wrap", "gap": "4px", "alignItems": "center"}
    small = {"fontSize": "12px"}
    return html.Div(
        id="canvas-column",
        style={"flex": "3 1 0", "minWidth": 0},
        children=[
            ui.card(
                id="canvas-toolbar",
                style={**panel, "display": "flex", "flexDirection": "column", "gap": "4px"},
                children=[
                    html.Div(
                        className="toolbar-row",
                        style=row,
                        children=[
                            dcc.Input(
                                id="canvas-search",
                                placeholder="检索后展开 search then expand",
                                debounce=True,
                                style={"flex": "1 1 150px", "minWidth": "120px", "width": "auto"},
                            ),
                            html.Button("加载 Load", id="canvas-go"),
                            dcc.Dropdown(
                                id="depth",
                                options=[{"label": f"深度 Depth {d}", "value": d} for d in (1, 2, 3)],
                                value=1,
                                clearable=False,
                                searchable=False,
                                style={"width": "120px", **small},
                            ),
                            dcc.Dropdown(
                                id="types",
                                options=get_ontology().ties(),  # relationship types that tie two subjects
                                value=[],
                                multi=True,
                                placeholder="关系类型 Relation types (全部 all)",
                                style={"flex": "0 1 190px", "minWidth": "150px", **small},
                            ),
                            dcc.Dropdown(
                                id="gang-select",
                                placeholder="团伙 Gang…",
                                style={"flex": "0 1 190px", "minWidth": "150px", **small},
                            ),
                        ],
                    ),
                    html.Div(
                        className="toolbar-row",
                        style={**row, **small},
                        children=[
                            html.Button("撤销 Undo", id="undo", disabled=True),
                            html.Button("重做 Redo", id="redo", disabled=True),
                            html.Button("清空 Clear", id="clear"),
                            html.Span("导出 Export", style={"marginLeft": "8px"}),
                            *export.layout(),
                            *report.layout(),
                        ],
                    ),
                ],
            ),
            cyto.Cytoscape(
                id="canvas",
                elements=[],
                layout=LAYOUT,
                autoRefreshLayout=False,  # the draw callback sets the layout (relayout)
                # stacked above what follows it: the context menu opens past the canvas's bottom edge,
                # over the timeline, and must take the click there
                style={
                    "width": "100%",
                    "height": "calc(100vh - 300px)",
                    "minHeight": "380px",
                    "position": "relative",
                    "zIndex": 10,
                },
                stylesheet=stylesheet(),
                contextMenu=context_menu(),
                minZoom=0.1,
                maxZoom=3,
            ),
            dcc.Store(id="path-start"),  # the node "Paths from here" marked, until "Paths to here"
            html.Div(id="canvas-count", style={"fontSize": "11px", "color": "#555"}),
            html.Div(id="legend", children=legend([]), style={"fontSize": "11px"}),
            html.Div(id="canvas-notice", style={"color": "#a60"}),
            timeline.layout(panel),
        ],
    )


def _clicked() -> bool:
    """Whether a pattern-matched button was clicked (not merely drawn with n_clicks None)."""
    return bool(callback_context.triggered and callback_context.triggered[0]["value"])


def register(app: Dash, api: Api) -> None:
    def hood(label: str, nid: str, depth: int, types: list[str] | None) -> dict[str, Any]:
        result: dict[str, Any] = api()(q.HOOD, l=label, id=nid, d=depth, types=types or None)["neighbourhood"]
        return result

    @app.callback(
        Output("canvas", "elements"),
        Output("legend", "children"),
        Output("canvas-count", "children"),
        Output("canvas", "layout"),
        Input("board", "data"),
        State("canvas", "elements"),
        State("canvas", "layout"),
    )
    def draw(board: b.Board | None, before: list[b.Element] | None, layout: dict[str, Any] | None) -> Any:
        shown = b.drawn(board)
        hidden, folded = len((board or {}).get("hidden") or []), b.folded_count(board)
        count = (
            f"{b.node_count(board):,} 个节点 nodes"
            + (f" · {hidden:,} 隐藏 hidden" if hidden else "")
            + (f" · {folded:,} 组已折叠 groups folded" if folded else "")
        )
        return shown, legend(b.kinds(board)), count, relayout(layout, before, shown)

    @app.callback(
        Output("board", "data", allow_duplicate=True),
        Input("canvas", "tapNodeData"),
        State("board", "data"),
        prevent_initial_call=True,
    )
    def unfold(tapped: dict[str, Any] | None, board: b.Board) -> Any:
        """A folded group tapped: drawn as its members."""
        if not tapped or not tapped.get("group"):
            return no_update
        return b.unfold(board, tapped["id"])

    @app.callback(
        Output("board", "data", allow_duplicate=True),
        Output("canvas-notice", "children", allow_duplicate=True),
        Output("tabs", "value", allow_duplicate=True),
        Input({"type": "result", "index": ALL}, "n_clicks"),
        Input({"type": "open-subject", "index": ALL}, "n_clicks"),
        Input({"type": "open-alert", "index": ALL}, "n_clicks"),
        State("depth", "value"),
        State("types", "value"),
        prevent_initial_call=True,
    )
    def open_result(_r: Any, _s: Any, _a: Any, depth: int, types: list[str]) -> Any:
        """A search hit, a watched subject, or an alert with its evidence (from the workbench or the triage
        list), opened on the canvas."""
        trigger = callback_context.triggered_id
        if not isinstance(trigger, dict) or not _clicked():
            return no_update, no_update, no_update
        label, nid = trigger["index"].split("|", 1)
        if trigger["type"] == "open-alert":  # the alert and what it is about (its evidence relations)
            label, depth, types = "Alert", 1, evidence_types("Alert")
        try:
            found = hood(label, nid, depth, types)
        except ApiError as exc:
            return no_update, str(exc), no_update
        return b.replaced(marked(api(), elements(found))), found["notice"] or "", "analysis"

    @app.callback(
        Output("board", "data", allow_duplicate=True),
        Output("canvas-notice", "children", allow_duplicate=True),
        Input("canvas-go", "n_clicks"),
        State("canvas-search", "value"),
        State("depth", "value"),
        State("types", "value"),
        prevent_initial_call=True,
    )
    def load(_: Any, text: str | None, depth: int, types: list[str]) -> Any:
        if not text:
            return no_update, "先输入检索词 Type a search first"
        try:
            edges = api()(q.SEARCH, t=text)["search"]["edges"]
            if not edges:
                return no_update, "无结果 No result"
            node = edges[0]["node"]
            found = hood(node["label"], node["id"], depth, types)
        except ApiError as exc:
            return no_update, str(exc)
        return b.replaced(marked(api(), elements(found))), found["notice"] or ""

    @app.callback(
        Output("board", "data", allow_duplicate=True),
        Output("canvas-notice", "children", allow_duplicate=True),
        Input("canvas", "tapNodeData"),
        State("board", "data"),
        State("depth", "value"),
        State("types", "value"),
        prevent_initial_call=True,
    )
    def expand(tapped: dict[str, Any] | None, board: b.Board, depth: int, types: list[str]) -> Any:
        if not tapped or not tapped.get("kind"):
            return no_update, no_update
        try:
            found = hood(tapped["kind"], tapped["nid"], depth, types)
        except ApiError as exc:
            return no_update, str(exc)
        return b.add(board, marked(api(), elements(found))), found["notice"] or ""

    @app.callback(
        Output("board", "data", allow_duplicate=True),
        Output("canvas-notice", "children", allow_duplicate=True),
        Input("gang-select", "value"),
        prevent_initial_call=True,
    )
    def draw_gang(gang: str | None) -> Any:
        if not gang:
            return no_update, no_update
        try:
            return b.replaced(marked(api(), gang_elements(api(), gang))), ""
        except ApiError as exc:
            return no_update, str(exc)

    @app.callback(
        Output("board", "data", allow_duplicate=True),
        Output("canvas-notice", "children", allow_duplicate=True),
        Output("tabs", "value", allow_duplicate=True),
        Input({"type": "drift", "index": ALL}, "n_clicks"),
        State("board", "data"),
        prevent_initial_call=True,
    )
    def open_drift(_: Any, board: b.Board) -> Any:
        trigger = callback_context.triggered_id
        if not isinstance(trigger, dict) or not _clicked():
            return no_update, no_update, no_update
        try:
            found = hood("DriftEvent", trigger["index"], 2, None)
        except ApiError as exc:
            return no_update, str(exc), no_update
        star = {f"DriftEvent|{trigger['index']}": "drift"}
        return b.add(board, marked(api(), elements(found, star))), found["notice"] or "", "analysis"

    @app.callback(
        Output("board", "data", allow_duplicate=True),
        Output("canvas-notice", "children", allow_duplicate=True),
        Input("clear", "n_clicks"),
        prevent_initial_call=True,
    )
    def clear(_: Any) -> Any:
        return b.empty(), ""

    def paths_to(board: b.Board, start: str | None, key: str) -> tuple[Any, str]:
        """The shortest paths from the node marked as the start to ``key``, drawn and highlighted."""
        if not start or "|" not in start:
            return no_update, "先右键起点选“路径起点” First right-click the start: Paths from here"
        if start == key:
            return no_update, "起点和终点相同 The start and the end are the same node"
        (fl, fi), (tl, ti) = start.split("|", 1), key.split("|", 1)
        found = api()(q.PATHS, fl=fl, fi=fi, tl=tl, ti=ti)["paths"]
        if not found:
            return no_update, f"六跳内无路径 No path within six hops from {fi} to {ti}"
        drawn = elements(
            {"nodes": [n for p in found for n in p["nodes"]], "edges": [e for p in found for e in p["edges"]]}
        )
        hops = ", ".join(str(len(p["types"])) for p in found)
        return (
            b.marked_only(board, "path", marked(api(), drawn)),
            f"{len(found)} 条路径 paths from {fi} to {ti} ({hops} hops), 橙色 in orange",
        )

    @app.callback(
        Output("board", "data", allow_duplicate=True),
        Output("canvas-notice", "children", allow_duplicate=True),
        Output("path-start", "data"),
        Input("canvas", "contextMenuData"),
        State("board", "data"),
        State("depth", "value"),
        State("path-start", "data"),
        prevent_initial_call=True,
    )
    def menu(choice: dict[str, Any] | None, board: b.Board, depth: int, start: str | None) -> Any:
        if not choice or not choice.get("menuItemId"):
            return no_update, no_update, no_update
        item, key = choice["menuItemId"], choice.get("elementId") or ""
        if item == "path-from" and "|" in key:
            return (
                no_update,
                f"路径起点 Paths from {key.split('|', 1)[1]}: 右键终点选“路径到此” right-click the end, Paths to here",
                key,
            )
        if item == "path-to" and "|" in key:
            try:
                return (*paths_to(board, start, key), no_update)
            except ApiError as exc:
                return no_update, str(exc), no_update
        return (*menu_action(item, key, board, depth), no_update)

    def menu_action(item: str, key: str, board: b.Board, depth: int) -> tuple[Any, Any]:
        if item == "unhide":
            return {**(board or b.empty()), "hidden": []}, ""
        if item == "unfold":
            return (
                (b.unfold(board, key), "")
                if key.startswith(b.GROUP)
                else (no_update, "先选一个分组 Pick a group")
            )
        if item == "hide" and key.startswith(b.GROUP):  # a group hidden: its members
            return b.hide(board, b.members(board, key)), f"已隐藏 Hidden {len(b.members(board, key)):,}"
        if item == "fold":
            folded = b.fold(board, key)
            return (folded, "") if folded != board else (no_update, "不在分组中 Not in a group")
        if "|" not in key:
            return no_update, no_update
        label, nid = key.split("|", 1)
        if item == "hide":
            return b.hide(board, [key]), f"已隐藏 Hidden {key}"
        if item == "pin":
            return b.pin(board, [key]), ""
        try:
            if item == "watch":
                watch = api()(q.WATCH, w={"targetLabel": label, "targetId": nid})["createWatch"]
                return no_update, f"已关注 Watching {watch['title']}"
            if item.startswith("expand:") and item.split(":", 1)[1] in TIE_KINDS:
                types = get_ontology().ties(item.split(":", 1)[1])
                found = hood(label, nid, depth, types)
                return b.add(board, marked(api(), elements(found))), found["notice"] or ""
        except ApiError as exc:
            return no_update, str(exc)
        return no_update, no_update
