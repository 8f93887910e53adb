"""The workbench tab: quick search, my tasks, watched gangs, the latest drift events, custom tags, recent
alerts and the gang list (whose options also feed the canvas's gang picker)."""

from __future__ import annotations

from typing import Any

from dash import ALL, Dash, Input, Output, State, callback_context, dcc, html, no_update

from dashboards import client as q
from dashboards import ui
from dashboards.client import Api, ApiError
from dashboards.officer import officer
from dashboards.views import search
from dashboards.views.gangs import drift_date


def layout(panel: dict[str, Any]) -> list[Any]:
    return [
        search.layout(panel),
        html.Div(
            style={"display": "flex", "gap": "8px"},
            children=[
                ui.card(
                    style={**panel, "flex": "1"},
                    children=[ui.title("我的任务 My tasks"), html.Div(id="my-tasks")],
                ),
                ui.card(
                    style={**panel, "flex": "1"},
                    children=[ui.title("我的关注 My watches"), html.Div(id="my-watches")],
                ),
                ui.card(
                    style={**panel, "flex": "1"},
                    children=[ui.title("关注的团伙 Watched gangs"), html.Div(id="watched-gangs")],
                ),
                ui.card(
                    style={**panel, "flex": "1"},
                    children=[
                        ui.title("常用分析 Common analyses: latest drift"),
                        html.Div(id="common-analyses"),
                    ],
                ),
                ui.card(
                    style={**panel, "flex": "1"},
                    children=[
                        ui.title("自定义标签 Custom tags"),
                        html.Div(id="custom-tags"),
                        dcc.Input(id="custom-tag-text", placeholder="给所选节点加标签 tag the picked node"),
                        html.Button("加标签 Add", id="custom-tag-add"),
                    ],
                ),
            ],
        ),
        html.Div(
            style={"display": "flex", "gap": "8px"},
            children=[
                ui.card(
                    style={**panel, "flex": "2 1 0", "minWidth": 0},
                    children=[ui.title("最新预警 Recent alerts"), html.Div(id="recent-alerts")],
                ),
                ui.card(
                    style={**panel, "flex": "1 1 0", "minWidth": 0},
                    children=[ui.title("最近案卷 Recent case files"), html.Div(id="recent-cases")],
                ),
            ],
        ),
        ui.card(style=panel, children=[ui.title("团伙 Gangs"), html.Div(id="gang-list")]),
    ]


RECENT_CASES = 6  # case files listed on the home page


def alert_entry(alert: dict[str, Any], where: str) -> html.Li:
    """An alert as a button that opens it with its evidence on the canvas."""
    return html.Li(
        html.Button(
            f"[{alert['severity']}] {alert['title']} · {alert['status']}",
            id={"type": "open-alert", "index": f"{where}|{alert['id']}"},
            className="alert-entry",
            style={"textAlign": "left", "whiteSpace": "normal"},
        )
    )


