"""The graph canvas of the analysis centre: load a search hit, expand a node on click (depth and relation
types chosen above the canvas), draw a gang or a drift event, clear; styled by label, tag and risk level."""

from __future__ import annotations

from typing import Any

import dash_cytoscape as cyto
from dash import ALL, Dash, Input, Output, State, callback_context, dcc, html, no_update

from dashboards import client as q
from dashboards.client import Api, ApiError
from dashboards.elements import elements, marked, merge
from dashboards.style import legend, stylesheet
from dashboards.views import export, timeline
from dashboards.views.gangs import gang_elements
from ontology import get_ontology

cyto.load_extra_layouts()


def layout(panel: dict[str, Any]) -> html.Div:
    return html.Div(
        style={"flex": "3"},
        children=[
            html.Div(
                style=panel,
                children=[
                    dcc.Input(id="canvas-search", placeholder="检索后展开 search then expand", debounce=True),
                    html.Button("加载 Load", id="canvas-go"),
                    html.Span(" 深度 Depth "),
                    dcc.Dropdown(
                        id="depth",
                        options=[1, 2, 3],
                        value=1,
                        clearable=False,
                        style={"width": "70px", "display": "inline-block"},
                    ),
                    html.Span(" 团伙 Gang "),
                    dcc.Dropdown(id="gang-select", style={"width": "260px", "display": "inline-block"}),
                    *export.layout(),
                    html.Button("清空 Clear", id="clear"),
                    dcc.Checklist(
                        id="types",
                        options=get_ontology().ties(),  # relationship types that tie two subjects
                        value=[],
                        inline=True,
                        style={"fontSize": "11px"},
                    ),
                ],
            ),
            cyto.Cytoscape(
                id="canvas",
                elements=[],
                layout={"name": "fcose", "animate": False, "randomize": True, "quality": "default"},
                style={"width": "100%", "height": "640px", "border": "1px solid #ccc"},
                stylesheet=stylesheet(),
                minZoom=0.1,
                maxZoom=3,
            ),
            html.Div(legend(), style={"fontSize": "11px"}),
            html.Div(id="canvas-notice", style={"color": "#a60"}),
            timeline.layout(panel),
        ],
    )


def register(app: Dash, api: Api) -> None:
    @app.callback(
        Output("canvas", "elements"),
        Output("canvas-notice", "children"),
        Output("tabs", "value"),
        Input({"type": "result", "index": ALL}, "n_clicks"),
        Input({"type": "drift", "index": ALL}, "n_clicks"),
        Input("canvas-go", "n_clicks"),
        Input("canvas", "tapNodeData"),
        Input("gang-select", "value"),
        Input("clear", "n_clicks"),
        State("canvas-search", "value"),
        State("canvas", "elements"),
        State("depth", "value"),
        State("types", "value"),
        prevent_initial_call=True,
    )
    def canvas(
        _r: Any,
        _d: Any,
        _g: Any,
        tapped: dict[str, Any] | None,
        gang: str | None,
        _c: Any,
        text: str | None,
        current: list[dict[str, Any]],
        depth: int,
        types: list[str],
    ) -> Any:
        trigger = callback_context.triggered_id
        client = api()
        try:
            if trigger == "clear":
                return [], "", no_update
            if isinstance(trigger, dict):  # a search result or drift event (ignore them merely appearing)
                if not callback_context.triggered[0]["value"]:
                    return no_update, no_update, no_update
                if trigger["type"] == "drift":  # the drift event with its gang and evidence, over the gang
                    hood = client(q.HOOD, l="DriftEvent", id=trigger["index"], d=2, types=None)[
                        "neighbourhood"
                    ]
                    star = {f"DriftEvent|{trigger['index']}": "drift"}
                    return (
                        merge(marked(client, elements(hood, star)), current),
                        hood["notice"] or "",
                        "analysis",
                    )
                label, nid = trigger["index"].split("|", 1)
                hood = client(q.HOOD, l=label, id=nid, d=depth, types=types or None)["neighbourhood"]
                return marked(client, elements(hood)), hood["notice"] or "", "analysis"
            if trigger == "canvas-go" and text:
                edges = client(q.SEARCH, t=text)["search"]["edges"]
                if not edges:
                    return current, "无结果 No result", no_update
                node = edges[0]["node"]
                hood = client(q.HOOD, l=node["label"], id=node["id"], d=depth, types=types or None)[
                    "neighbourhood"
                ]
                return marked(client, elements(hood)), hood["notice"] or "", no_update
            if trigger == "canvas" and tapped:
                hood = client(q.HOOD, l=tapped["kind"], id=tapped["nid"], d=depth, types=types or None)[
                    "neighbourhood"
                ]
                return merge(current, marked(client, elements(hood))), hood["notice"] or "", no_update
            if trigger == "gang-select" and gang:
                return marked(client, gang_elements(client, gang)), "", no_update
        except ApiError as exc:
            return current, str(exc), no_update
        return current, "", no_update
