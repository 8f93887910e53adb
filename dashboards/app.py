"""Investigator dashboards (Dash + dash-cytoscape), served under /dash by the same server as the API.

Views: workbench (search, my tasks, watched gangs, latest drift events, custom tags, alerts, gangs),
analysis centre (graph canvas with expand-on-click, styling by label, tag level and risk level, details
with certificates, documents, scan verdicts and images, timeline linked to the canvas, gang view with key
members and loops, drift events, relation strength, case files, PNG/CSV/GraphML export), trajectories
(``dashboards/trajectory.py``), alerts feed (acknowledge, assign), label editor (dry run, save).
Everything goes through the GraphQL API.
"""

from __future__ import annotations

import json
from typing import Any

import dash_cytoscape as cyto
import yaml
from dash import ALL, Dash, Input, Output, State, callback_context, dash_table, dcc, html, no_update

from dashboards import casefiles, timeline, trajectory
from dashboards import client as q
from dashboards.client import ApiError, GraphQLClient
from dashboards.style import legend, stylesheet
from tianji.core.settings import Settings

cyto.load_extra_layouts()

TIE_TYPES = [
    "LEGAL_REP_OF",
    "SHAREHOLDER_OF",
    "MANAGER_OF",
    "LOCATED_AT",
    "HAS_PHONE",
    "HAS_ACCOUNT",
    "USES_VEHICLE",
    "TRADES_WITH",
    "INVOLVED_IN",
    "CONSIGNEE",
    "DECLARING_AGENT",
    "MEMBER_OF",
    "DRIFT_OF",
    "DRIFT_EVIDENCE",
]


def elements(hood: dict[str, Any], extra_classes: dict[str, str] | None = None) -> list[dict[str, Any]]:
    extra_classes = extra_classes or {}
    out = []
    for node in hood["nodes"]:
        key = f"{node['label']}|{node['id']}"
        out.append(
            {
                "data": {
                    "id": key,
                    "label": (node.get("caption") or node["id"])[:24],
                    "kind": node["label"],
                    "nid": node["id"],
                },
                "classes": f"{node['label']} {extra_classes.get(key, '')}".strip(),
            }
        )
    for edge in hood["edges"]:
        out.append(
            {
                "data": {
                    "id": f"e{edge['id']}",
                    "source": f"{edge['sourceLabel']}|{edge['source']}",
                    "target": f"{edge['targetLabel']}|{edge['target']}",
                    "label": edge["type"],
                },
                "classes": edge["type"],
            }
        )
    return out


