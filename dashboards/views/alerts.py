"""The alerts tab: a triage list of the unit's alerts.

Filters (status, with each status's count under the other filters; least severity; officer: mine,
unassigned or one officer), newest first; rows ticked for bulk actions (assign to an officer of the unit,
acknowledge, close with a reason), each action's result reported per alert, a refusal with its reason;
the focused alert (the row last clicked or ticked) in a card with its evidence, its comments and a comment
box, and a button that opens its evidence on the analysis centre's canvas (``dashboards.views.canvas``).

Callbacks: ``listing`` draws the list from the filters; ``bulk`` and ``comment`` act and bump the
``alerts-changed`` counter, which redraws the list and the card; ``focus`` follows the clicked row.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from dash import Dash, Input, Output, State, callback_context, dash_table, dcc, html, no_update

from dashboards import client as q
from dashboards import ui
from dashboards.client import Api, ApiError, GraphQLClient
from dashboards.officer import officer

COLUMNS = (
    ("severity", "级别 Severity"),
    ("status", "状态 Status"),
    ("title", "预警 Alert"),
    ("assignee", "指派 Assignee"),
    ("raisedAt", "时间 Raised"),
    ("comments", "批注 Comments"),
)
STATUS_ZH = {"open": "待处理", "acknowledged": "已确认", "assigned": "已指派", "closed": "已关闭"}
ANYONE, MINE, UNASSIGNED = "*anyone", "*mine", "*unassigned"
SHOWN_EVIDENCE = 12  # evidence items listed on the card; the canvas shows them all
WHO = [
    {"label": "任何人 Anyone", "value": ANYONE},
    {"label": "我的 Mine (my watches, assigned to me)", "value": MINE},
    {"label": "未指派 Unassigned", "value": UNASSIGNED},
]


def layout(panel: dict[str, Any]) -> html.Div:
    bar = {"display": "flex", "flexWrap": "wrap", "gap": "6px", "alignItems": "center"}
    return html.Div(
        style={"display": "flex", "gap": "8px", "alignItems": "flex-start", "width": "100%"},
        children=[
            ui.card(
                id="alerts-column",
                style={**panel, "flex": "3 1 0", "minWidth": 0},
                children=[
                    html.Div(
                        style=bar,
                        children=[
                            dcc.Checklist(id="alerts-status", options=[], value=None, inline=True),
                            html.Span("级别 Severity ≥"),
                            dcc.Dropdown(
                                id="alerts-severity",
                                options=[1, 2, 3, 4, 5],
                                value=1,
                                clearable=False,
                                style={"width": "64px"},
                            ),
                            html.Span("处理人 Officer"),
                            dcc.Dropdown(
                                id="alerts-who",
                                options=WHO,
                                value=ANYONE,
                                clearable=False,
                                style={"width": "220px"},
                            ),
                            html.Button("刷新 Refresh", id="alerts-refresh"),
                        ],
                    ),
                    html.Div(id="alerts-counts", style={"fontSize": "12px", "margin": "4px 0"}),
                    html.Div(
                        style=bar,
                        children=[
                            html.Span("所选 Selected:"),
                            dcc.Dropdown(
                                id="alerts-officer",
                                placeholder="指派给 assign to…",
                                style={"width": "200px"},
                            ),
                            html.Button("指派 Assign", id="alerts-assign"),
                            html.Button("确认 Acknowledge", id="alerts-ack"),
                            dcc.Input(
                                id="alerts-reason",
                                placeholder="关闭原因 reason for closing",
                                style={"width": "220px"},
                            ),
                            html.Button("关闭 Close", id="alerts-close"),
                        ],
                    ),
                    html.Div(id="alerts-msg", style={"fontSize": "12px"}),
                    dash_table.DataTable(  # type: ignore[attr-defined]  # Dash builds its components at import
                        id="alerts-table",
                        row_selectable="multi",
                        selected_row_ids=[],
                        page_size=15,
                        sort_action="native",
                        columns=[{"name": name, "id": key} for key, name in COLUMNS],
                        style_cell={
                            "fontSize": "12px",
                            "textAlign": "left",
                            "whiteSpace": "normal",
                            "height": "auto",
                        },
                        style_table={"overflowX": "auto"},
                        style_data_conditional=[
                            {
                                "if": {"filter_query": "{severity} >= 4"},
                                "color": "#b10026",
                                "fontWeight": "bold",
                            },
                            {"if": {"filter_query": "{status} = closed"}, "color": "#888"},
                        ],
                    ),
                ],
            ),
            ui.card(
                id="alert-side",
                style={**panel, "flex": "2 1 0", "minWidth": 0, "overflowWrap": "anywhere"},
                children=[
                    html.Div(id="alert-detail", children="选一条预警 Click an alert to see it here"),
                    dcc.Textarea(
                        id="alert-comment-text",
                        placeholder="批注 Comment on this alert",
                        style={"width": "100%", "height": "60px", "boxSizing": "border-box"},
                    ),
                    html.Button("添加批注 Add comment", id="alert-comment-add"),
                    html.Div(id="alert-comment-msg", style={"fontSize": "12px"}),
                ],
            ),
            dcc.Store(id="alerts-focus", data=None),
            dcc.Store(id="alerts-changed", data=0),
        ],
    )


def who_filter(who: str | None) -> dict[str, Any]:
    """The API's officer filters for the officer dropdown's choice."""
    if who == MINE:
        return {"mine": True, "assignee": None, "unassigned": False}
    if who == UNASSIGNED:
        return {"mine": False, "assignee": None, "unassigned": True}
    named = who if who and not who.startswith("*") else None
    return {"mine": False, "assignee": named, "unassigned": False}


def row(alert: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": alert["id"],
        "severity": alert["severity"],
        "status": alert["status"],
        "title": alert["title"],
        "assignee": alert.get("assignee") or "",
        "raisedAt": (alert.get("raisedAt") or "").replace("T", " "),
        "comments": len(alert.get("comments") or []),
    }


def each(client: GraphQLClient, ids: list[str], titles: dict[str, str], act: Callable[[str], str]) -> html.Ul:
    """Run ``act`` on every alert, one at a time: a line per alert, what was done or why it was not."""
    lines = []
    for alert_id in ids:
        name = f"{titles.get(alert_id) or alert_id} ({alert_id})"
        try:
            lines.append(html.Li(f"✓ {name}: {act(alert_id)}", className="bulk-ok"))
        except ApiError as exc:
            lines.append(html.Li(f"✗ {name}: {exc}", className="bulk-failed", style={"color": "#b10026"}))
    return html.Ul(lines, id="alerts-results")


def card(alert: dict[str, Any]) -> list[Any]:
    """The focused alert: its facts, its evidence, the button that opens it on the canvas, its comments."""
    evidence = alert.get("evidence") or []
    facts = [
        f"级别 severity {alert['severity']}",
        f"状态 {STATUS_ZH.get(alert['status'], '')} {alert['status']}",
        f"指派 assignee {alert.get('assignee') or '—'}",
        f"关注人 watch owner {alert.get('owner') or '—'}",
        f"时间 raised {(alert.get('raisedAt') or '').replace('T', ' ')}",
    ]
    if alert.get("closedReason"):
        facts.append(f"关闭原因 closed: {alert['closedReason']}")
    comments = alert.get("comments") or []
    return [
        ui.title(alert["title"], className="alert-title"),
        html.Ul([html.Li(f, className="fact") for f in facts], className="alert-facts"),
        html.Div(f"证据 Evidence ({len(evidence)})", style={"fontWeight": "bold"}),
        html.Ul(
            [html.Li(item.replace(":", " ", 1), className="evidence") for item in evidence[:SHOWN_EVIDENCE]]
            + ([html.Li(f"… +{len(evidence) - SHOWN_EVIDENCE}")] if len(evidence) > SHOWN_EVIDENCE else []),
            className="alert-evidence",
        ),
        html.Button(
            "在画布上打开证据 Open evidence on canvas",
            id={"type": "open-alert", "index": f"triage|{alert['id']}"},
            className="open-evidence",
        ),
        html.Div(f"批注 Comments ({len(comments)})", style={"fontWeight": "bold", "marginTop": "6px"}),
        html.Ul(
            [
                html.Li(
                    [
                        html.Span(
                            f"{c['author']} · {c['commentedAt'].replace('T', ' ')}",
                            style={"color": "#555", "fontSize": "11px"},
                        ),
                        html.Div(c["text"], className="comment-text"),
                    ],
                    className="comment",
                )
                for c in comments
            ]
            or [html.Li("暂无 None", className="comment-none")],
            id="alert-comments",
        ),
    ]


def register(app: Dash, api: Api) -> None:
    @app.callback(
        Output("alerts-table", "data"),
        Output("alerts-status", "options"),
        Output("alerts-counts", "children"),
        Output("alerts-who", "options"),
        Output("alerts-officer", "options"),
        Output("alerts-table", "selected_rows"),
        Output("alerts-table", "selected_row_ids"),
        Output("alerts-status", "value"),
        Input("tabs", "value"),
        Input("alerts-refresh", "n_clicks"),
        Input("alerts-status", "value"),
        Input("alerts-severity", "value"),
        Input("alerts-who", "value"),
        Input("alerts-changed", "data"),
        State("alerts-table", "selected_row_ids"),
    )
    def listing(
        tab: str,
        _r: Any,
        status: list[str] | None,
        severity: int,
        who: str,
        _c: int,
        ticked: list[str] | None,
    ) -> Any:
        """The list under the filters (no status ticked: every status); the ticks follow their alerts (the
        table keeps row positions). At first the statuses ticked are those the API says are still open."""
        if tab != "alerts":
            return (no_update,) * 8
        client = api()
        if status is None:
            status = [c["status"] for c in client(q.STATUSES)["alertCounts"] if c["open"]]
        found = client(q.TRIAGE, status=status or None, sev=severity, **who_filter(who))
        counts = found["alertCounts"]
        options = [
            {"label": f"{STATUS_ZH.get(c['status'], '')} {c['status']} ({c['count']})", "value": c["status"]}
            for c in counts
        ]
        shown = f"{len(found['alerts'])} 条 shown · " + " · ".join(
            f"{c['status']} {c['count']}" for c in counts
        )
        me = getattr(officer(), "name", "")
        names = [o["name"] for o in found["officers"]]
        who_options = WHO + [{"label": f"指派给 assigned to {n}", "value": n} for n in names]
        officers = [
            {
                "label": f"{o['name']} ({o['role']}, {o['unit']})" + (" · me" if o["name"] == me else ""),
                "value": o["name"],
            }
            for o in found["officers"]
        ]
        rows = [row(a) for a in found["alerts"]]
        position = {r["id"]: i for i, r in enumerate(rows)}
        kept = [i for i in ticked or [] if i in position]
        return rows, options, shown, who_options, officers, [position[i] for i in kept], kept, status

    @app.callback(
        Output("alerts-msg", "children"),
        Output("alerts-changed", "data", allow_duplicate=True),
        Input("alerts-assign", "n_clicks"),
        Input("alerts-ack", "n_clicks"),
        Input("alerts-close", "n_clicks"),
        State("alerts-table", "selected_row_ids"),
        State("alerts-table", "data"),
        State("alerts-officer", "value"),
        State("alerts-reason", "value"),
        State("alerts-changed", "data"),
        prevent_initial_call=True,
    )
    def bulk(
        _a: Any,
        _k: Any,
        _c: Any,
        selected: list[str] | None,
        rows: list[dict[str, Any]] | None,
        assignee: str | None,
        reason: str | None,
        changed: int,
    ) -> Any:
        action = callback_context.triggered_id
        titles = {r["id"]: r["title"] for r in rows or []}
        ids = [i for i in selected or [] if i in titles]  # ticked and still listed under the filters
        if not ids:
            return "先勾选预警 Tick one or more alerts first", no_update
        client = api()
        if action == "alerts-assign":
            if not assignee:
                return "先选择指派对象 Choose the officer to assign to first", no_update

            def act(alert_id: str) -> str:
                done = client(q.ASSIGN, id=alert_id, who=assignee)["assignAlert"]
                return f"已指派 assigned to {done['assignee']} ({done['status']})"

        elif action == "alerts-ack":

            def act(alert_id: str) -> str:
                return f"已确认 acknowledged ({client(q.ACK, id=alert_id)['acknowledgeAlert']['status']})"

        elif action == "alerts-close":
            if not (reason or "").strip():
                return "关闭需要原因 Give the reason for closing first", no_update

            def act(alert_id: str) -> str:
                client(q.CLOSE, id=alert_id, reason=reason)
                return "已关闭 closed"

        else:
            return no_update, no_update
        return each(client, ids, titles, act), (changed or 0) + 1

    @app.callback(
        Output("alerts-focus", "data"),
        Input("alerts-table", "active_cell"),
        Input("alerts-table", "selected_row_ids"),
        State("alerts-focus", "data"),
        prevent_initial_call=True,
    )
    def focus(cell: dict[str, Any] | None, selected: list[str] | None, current: str | None) -> Any:
        """The alert shown in the card: the row last clicked, else the last one ticked while the card showed
        none of the ticked ones (a redrawn list, ticks kept, leaves the card as it is)."""
        if callback_context.triggered_id == "alerts-table" and callback_context.triggered:
            prop = callback_context.triggered[0]["prop_id"]
            if prop.endswith("active_cell") and cell and cell.get("row_id"):
                return cell["row_id"]
            if prop.endswith("selected_row_ids") and selected and current not in selected:
                return selected[-1]
        return no_update

    @app.callback(
        Output("alert-detail", "children"),
        Input("alerts-focus", "data"),
        Input("alerts-changed", "data"),
    )
    def detail(alert_id: str | None, _c: int) -> Any:
        if not alert_id:
            return "选一条预警 Click an alert to see it here"
        try:
            found = api()(q.ALERT, id=alert_id)["node"]
        except ApiError as exc:
            return html.Div(str(exc), style={"color": "#b10026"})
        return card(found)

    @app.callback(
        Output("alert-comment-msg", "children"),
        Output("alert-comment-text", "value"),
        Output("alerts-changed", "data", allow_duplicate=True),
        Input("alert-comment-add", "n_clicks"),
        State("alerts-focus", "data"),
        State("alert-comment-text", "value"),
        State("alerts-changed", "data"),
        prevent_initial_call=True,
    )
    def comment(_: Any, alert_id: str | None, text: str | None, changed: int) -> Any:
        if not alert_id:
            return "先选一条预警 Click an alert first", no_update, no_update
        try:
            done = api()(q.COMMENT, id=alert_id, text=text or "")["commentAlert"]
        except ApiError as exc:
            return html.Span(str(exc), style={"color": "#b10026"}), no_update, no_update
        return f"已批注 Commented as {done['author']}", "", (changed or 0) + 1
