"""A gang on the analysis centre: its panel (members by role, risk with its reasons, loops, key members
with their tag levels, drift events, a re-screening by current tags) and its members drawn on the canvas
with their office, shared-attribute and trade ties.

The gang's size is its member enterprises; the people who control them are members too, with the role
``controller`` and no centrality (centrality is computed over the enterprises' ties), so the panel counts
both and shows a centrality only where there is one.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from dash import Dash, Input, Output, State, dcc, html, no_update

from dashboards import board as b
from dashboards import client as q
from dashboards import ui
from dashboards.client import Api, ApiError, GraphQLClient
from dashboards.elements import elements
from ontology import get_ontology


def layout(panel: dict[str, Any]) -> html.Div:
    return ui.card(
        style=panel,
        children=[
            ui.title("团伙与漂移 Gang and drift"),
            html.Div(id="gang-panel"),
            dcc.Store(id="gang-screening"),
        ],
    )


def reason_bar(reason: dict[str, Any]) -> html.Div:
    """One factor of the risk: a bar as long as its contribution (the whole width is a risk of 1), over a
    faint bar as long as its weight (what it could add at most), with what it measured."""
    return html.Div(
        className="gang-reason",
        title=f"{reason['code']} · 权重 weight {reason['weight']:.2f} · 取值 value {reason['value']:.2f}",
        style={"margin": "2px 0", "fontSize": "11px"},
        children=[
            html.Div(
                f"+{reason['contribution']:.3f} {reason['nameZh']} {reason['nameEn']}: "
                f"{reason['detailZh']} · {reason['detailEn']}"
            ),
            html.Div(
                style={"background": "#eee", "height": "6px", "width": f"{100 * reason['weight']:.1f}%"},
                children=html.Div(
                    style={
                        "background": "#c0392b",
                        "height": "6px",
                        "width": f"{100 * reason['value']:.1f}%",
                    }
                ),
            ),
        ],
    )


def screening_line(screening: dict[str, Any] | None, gang: str, risk: float | None) -> list[html.Div]:
    if not screening or screening.get("gang") != gang:
        return []
    before = screening.get("previous")
    was = f"{before:.3f}" if isinstance(before, int | float) else "-"
    return [html.Div(f"重新筛查 Re-screened: 风险 risk {was} → {risk}", className="gang-screening")]


def drift_date(event: dict[str, Any]) -> str:
    """When the drift happened (its own date); the detection time only for an event that has none."""
    return str(event.get("occurred_on") or event.get("detected_at") or "")[:10]


def member_line(member: dict[str, Any], marks: dict[str, Any] | None = None) -> str:
    node = member["node"]
    centrality = f" · PR {member['pagerank']:.3f}" if member.get("pagerank") is not None else ""
    mark = (marks or {}).get(f"{node['label']}|{node['id']}") or {}
    tag = f" · 标签 tag L{mark['tag']}" if mark.get("tag") else ""
    return (
        f"{node['caption'] or node['id']} · {node['label']} · {member['role'] or 'member'}{centrality}{tag}"
    )


def roles(members: list[dict[str, Any]]) -> str:
    counts = Counter(m["role"] or "member" for m in members)
    return ", ".join(f"{n} {role}" for role, n in sorted(counts.items()))


def register(app: Dash, api: Api) -> None:
    @app.callback(
        Output("gang-screening", "data"),
        Input("gang-rescreen", "n_clicks"),
        State("gang-select", "value"),
        prevent_initial_call=True,
    )
    def rescreen(clicks: int | None, gang: str | None) -> Any:
        if not clicks or not gang:
            return no_update
        try:
            done = api()(q.RESCREEN, id=gang)["rescreenGang"]
        except ApiError as exc:
            return {"gang": gang, "error": str(exc), "clicks": clicks}
        return {
            "gang": gang,
            "previous": done["previousRisk"],
            "risk": done["gang"]["risk"],
            "clicks": clicks,
        }

    @app.callback(
        Output("gang-panel", "children"),
        Input("gang-select", "value"),
        Input("gang-screening", "data"),
        prevent_initial_call=True,
    )
    def gang_panel(gang: str | None, screening: dict[str, Any] | None) -> Any:
        if not gang:
            return ""
        client = api()
        try:
            data = client(q.GANG, id=gang)["gang"]
        except ApiError as exc:
            return html.Div(str(exc), style={"color": "red"})
        events = sorted(data["driftEvents"], key=drift_date, reverse=True)
        members = data["members"]
        enterprises = [m for m in members if m["node"]["label"] == "Enterprise"]
        try:
            marks = client(q.MARKS, n=[f"{m['node']['label']}|{m['node']['id']}" for m in members[:8]])
        except ApiError:
            marks = {"riskMarks": {}}
        failed = (screening or {}).get("error") if (screening or {}).get("gang") == gang else None
        return [
            html.Div(
                f"{data['id']} · 企业 {len(enterprises)} enterprises · 成员 {len(members)} members "
                f"({roles(members)}) · 风险 risk {data['risk']}",
                className="gang-summary",
            ),
            *screening_line(screening, gang, data["risk"]),
            html.Div(failed, style={"color": "red"}) if failed else "",
            html.Details(
                open=True,
                className="gang-risk",
                children=[
                    html.Summary("风险构成 Why this risk"),
                    *[reason_bar(r) for r in data["riskReasons"]],
                    html.Button(
                        "按当前标签重新筛查 Re-screen by current tags",
                        id="gang-rescreen",
                        title="按成员当前的标签、案件和查验重新计算风险 "
                        "Compute the risk again from the members' current tags, cases and inspections",
                        style={"fontSize": "11px", "marginTop": "4px"},
                    ),
                ],
            ),
            html.Div(
                f"{data['algorithm'] or ''} {data['version'] or ''}",
                style={"fontSize": "11px", "color": "#666"},
            ),
            html.Div(
                "闭环 Loops: " + (" | ".join(data["tradeLoops"] + data["ownershipLoops"]) or "-"),
                style={"fontSize": "11px"},
            ),
            html.H5("关键成员 Key members"),
            html.Ul(
                [html.Li(member_line(m, marks["riskMarks"]), className="gang-member") for m in members[:8]]
            ),
            html.H5("漂移事件 Drift events"),
            html.Ul(
                [
                    ui.entry(
                        f"{e['kind']} {e.get('port') or ''} · {drift_date(e)} · {'; '.join(e['evidence'][:3])}",
                        "drift",
                        e["id"],
                        className="drift-event",
                        title="在画布中展开 Open on the canvas",
                    )
                    for e in events
                ]
            )
            if events
            else "无 None",
        ]


def gang_elements(client: GraphQLClient, gang: str) -> list[dict[str, Any]]:
    """The gang's members (sized by PageRank, core and loop members classed) and each member enterprise's
    office, shared-attribute and trade ties; a member reached again through a tie stays one marked node."""
    data = client(q.GANG, id=gang)["gang"]
    loops = {x for loop in data["tradeLoops"] + data["ownershipLoops"] for x in loop.split(" > ")}
    around = get_ontology().ties("office", "shared", "trade")
    top = max((m["pagerank"] or 0 for m in data["members"]), default=1) or 1
    members: list[dict[str, Any]] = []
    for m in data["members"]:
        node = m["node"]
        classes = [node["label"], "gang", m["role"] or "member"]
        if node["id"] in loops:
            classes.append("loop")
        members.append(
            {
                "data": {
                    "id": f"{node['label']}|{node['id']}",
                    "label": (node["caption"] or node["id"])[:24],
                    "kind": node["label"],
                    "nid": node["id"],
                    "size": 30 + 50 * (m["pagerank"] or 0) / top,
                },
                "classes": " ".join(classes),
            }
        )
    around_members: list[dict[str, Any]] = []
    for m in data["members"]:
        if m["node"]["label"] == "Enterprise":
            hood = client(q.HOOD, l="Enterprise", id=m["node"]["id"], d=1, types=around)["neighbourhood"]
            around_members += elements(hood)
    return b.visible(b.replaced(members + around_members))
