"""Case files on the analysis centre: save the canvas under a name, reopen a saved one."""

from __future__ import annotations

from typing import Any

from dash import Dash, Input, Output, State, callback_context, dcc, html, no_update

from dashboards import board, ui
from dashboards.client import ApiError, GraphQLClient

SAVE = """mutation($n: String!, $v: JSON!, $note: String!) { saveCaseFile(name: $n, view: $v, note: $note) { id name } }"""
LIST = """{ caseFiles { id name owner updatedAt } }"""
OPEN = """query($id: Int!) { caseFile(id: $id) { id name view } }"""


def layout(panel: dict[str, Any]) -> html.Div:
    return ui.card(
        style=panel,
        children=[
            ui.title("案卷 Case files"),
            dcc.Input(id="case-name", placeholder="案卷名称 name this view", style={"width": "55%"}),
            html.Button("保存 Save", id="case-save"),
            dcc.Dropdown(id="case-pick", placeholder="打开案卷 Open a case file", style={"marginTop": "4px"}),
            html.Div(id="case-msg", style={"fontSize": "11px"}),
        ],
    )


def register(app: Dash, api: Any) -> None:
    @app.callback(
        Output("case-msg", "children"),
        Output("case-pick", "options"),
        Input("case-save", "n_clicks"),
        Input("tabs", "value"),
        State("case-name", "value"),
        State("board", "data"),
    )
    def save(_: Any, _tab: str, name: str | None, shown: board.Board | None) -> Any:
        client: GraphQLClient = api()
        elements = board.visible(shown)  # a folded group's members one by one
        message = ""
        if callback_context.triggered_id == "case-save":
            try:
                saved = client(SAVE, n=name or "", v={"elements": elements}, note="")["saveCaseFile"]
                message = f"已保存 Saved case file {saved['id']} · {saved['name']} ({len(elements)} elements)"
            except ApiError as exc:
                message = f"未保存 Not saved: {exc}"
        try:
            files = client(LIST)["caseFiles"]
        except ApiError:
            files = []
        options = [
            {"label": f"{f['name']} · {f['owner']} · {f['updatedAt'][:16]}", "value": f["id"]} for f in files
        ]
        return message, options

    @app.callback(
        Output("board", "data", allow_duplicate=True),
        Output("canvas-notice", "children", allow_duplicate=True),
        Input("case-pick", "value"),
        prevent_initial_call=True,
    )
    def reopen(case_id: int | None) -> Any:
        if case_id is None:
            return no_update, no_update
        try:
            found = api()(OPEN, id=case_id)["caseFile"]
        except ApiError as exc:
            return no_update, str(exc)
        elements = found["view"]["elements"] if isinstance(found["view"], dict) else found["view"]
        return board.replaced(
            e for e in elements if isinstance(e, dict) and "data" in e
        ), f"案卷 Case file {found['name']}: {len(elements)} elements"
