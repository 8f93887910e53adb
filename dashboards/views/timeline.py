"""The timeline of the subject picked on the canvas, linked both ways: picking a node shows its timeline;
selecting a time range on the timeline fades the canvas nodes whose events fall outside it."""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go
from dash import Dash, Input, Output, State, callback_context, dcc, html, no_update

from dashboards import ui
from dashboards.client import ApiError, GraphQLClient
from dashboards.style import stylesheet

TIMELINE = """query($l: String!, $id: ID!) { timeline(label: $l, id: $id) }"""
ROWS = ["declaration", "inspection", "case", "tag", "alert", "drift"]
NAMES = {
    "declaration": "报关 declarations",
    "inspection": "查验 inspections",
    "case": "案件 cases",
    "tag": "标签 tags",
    "alert": "预警 alerts",
    "drift": "漂移 drift",
}
COLOURS = {
    "declaration": "#d62728",
    "inspection": "#8c564b",
    "case": "#000",
    "tag": "#bcbd22",
    "alert": "#ff7f0e",
    "drift": "#2ca02c",
}


def figure(events: list[dict[str, Any]], title: str = "") -> go.Figure:
    fig = go.Figure()
    for kind in ROWS:
        mine = [e for e in events if e["kind"] == kind and e["at"] not in ("", "None")]
        if mine:
            fig.add_trace(
                go.Scatter(
                    x=[e["at"][:19] for e in mine],
                    y=[NAMES[kind]] * len(mine),
                    mode="markers",
                    marker={
                        "size": 9,
                        "color": COLOURS[kind],
                        "symbol": "star" if kind == "drift" else "circle",
                    },
                    text=[e["title"] for e in mine],
                    customdata=[f"{e['label']}|{e['id']}" for e in mine],
                    hoverinfo="text+x",
                    name=NAMES[kind],
                )
            )
    if title and not fig.data:
        fig.add_annotation(
            text="无事件记录 No declarations, inspections, cases, tags, alerts or drift events",
            showarrow=False,
            x=0.5,
            y=0.5,
            xref="paper",
            yref="paper",
        )
    fig.update_layout(
        height=240,
        margin={"l": 110, "r": 10, "t": 30, "b": 30},
        title={"text": title, "font": {"size": 12}},
        showlegend=False,
        dragmode="select",
        selectdirection="h",
        yaxis={"categoryorder": "array", "categoryarray": [NAMES[k] for k in reversed(ROWS)]},
    )
    return fig


def layout(panel: dict[str, Any]) -> html.Div:
    return ui.card(
        style=panel,
        children=[
            ui.title("时间线 Timeline"),
            html.Div(
                "点选节点显示其时间线；框选时段过滤画布 Pick a node to see its timeline; select a time range "
                "to filter the canvas",
                style={"fontSize": "11px", "color": "#666"},
            ),
            dcc.Graph(id="timeline", figure=figure([]), config={"displaylogo": False}),
            html.Div(id="timeline-range", style={"fontSize": "11px"}),
            dcc.Store(id="timeline-events", data=[]),
        ],
    )


def faded(events: list[dict[str, Any]], start: str, end: str) -> list[str]:
    """Canvas node keys (label|id) whose events all fall outside the days [start, end]."""
    inside: dict[str, bool] = {}
    for e in events:
        key = f"{e['label']}|{e['id']}"
        inside[key] = inside.get(key, False) or start[:10] <= e["at"][:10] <= end[:10]
    return sorted(k for k, ok in inside.items() if not ok)


def register(app: Dash, api: Any) -> None:
    @app.callback(
        Output("timeline", "figure"),
        Output("timeline-events", "data"),
        Input("picked", "data"),
        prevent_initial_call=True,
    )
    def subject(picked: list[dict[str, str]]) -> Any:
        node = picked[-1] if picked else None
        if not node or node.get("kind") not in ("Enterprise", "Person", "Vehicle"):
            return no_update, no_update
        client: GraphQLClient = api()
        try:
            events = client(TIMELINE, l=node["kind"], id=node["nid"])["timeline"]
        except ApiError:
            return no_update, no_update
        return figure(events, f"{node['kind']} {node.get('caption') or node['nid']}"), events

    @app.callback(
        Output("canvas", "stylesheet"),
        Output("timeline-range", "children"),
        Input("timeline", "selectedData"),
        Input("timeline", "relayoutData"),
        State("timeline-events", "data"),
        prevent_initial_call=True,
    )
    def filter_canvas(selected: Any, relayout: Any, events: list[dict[str, Any]]) -> Any:
        span = None
        if (
            callback_context.triggered_id == "timeline"
            and isinstance(selected, dict)
            and selected.get("range")
        ):
            span = selected["range"]["x"]
        elif isinstance(relayout, dict) and "xaxis.range[0]" in relayout:
            span = [relayout["xaxis.range[0]"], relayout["xaxis.range[1]"]]
        if not span or not events:
            return stylesheet(), ""
        start, end = str(span[0])[:10], str(span[1])[:10]
        keys = faded(events, start, end)
        sheet = stylesheet() + [{"selector": f'node[id = "{k}"]', "style": {"opacity": 0.15}} for k in keys]
        return sheet, f"时段 {start[:10]} – {end[:10]}: {len(keys)} 个节点淡出 nodes faded"
