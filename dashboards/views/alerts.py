"""The alerts tab: the unit's alerts in a table; acknowledge or assign the selected one."""

from __future__ import annotations

from typing import Any

from dash import Dash, Input, Output, State, callback_context, dash_table, dcc, html

from dashboards import client as q
from dashboards.client import Api, ApiError

COLUMNS = ("id", "severity", "status", "title", "cause", "raisedAt")


def layout(panel: dict[str, Any]) -> html.Div:
    return html.Div(
        style=panel,
        children=[
            html.Button("刷新 Refresh", id="alerts-refresh"),
            html.Button("确认所选 Acknowledge selected", id="alerts-ack"),
            dcc.Input(id="alerts-assignee", placeholder="指派给 assignee"),
            html.Button("指派所选 Assign selected", id="alerts-assign"),
            html.Div(id="alerts-msg"),
            dash_table.DataTable(  # type: ignore[attr-defined]  # Dash builds its components at import
                id="alerts-table",
                row_selectable="single",
                page_size=15,
                columns=[{"name": n, "id": n} for n in COLUMNS],
                style_cell={"fontSize": "12px", "textAlign": "left"},
            ),
        ],
    )


def register(app: Dash, api: Api) -> None:
    @app.callback(
        Output("alerts-table", "data"),
        Output("alerts-msg", "children"),
        Input("alerts-refresh", "n_clicks"),
        Input("alerts-ack", "n_clicks"),
        Input("alerts-assign", "n_clicks"),
        Input("tabs", "value"),
        State("alerts-table", "selected_rows"),
        State("alerts-table", "data"),
        State("alerts-assignee", "value"),
    )
    def alerts(
        _r: Any,
        _a: Any,
        _s: Any,
        tab: str,
        selected: list[int] | None,
        rows: list[dict[str, Any]] | None,
        assignee: str | None,
    ) -> Any:
        client = api()
        message = ""
        if callback_context.triggered_id == "alerts-ack" and selected and rows:
            done = client(q.ACK, id=rows[selected[0]]["id"])["acknowledgeAlert"]
            message = f"已确认 Acknowledged {done['id']} → {done['status']}"
        if callback_context.triggered_id == "alerts-assign" and selected and rows:
            if not assignee:
                message = "先填写指派对象 Name the assignee first"
            else:
                try:
                    done = client(q.ASSIGN, id=rows[selected[0]]["id"], who=assignee)["assignAlert"]
                    message = f"已指派 Assigned {done['id']} → {done['assignee']} ({done['status']})"
                except ApiError as exc:
                    message = str(exc)
        return client(q.ALERTS)["alerts"], message