def marked(client: GraphQLClient, els: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Nodes classed by their highest tag level (tag-high: 4-5) and risk level (risk-high: 4-5)."""
    keys = [e["data"]["id"] for e in els if "source" not in e["data"]]
    try:
        marks = client(q.MARKS, n=keys)["riskMarks"] if keys else {}
    except ApiError:
        return els
    for e in els:
        mark = marks.get(e["data"].get("id"))
        if mark:
            extra = (" tag-high" if mark["tag"] >= 4 else "") + (" risk-high" if mark["risk"] >= 4 else "")
            e["classes"] = (e.get("classes", "") + extra).strip()
            e["data"]["tag_level"], e["data"]["risk_level"] = mark["tag"], mark["risk"]
    return els


def merge(old: list[dict[str, Any]], new: list[dict[str, Any]]) -> list[dict[str, Any]]:
    seen = {e["data"]["id"] for e in old}
    return old + [e for e in new if e["data"]["id"] not in seen]


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

    panel = {"border": "1px solid #ddd", "borderRadius": "6px", "padding": "8px", "marginBottom": "8px"}
    app.layout = html.Div(
        style={"fontFamily": "Noto Sans CJK SC, sans-serif", "margin": "8px"},
        children=[
            html.H2("天机 Tianji · 海关风险知识图谱 Customs risk knowledge graph"),
            dcc.Tabs(
                id="tabs",
                value="analysis",
                children=[
                    dcc.Tab(
                        label="工作台 Workbench",
                        value="workbench",
                        children=[
                            html.Div(
                                style=panel,
                                children=[
                                    html.H4("快速检索 Quick search"),
                                    dcc.Input(
                                        id="search-text",
                                        placeholder="企业名称、车牌、代码 name, plate, code",
                                        debounce=True,
                                        style={"width": "60%"},
                                    ),
                                    html.Button("检索 Search", id="search-go"),
                                    html.Div(id="search-results"),
                                ],
                            ),
                            html.Div(
                                style={"display": "flex", "gap": "8px"},
                                children=[
                                    html.Div(
                                        style={**panel, "flex": "1"},
                                        children=[html.H4("我的任务 My tasks"), html.Div(id="my-tasks")],
                                    ),
                                    html.Div(
                                        style={**panel, "flex": "1"},
                                        children=[
                                            html.H4("关注的团伙 Watched gangs"),
                                            html.Div(id="watched-gangs"),
                                        ],
                                    ),
                                    html.Div(
                                        style={**panel, "flex": "1"},
                                        children=[
                                            html.H4("常用分析 Common analyses: latest drift"),
                                            html.Div(id="common-analyses"),
                                        ],
                                    ),
                                    html.Div(
                                        style={**panel, "flex": "1"},
                                        children=[
                                            html.H4("自定义标签 Custom tags"),
                                            html.Div(id="custom-tags"),
                                            dcc.Input(
                                                id="custom-tag-text",
                                                placeholder="给所选节点加标签 tag the picked node",
                                            ),
                                            html.Button("加标签 Add", id="custom-tag-add"),
                                        ],
                                    ),
                                ],
                            ),
                            html.Div(
                                style=panel,
                                children=[html.H4("最新预警 Recent alerts"), html.Div(id="recent-alerts")],
                            ),
                            html.Div(style=panel, children=[html.H4("团伙 Gangs"), html.Div(id="gang-list")]),
                        ],
                    ),
                    dcc.Tab(
                        label="分析中心 Analysis centre",
                        value="analysis",
                        children=[
                            html.Div(
                                style={"display": "flex", "gap": "8px"},
                                children=[
                                    html.Div(
                                        style={"flex": "3"},
                                        children=[
                                            html.Div(
                                                style=panel,
                                                children=[
                                                    dcc.Input(
                                                        id="canvas-search",
                                                        placeholder="检索后展开 search then expand",
                                                        debounce=True,
                                                    ),
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
                                                    dcc.Dropdown(
                                                        id="gang-select",
                                                        style={"width": "260px", "display": "inline-block"},
                                                    ),
                                                    html.Button("导出CSV Export CSV", id="export-csv"),
                                                    html.Button(
                                                        "导出GraphML Export GraphML", id="export-graphml"
                                                    ),
                                                    html.Button("导出PNG Export PNG", id="export-png"),
                                                    html.Button("清空 Clear", id="clear"),
                                                    dcc.Download(id="download"),
                                                    dcc.Checklist(
                                                        id="types",
                                                        options=TIE_TYPES,
                                                        value=[],
                                                        inline=True,
                                                        style={"fontSize": "11px"},
                                                    ),
                                                ],
                                            ),
                                            cyto.Cytoscape(
                                                id="canvas",
                                                elements=[],
                                                layout={
                                                    "name": "fcose",
                                                    "animate": False,
                                                    "randomize": True,
                                                    "quality": "default",
                                                },
                                                style={
                                                    "width": "100%",
                                                    "height": "640px",
                                                    "border": "1px solid #ccc",
                                                },
                                                stylesheet=stylesheet(),
                                                minZoom=0.1,
                                                maxZoom=3,
                                            ),
                                            html.Div(legend(), style={"fontSize": "11px"}),
                                            html.Div(id="canvas-notice", style={"color": "#a60"}),
                                            timeline.layout(panel),
                                        ],
                                    ),
                                    html.Div(
                                        style={"flex": "2"},
                                        children=[
                                            casefiles.layout(panel),
                                            html.Div(
                                                style=panel,
                                                children=[html.H4("详情 Details"), html.Div(id="details")],
                                            ),
                                            html.Div(
                                                style=panel,
                                                children=[
                                                    html.H4("关系强度 Relation strength"),
                                                    html.Div(
                                                        id="pair", children="点击两个节点 Click two nodes"
                                                    ),
                                                    html.Button("计算 Compute", id="strength-go"),
                                                    html.Div(id="strength"),
                                                ],
                                            ),
                                            html.Div(
                                                style=panel,
                                                children=[
                                                    html.H4("团伙与漂移 Gang and drift"),
                                                    html.Div(id="gang-panel"),
                                                ],
                                            ),
                                        ],
                                    ),
                                ],
                            ),
                        ],
                    ),
                    dcc.Tab(
                        label="轨迹 Trajectories",
                        value="tracks",
                        children=[trajectory.layout(panel)],
                    ),
                    dcc.Tab(
                        label="预警 Alerts",
                        value="alerts",
                        children=[
                            html.Div(
                                style=panel,
                                children=[
                                    html.Button("刷新 Refresh", id="alerts-refresh"),
                                    html.Button("确认所选 Acknowledge selected", id="alerts-ack"),
                                    dcc.Input(id="alerts-assignee", placeholder="指派给 assignee"),
                                    html.Button("指派所选 Assign selected", id="alerts-assign"),
                                    html.Div(id="alerts-msg"),
                                    dash_table.DataTable(
                                        id="alerts-table",
                                        row_selectable="single",
                                        page_size=15,
                                        columns=[
                                            {"name": n, "id": n}
                                            for n in (
                                                "id",
                                                "severity",
                                                "status",
                                                "title",
                                                "cause",
                                                "raisedAt",
                                            )
                                        ],
                                        style_cell={"fontSize": "12px", "textAlign": "left"},
                                    ),
                                ],
                            )
                        ],
                    ),
                    dcc.Tab(
                        label="标签编辑 Label editor",
                        value="labels",
                        children=[
                            html.Div(
                                style=panel,
                                children=[
                                    dcc.Dropdown(id="tag-pick", placeholder="选择标签 Pick a tag"),
                                    dcc.Textarea(
                                        id="tag-yaml",
                                        style={"width": "100%", "height": "260px", "fontFamily": "monospace"},
                                    ),
                                    html.Button("试运行 Dry run", id="tag-dry"),
                                    html.Button("保存并应用 Save and apply", id="tag-save"),
                                    html.Div(id="tag-result"),
                                ],
                            )
                        ],
                    ),
                ],
            ),
            dcc.Store(id="picked", data=[]),
            dcc.Interval(id="tick", interval=60_000, n_intervals=0),
        ],
    )

    trajectory.register(app, api)
    timeline.register(app, api)
    casefiles.register(app, api)

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
        return (
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
            )
            if edges
            else "无结果 No result"
        )

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
        alert_list = (
            html.Ul([html.Li(f"[{a['severity']}] {a['title']} · {a['status']}") for a in alerts])
            if alerts
            else "暂无 None"
        )
        gang_list = html.Ul(
            [html.Li(f"{g['id']} · {g['size']} members · risk {g['risk']}") for g in gangs[:15]]
        )
        options = [{"label": f"{g['id']} ({g['size']}, risk {g['risk']})", "value": g["id"]} for g in gangs]
        return alert_list, gang_list, options

    @app.callback(
        Output("my-tasks", "children"),
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
        data = client(q.WORKBENCH)
        tasks = (
            html.Ul([html.Li(f"[{a['severity']}] {a['title']} · {a['status']}") for a in data["mine"]])
            if data["mine"]
            else "暂无 None"
        )
        gangs = [w for w in data["watches"] if w["targetLabel"] == "Gang"]
        watched = (
            html.Ul(
                [
                    html.Li(html.Button(w["title"], id={"type": "watched-gang", "index": w["targetId"]}))
                    for w in gangs
                ]
            )
            if gangs
            else "暂无 None"
        )
        drift = html.Ul(
            [
                html.Li(
                    html.Button(
                        f"{e['kind']} {e.get('port') or ''} · {e['gang']} · {str(e['detected_at'])[:10]}",
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
        return tasks, watched, drift or "暂无 None", [problem, tags]

    @app.callback(
        Output("gang-select", "value"),
        Input({"type": "watched-gang", "index": ALL}, "n_clicks"),
        prevent_initial_call=True,
    )
    def open_watched(_: Any) -> Any:
        trigger = callback_context.triggered_id
        if not isinstance(trigger, dict) or not callback_context.triggered[0]["value"]:
            return no_update
        return trigger["index"]

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

    @app.callback(
        Output("details", "children"),
        Output("picked", "data"),
        Output("pair", "children"),
        Input("canvas", "tapNodeData"),
        Input({"type": "result", "index": ALL}, "n_clicks"),
        State("picked", "data"),
        prevent_initial_call=True,
    )
    def details(tapped: dict[str, Any] | None, _r: Any, picked: list[dict[str, str]]) -> Any:
        trigger = callback_context.triggered_id
        if isinstance(trigger, dict):  # a search result clicked: its details, as a tap would show
            if not callback_context.triggered[0]["value"]:
                return no_update, no_update, no_update
            kind, nid = trigger["index"].split("|", 1)
            tapped = {"kind": kind, "nid": nid}
        if not tapped:
            return no_update, no_update, no_update
        client = api()
        label, nid = tapped["kind"], tapped["nid"]
        node = client(q.NODE, l=label, id=nid)["node"]
        rows = [html.B(f"{label} {node['caption']}")]
        props = {
            k: v for k, v in node["properties"].items() if k not in ("search_text", "run_id", "source_line")
        }
        rows.append(
            html.Pre(
                yaml.safe_dump(props, allow_unicode=True, sort_keys=True)[:1500],
                style={"fontSize": "11px", "whiteSpace": "pre-wrap"},
            )
        )
        if label in ("Enterprise", "Person", "Vehicle"):
            if label == "Enterprise":
                prof = client(q.PROFILE, l=label, id=nid)["profile"]
                rows.append(
                    html.Div(
                        f"申报 declarations {prof['declarationCount']} · 货值 value "
                        f"{prof['totalValueUsd']:,.0f} USD · 查验 inspections {prof['inspectionCount']} · "
                        f"查获率 hit rate {prof['hitRate'] if prof['hitRate'] is not None else '-'} · "
                        f"口岸 ports {', '.join(prof['ports'])}"
                    )
                )
            tags = client(q.TAGS, l=label, id=nid)["subjectTags"]
            rows.append(
                html.Ul(
                    [
                        html.Li(
                            f"◆ {t['code']} {t['name']} L{t['level']}/{t['layer']} ← "
                            f"{'; '.join(t['evidence'][:3])}"
                        )
                        for t in tags
                    ]
                )
            )
        if label == "Declaration":
            rows += papers(client, nid)
            for score in client(q.SCORES, id=nid)["riskScores"]:
                rows.append(
                    html.Div(
                        f"风险 risk {score['score']:.3f} · 等级 level {score['level']} · "
                        f"{score['modelVersion']}"
                    )
                )
                rows.append(html.Ul([html.Li(r) for r in score["reasons"]]))
        picked = ([*picked, {"kind": label, "nid": nid, "caption": node["caption"]}])[-2:]
        pair = " ↔ ".join(f"{p['kind']} {p['caption']}" for p in picked)
        return rows, picked, pair

    @app.callback(
        Output("strength", "children"),
        Input("strength-go", "n_clicks"),
        State("picked", "data"),
        prevent_initial_call=True,
    )
    def strength(_: Any, picked: list[dict[str, str]]) -> Any:
        if len(picked) < 2:
            return "需要两个节点 Pick two nodes"
        a, b = picked
        result = api()(q.STRENGTH, fl=a["kind"], fi=a["nid"], tl=b["kind"], ti=b["nid"])["relationStrength"]
        return [
            html.B(f"强度 strength {result['score']:.3f}"),
            html.Ul([html.Li(x) for x in result["explanation"]]),
        ]

    @app.callback(Output("gang-panel", "children"), Input("gang-select", "value"), prevent_initial_call=True)
    def gang_panel(gang: str | None) -> Any:
        if not gang:
            return ""
        data = api()(q.GANG, id=gang)["gang"]
        events = data["driftEvents"]
        return [
            html.Div(
                f"{data['id']} · {data['size']} · risk {data['risk']} · {data['algorithm']} {data['version']}"
            ),
            html.Div(
                "闭环 Loops: " + (" | ".join(data["tradeLoops"] + data["ownershipLoops"]) or "-"),
                style={"fontSize": "11px"},
            ),
            html.H5("关键成员 Key members"),
            html.Ul(
                [
                    html.Li(f"{m['node']['caption']} · {m['role']} · PR {m['pagerank']}")
                    for m in data["members"][:6]
                ]
            ),
            html.H5("漂移事件 Drift events"),
            html.Ul(
                [
                    html.Li(
                        html.Button(
                            f"{e['kind']} {e.get('port') or ''} · {e['detected_at']} · "
                            f"{'; '.join(e['evidence'][:4])}",
                            id={"type": "drift", "index": e["id"]},
                            className="drift-event",
                            title="在画布中展开 Open on the canvas",
                        )
                    )
                    for e in events
                ]
            )
            if events
            else "无 None",
        ]

    @app.callback(
        Output("download", "data"),
        Input("export-csv", "n_clicks"),
        Input("export-graphml", "n_clicks"),
        State("canvas", "elements"),
        prevent_initial_call=True,
    )
    def export_csv(_: Any, _g: Any, current: list[dict[str, Any]]) -> Any:
        if callback_context.triggered_id == "export-graphml":
            return {"content": graphml(current), "filename": "tianji-view.graphml"}
        lines = ["kind,id,label,source,target"]
        for e in current:
            d = e["data"]
            if "source" in d:
                lines.append(f"edge,{d['id']},{d['label']},{d['source']},{d['target']}")
            else:
                lines.append(f"node,{d['id']},{d['label']},,")
        return {"content": "\n".join(lines), "filename": "tianji-view.csv"}

    @app.callback(
        Output("canvas", "generateImage"), Input("export-png", "n_clicks"), prevent_initial_call=True
    )
    def export_png(_: Any) -> Any:
        return {"type": "png", "action": "download", "filename": "tianji-view"}

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

    @app.callback(Output("tag-pick", "options"), Input("tabs", "value"))
    def tag_options(_: str) -> Any:
        return [
            {"label": f"{t['code']} {t['nameZh']}", "value": json.dumps(t)}
            for t in api()(q.TAG_DEFS)["tagDefinitions"]
        ]

    @app.callback(Output("tag-yaml", "value"), Input("tag-pick", "value"), prevent_initial_call=True)
    def tag_text(value: str | None) -> Any:
        if not value:
            return no_update
        tag = json.loads(value)
        doc = {
            "code": tag["code"],
            "category": tag["category"],
            "level": tag["level"],
            "layer": tag["layer"],
            "name_zh": tag["nameZh"],
            "name_en": tag["nameEn"],
            "rule": tag["rule"],
        }
        return yaml.safe_dump(doc, allow_unicode=True, sort_keys=False)

    @app.callback(
        Output("tag-result", "children"),
        Input("tag-dry", "n_clicks"),
        Input("tag-save", "n_clicks"),
        State("tag-yaml", "value"),
        prevent_initial_call=True,
    )
    def tag_run(_d: Any, _s: Any, text: str | None) -> Any:
        if not text:
            return "先选择或编写标签 Pick or write a tag first"
        saving = callback_context.triggered_id == "tag-save"
        try:
            result = api("analyst")(q.SAVE if saving else q.PROPOSE, d=text)[
                "saveTag" if saving else "proposeTag"
            ]
        except ApiError as exc:
            return html.Div(str(exc), style={"color": "red"}, className="tag-error")
        verb = "已应用 Applied" if saving else "试运行 Dry run"
        return html.Div(
            className="tag-outcome",
            children=[
                html.B(
                    f"{verb} {result['tag']}: +{len(result['add'])} −{len(result['remove'])} ={result['keep']}"
                ),
                html.Div("新增 add: " + ", ".join(result["add"][:20])),
                html.Div("移除 remove: " + ", ".join(result["remove"][:20])),
            ],
        )

    return app


def papers(client: GraphQLClient, entry_no: str) -> list[Any]:
    """A declaration's certificates (fields, mismatches), trade documents (flags), scan verdicts and images."""
    data = client(q.DECLARATION_PAPERS, e=entry_no)
    out: list[Any] = []
    for cert in data["certificates"]:
        p = cert["properties"]
        out.append(
            html.Div(
                className="certificate",
                children=[
                    html.B(f"证书 Certificate {p.get('cert_type')} {p.get('number') or ''}"),
                    html.Div(
                        "不符 Mismatches: " + ("; ".join(p.get("mismatches") or []) or "无 none"),
                        style={"color": "#b00" if p.get("mismatches") else "#070"},
                    ),
                    html.Div(" · ".join(p.get("fields") or []), style={"fontSize": "11px"}),
                ],
            )
        )
    for doc in data["documents"]:
        p = doc["properties"]
        out.append(
            html.Div(
                className="document",
                children=[
                    html.B(f"单证 Document {p.get('kind')} {p.get('number') or ''}"),
                    html.Div(
                        "; ".join((p.get("flags") or []) + (p.get("unresolved") or [])) or "一致 consistent"
                    ),
                ],
            )
        )
    verdicts = [v["properties"] for v in data["imageVerdicts"]]
    if verdicts:
        out.append(
            html.Ul(
                className="verdicts",
                children=[
                    html.Li(f"图像 {v['task']}: {v['verdict']} ({v.get('confidence', 0):.2f})")
                    for v in verdicts
                ],
            )
        )
    for image in data["images"][:4]:
        try:
            source = client.image(image["id"])
        except ApiError as exc:
            out.append(html.Div(str(exc), style={"color": "red"}))
            continue
        out.append(
            html.Img(
                src=source,
                className=f"image-{image['properties'].get('kind')}",
                title=image["id"],
                style={"maxWidth": "100%", "border": "1px solid #ccc", "marginTop": "4px"},
            )
        )
    return out


def graphml(current: list[dict[str, Any]]) -> str:
    """The canvas as GraphML (for Gephi, yEd, Cytoscape desktop): nodes with label and kind, typed edges."""
    import io

    import networkx as nx

    graph = nx.MultiDiGraph()
    for element in current:
        d = element["data"]
        if "source" in d:
            graph.add_edge(d["source"], d["target"], key=d["id"], type=d["label"])
        else:
            graph.add_node(d["id"], label=d["label"], kind=d.get("kind", ""), node_id=d.get("nid", ""))
    buffer = io.BytesIO()
    nx.write_graphml(graph, buffer)
    return buffer.getvalue().decode("utf-8")


def gang_elements(client: GraphQLClient, gang: str) -> list[dict[str, Any]]:
    data = client(q.GANG, id=gang)["gang"]
    loops = {x for loop in data["tradeLoops"] + data["ownershipLoops"] for x in loop.split(" > ")}
    els: list[dict[str, Any]] = []
    top = max((m["pagerank"] or 0 for m in data["members"]), default=1) or 1
    for m in data["members"]:
        node = m["node"]
        key = f"{node['label']}|{node['id']}"
        size = 30 + 50 * (m["pagerank"] or 0) / top
        els.append(
            {
                "data": {
                    "id": key,
                    "label": (node["caption"] or node["id"])[:24],
                    "kind": node["label"],
                    "nid": node["id"],
                    "size": size,
                },
                "classes": f"{node['label']} gang {'core' if m['role'] == 'core' else ''} "
                f"{'loop' if node['id'] in loops else ''}".strip(),
            }
        )
        if node["label"] == "Enterprise":
            hood = client(
                q.HOOD,
                l="Enterprise",
                id=node["id"],
                d=1,
                types=[
                    "LEGAL_REP_OF",
                    "SHAREHOLDER_OF",
                    "LOCATED_AT",
                    "HAS_PHONE",
                    "HAS_ACCOUNT",
                    "USES_VEHICLE",
                    "TRADES_WITH",
                ],
            )["neighbourhood"]
            els = merge(els, elements(hood))
    return els
