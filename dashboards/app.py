"""Investigator dashboards (Dash + dash-cytoscape), served under /dash by the same server as the API.

Views (``dashboards/views/``, one module each): workbench (search, my tasks, watched gangs, latest drift
events, custom tags, alerts, gangs), analysis centre (graph canvas with expand-on-click, styling by label,
tag level and risk level, details (a declaration's: score and bilingual reasons, scans beside their
verdicts, certificates and documents side by side), timeline linked to the canvas, gang view with key
members and loops, drift events, relation strength, case files, PNG/CSV/GraphML export), trajectories,
alert triage (filters and counts, bulk assign, acknowledge and close, comments, evidence opened on the
canvas), label editor (dry run, save), match review (entity resolution's uncertain pairs and
contradictions with their weights, confirmed or rejected).
Everything goes through the GraphQL API, as the signed-in officer (``dashboards.officer``): the app is
served only behind sign-in (``api.routes.dashboards``) and holds no token of its own.
"""

from __future__ import annotations

from typing import Any

import dash_mantine_components as dmc
from dash import Dash, dcc, html

from dashboards import board, ui
from dashboards.client import GraphQLClient
from dashboards.officer import banner, officer_token
from dashboards.views import (
    alerts,
    canvas,
    casefiles,
    details,
    export,
    gangs,
    history,
    labels,
    report,
    review,
    strength,
    timeline,
    trajectory,
    workbench,
)
from tianji.core.settings import Settings

TAB = {"padding": "6px 10px", "lineHeight": "20px"}  # one line a tab at 1366 px: the views keep the height
TAB_SELECTED = {
    "fontWeight": 600,
    "color": "var(--mantine-color-indigo-8)",
    "borderTop": "3px solid var(--mantine-color-indigo-6)",
}
PANEL: dict[str, str] = {}  # a view's panels are ``ui.card``s; this is what a view adds to their style


def create_dash(settings: Settings, api_url: str) -> Dash:
    """The dashboards, calling the GraphQL API at ``api_url`` with the token of the officer being answered."""
    app = Dash(
        __name__,
        requests_pathname_prefix="/dash/",
        routes_pathname_prefix="/",
        title="天机 Tianji",
        suppress_callback_exceptions=True,
    )

    def api() -> GraphQLClient:
        return GraphQLClient(api_url, officer_token())

    analysis = html.Div(
        id="analysis",
        style={"display": "flex", "gap": "8px", "alignItems": "flex-start", "width": "100%"},
        children=[
            canvas.layout(PANEL),
            html.Div(
                id="side-column",
                style={"flex": "2 1 0", "minWidth": 0, "overflowWrap": "anywhere"},
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
        ("轨迹 Trajectories", "tracks", [trajectory.layout(PANEL, settings)]),
        ("预警 Alerts", "alerts", [alerts.layout(PANEL)]),
        ("标签编辑 Label editor", "labels", [labels.layout(PANEL)]),
        ("实体复核 Match review", "review", [review.layout(PANEL)]),
    ]

    def page() -> Any:  # a function: the banner shows the officer of this request
        return ui.provider(
            html.Div(
                style={"margin": "8px", "overflowX": "hidden"},
                children=[
                    dmc.Group(
                        justify="space-between",
                        align="center",
                        mb="xs",
                        children=[
                            dmc.Title("天机 Tianji · 海关风险知识图谱 Customs risk knowledge graph", order=2),
                            banner(),
                        ],
                    ),
                    dcc.Tabs(
                        id="tabs",
                        value="analysis",
                        children=[
                            dcc.Tab(
                                label=label,
                                value=value,
                                children=body,
                                style=TAB,
                                selected_style={**TAB, **TAB_SELECTED},
                            )
                            for label, value, body in tabs
                        ],
                    ),
                    dcc.Store(id="picked", data=[]),
                    dcc.Store(id="board", data=board.empty()),  # what the canvas shows (dashboards.board)
                    dcc.Store(id="history", data=history.start()),  # undo and redo (dashboards.views.history)
                    dcc.Interval(id="tick", interval=60_000, n_intervals=0),
                ],
            )
        )

    app.layout = page
    views = (
        trajectory,
        timeline,
        casefiles,
        workbench,
        canvas,
        history,
        details,
        strength,
        gangs,
        export,
        report,
        alerts,
        labels,
        review,
    )
    for view in views:
        view.register(app, api)
    return app
