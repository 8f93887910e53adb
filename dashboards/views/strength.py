"""Relation strength between the last two nodes picked, with the paths and shared attributes behind it.

A new pick clears the last result: a strength shown is always the strength of the pair shown above it.
"""

from __future__ import annotations

from typing import Any

from dash import Dash, Input, Output, State, callback_context, html

from dashboards import client as q
from dashboards import ui
from dashboards.client import Api, ApiError


def layout(panel: dict[str, Any]) -> html.Div:
    return ui.card(
        style=panel,
        children=[
            ui.title("关系强度 Relation strength"),
            html.Div(id="pair", children="点击两个节点 Click two nodes"),
            html.Button("计算 Compute", id="strength-go"),
            html.Div(id="strength"),
        ],
    )


def register(app: Dash, api: Api) -> None:
    @app.callback(
        Output("strength", "children"),
        Input("strength-go", "n_clicks"),
        Input("picked", "data"),
        State("picked", "data"),
        prevent_initial_call=True,
    )
    def strength(_: Any, _picked: Any, picked: list[dict[str, str]]) -> Any:
        if callback_context.triggered_id == "picked":
            return ""  # the pair changed: the old result is not this pair's
        if len(picked) < 2:
            return "需要两个节点 Pick two nodes"
        a, b = picked
        try:
            result = api()(q.STRENGTH, fl=a["kind"], fi=a["nid"], tl=b["kind"], ti=b["nid"])[
                "relationStrength"
            ]
        except ApiError as exc:
            return html.Div(str(exc), style={"color": "red"})
        return html.Div(
            className="strength-result",
            children=[
                html.B(f"强度 strength {result['score']:.3f}"),
                html.Div(
                    f"{a['kind']} {a['caption']} ↔ {b['kind']} {b['caption']}", style={"fontSize": "11px"}
                ),
                html.Ul([html.Li(x) for x in result["explanation"]], style={"fontSize": "11px"}),
            ],
        )