def register(app: Dash, api: Api) -> None:
    search.register(app, api)

    @app.callback(
        Output("recent-alerts", "children"),
        Output("gang-list", "children"),
        Output("gang-select", "options"),
        Input("tick", "n_intervals"),
    )
    def workbench(_: int) -> Any:
        client = api()
        alerts = client(q.ALERTS)["alerts"][:10]
        gangs = client(q.GANGS)["gangs"]
        alert_list = html.Ul([alert_entry(a, "recent") for a in alerts]) if alerts else "暂无 None"
        gang_list = html.Ul(
            [
                ui.entry(
                    f"{g['id']} · {g['size']} 企业 enterprises · risk {g['risk']}",
                    "open-gang",
                    g["id"],
                    className="gang-entry",
                    title="在分析中心打开 Open in the analysis centre",
                )
                for g in gangs[:15]
            ]
        )
        options = [{"label": f"{g['id']} ({g['size']}, risk {g['risk']})", "value": g["id"]} for g in gangs]
        return alert_list, gang_list, options

    @app.callback(
        Output("my-tasks", "children"),
        Output("my-watches", "children"),
        Output("watched-gangs", "children"),
        Output("common-analyses", "children"),
        Output("custom-tags", "children"),
        Input("tick", "n_intervals"),
        Input("custom-tag-add", "n_clicks"),
        State("custom-tag-text", "value"),
        State("picked", "data"),
    )
    def my_workbench(_: int, _add: Any, text: str | None, picked: list[dict[str, str]]) -> Any:
        client = api()
        problem: Any = ""
        if callback_context.triggered_id == "custom-tag-add":
            if not picked:
                problem = html.Div("先在画布或检索中选一个节点 Pick a node first", style={"color": "#a60"})
            elif text:
                node = picked[-1]
                try:
                    client(q.ADD_TAG, l=node["kind"], id=node["nid"], t=text)
                except ApiError as exc:
                    problem = html.Div(str(exc), style={"color": "red"})
        found, refused = client.partial(q.WORKBENCH)
        data = {key: found.get(key) or [] for key in ("mine", "watches", "driftEvents", "customTags")}
        if refused and not problem:
            problem = html.Div("; ".join(refused), style={"color": "#a60"})
        tasks = html.Ul([alert_entry(a, "task") for a in data["mine"]]) if data["mine"] else "暂无 None"
        me = getattr(officer(), "name", None)
        mine = [w for w in data["watches"] if w.get("owner") == me]
        my_watches = (
            html.Ul(
                [
                    html.Li(
                        html.Button(
                            w["title"],
                            id={"type": "open-subject", "index": f"{w['targetLabel']}|{w['targetId']}"},
                            className="watch-entry",
                        )
                    )
                    for w in mine
                    if w["targetLabel"] != "Pattern"
                ]
            )
            if mine
            else "暂无 None"
        )
        gangs = {w["targetId"]: w for w in data["watches"] if w["targetLabel"] == "Gang"}  # one entry a gang
        watched = (
            html.Ul(
                [
                    html.Li(html.Button(w["title"], id={"type": "watched-gang", "index": gang}))
                    for gang, w in sorted(gangs.items())
                ]
            )
            if gangs
            else "暂无 None"
        )
        drift = html.Ul(
            [
                html.Li(
                    html.Button(
                        f"{e['kind']} {e.get('port') or ''} · {e['gang']} · {drift_date(e)}",
                        id={"type": "drift", "index": e["id"]},
                        className="drift-event",
                    )
                )
                for e in data["driftEvents"]
            ]
        )
        tags = html.Ul(
            [
                html.Li(f"◆ {t['tag']} · {t['label']} {t['nodeId']}", className="custom-tag")
                for t in data["customTags"]
            ]
        )
        return tasks, my_watches, watched, drift or "暂无 None", [problem, tags]

    @app.callback(
        Output("recent-cases", "children"),
        Input("tick", "n_intervals"),
        Input("case-msg", "children"),  # a case file just saved is listed at once
    )
    def recent_cases(_: int, _saved: Any) -> Any:
        """The unit's case files, most recently saved first; each reopens on the canvas."""
        try:
            files = api()(q.CASE_FILES)["caseFiles"][:RECENT_CASES]
        except ApiError as exc:
            return html.Div(str(exc), className="recent-cases-refused", style={"fontSize": "11px"})
        if not files:
            return "暂无 None"
        return html.Ul(
            [
                ui.entry(
                    f"{f['name']} · {f['owner']} · {f['updatedAt'][:16].replace('T', ' ')}",
                    "open-case",
                    f["id"],
                    className="case-entry",
                    title="在分析中心打开 Open on the canvas",
                )
                for f in files
            ]
        )

    @app.callback(
        Output("case-pick", "value"),
        Output("tabs", "value", allow_duplicate=True),
        Input({"type": "open-case", "index": ALL}, "n_clicks"),
        prevent_initial_call=True,
    )
    def open_case(_: Any) -> Any:
        """A recent case file, reopened on the canvas of the analysis centre."""
        index = ui.clicked_index()
        return (no_update, no_update) if index is None else (index, "analysis")

    @app.callback(
        Output("gang-select", "value"),
        Output("tabs", "value", allow_duplicate=True),
        Input({"type": "watched-gang", "index": ALL}, "n_clicks"),
        Input({"type": "open-gang", "index": ALL}, "n_clicks"),
        prevent_initial_call=True,
    )
    def open_gang(_w: Any, _g: Any) -> Any:
        """A watched gang or a gang of the list, opened in the analysis centre."""
        index = ui.clicked_index()
        return (no_update, no_update) if index is None else (index, "analysis")
