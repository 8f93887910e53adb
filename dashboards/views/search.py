"""Quick search on the workbench: a subject by name, plate or code; each hit is a button that opens it.

The answer names the text it answers, so an officer who typed on sees which search the list belongs to.
"""

from __future__ import annotations

from typing import Any

from dash import Dash, Input, Output, dcc, html

from dashboards import client as q
from dashboards import ui
from dashboards.client import Api, ApiError


def layout(panel: dict[str, Any]) -> html.Div:
    return ui.card(
        style=panel,
        children=[
            ui.title("快速检索 Quick search"),
            dcc.Input(
                id="search-text",
                placeholder="企业名称、车牌、代码 name, plate, code",
                debounce=True,
                style={"width": "60%"},
            ),
            html.Button("检索 Search", id="search-go"),
            html.Div(id="search-results"),
        ],
    )


def register(app: Dash, api: Api) -> None:
    @app.callback(
        Output("search-results", "children"),
        Input("search-go", "n_clicks"),
        Input("search-text", "value"),
        prevent_initial_call=True,
    )
    def search(_: Any, text: str | None) -> Any:
        if not text:
            return ""
        try:
            edges = api()(q.SEARCH, t=text)["search"]["edges"]
        except ApiError as exc:
            return html.Div(str(exc), style={"color": "red"})
        answered = html.Small(f"“{text}” · {len(edges)} 条 results", className="search-answered")
        if not edges:
            return html.Div([answered, html.Div("无结果 No result")])
        return html.Div(
            [
                answered,
                html.Ul(
                    [
                        html.Li(
                            html.Button(
                                f"{e['node']['label']} · {e['node']['caption']}",
                                id={"type": "result", "index": f"{e['node']['label']}|{e['node']['id']}"},
                            )
                        )
                        for e in edges
                    ]
                ),
            ]
        )
