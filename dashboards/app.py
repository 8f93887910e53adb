"""Investigator dashboards (Dash + dash-cytoscape), served under /dash by the same server as the API.

Views (``dashboards/views/``, one module each): workbench (search, my tasks, watched gangs, latest drift
events, custom tags, alerts, gangs), analysis centre (graph canvas with expand-on-click, styling by label,
tag level and risk level, details with certificates, documents, scan verdicts and images, timeline linked
to the canvas, gang view with key members and loops, drift events, relation strength, case files,
PNG/CSV/GraphML export), trajectories, alerts feed (acknowledge, assign), label editor (dry run, save).
Everything goes through the GraphQL API.
"""

from __future__ import annotations

from typing import Any

from dash import Dash, dcc, html

from dashboards.client import GraphQLClient
from dashboards.views import (
    alerts,
    canvas,
    casefiles,
    details,
    export,
    gangs,
    labels,
    strength,
    timeline,
    trajectory,
    workbench,
)
from tianji.core.settings import Settings

PANEL = {"border": "1px solid #ddd", "borderRadius": "6px", "padding": "8px", "marginBottom": "8px"}


def create_dash(settings: Settings, api_url: str, token_source: Any) -> Dash:
    """``token_source(role)`` returns the bearer token the dashboards use for that kind of work."""
    app = Dash(
        __name__,
        requests_pathname_prefix="/dash/",
        routes_pathname_prefix="/",
        title="天机 Tianji",
        suppress_callback_exceptions=True,
    )

    def api(role: str = "investigator") -> GraphQLClient:
        return GraphQLClient(api_url, token_source(role))

    analysis = html.Div(
        style={"display": "flex", "gap": "8px"},
        children=[
            canvas.layout(PANEL),
            html.Div(
                style={"flex": "2"},
                children=[
                    casefiles.layout(PANEL),
                    details.layout(PANEL),
                    strength.layout(PANEL),
                    gangs.layout(PANEL),
                ],
            ),
        ],
    )
    tabs = [
        ("工作台 Workbench", "workbench", workbench.layout(PANEL)),
        ("分析中心 Analysis centre", "analysis", [analysis]),
        ("轨迹 Trajectories", "tracks", [trajectory.layout(PANEL)]),
        ("预警 Alerts", "alerts", [alerts.layout(PANEL)]),
        ("标签编辑 Label editor", "labels", [labels.layout(PANEL)]),
    ]
    app.layout = html.Div(
        style={"fontFamily": "Noto Sans CJK SC, sans-serif", "margin": "8px"},
        children=[
            html.H2("天机 Tianji · 海关风险知识图谱 Customs risk knowledge graph"),
            dcc.Tabs(
                id="tabs",
                value="analysis",
                children=[dcc.Tab(label=label, value=value, children=body) for label, value, body in tabs],
            ),
            dcc.Store(id="picked", data=[]),
            dcc.Interval(id="tick", interval=60_000, n_intervals=0),
        ],
    )
    views = (
        trajectory,
        timeline,
        casefiles,
        workbench,
        canvas,
        details,
        strength,
        gangs,
        export,
        alerts,
        labels,
    )
    for view in views:
        view.register(app, api)
    return app
