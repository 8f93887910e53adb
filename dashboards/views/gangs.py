"""A gang on the analysis centre: its panel (members by role, risk, loops, key members, drift events) and
its members drawn on the canvas with their office, shared-attribute and trade ties.

The gang's size is its member enterprises; the people who control them are members too, with the role
``controller`` and no centrality (centrality is computed over the enterprises' ties), so the panel counts
both and shows a centrality only where there is one.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from dash import Dash, Input, Output, html

from dashboards import board as b
from dashboards import client as q
from dashboards.client import Api, ApiError, GraphQLClient
from dashboards.elements import elements
from ontology import get_ontology


def layout(panel: dict[str, Any]) -> html.Div:
    return html.Div(style=panel, children=[html.H4("团伙与漂移 Gang and drift"), html.Div(id="gang-panel")])


def drift_date(event: dict[str, Any]) -> str:
    """When the drift happened (its own date); the detection time only for an event that has none."""
    return str(event.get("occurred_on") or event.get("detected_at") or "")[:10]


def member_line(member: dict[str, Any]) -> str:
    node = member["node"]
    centrality = f" · PR {member['pagerank']:.3f}" if member.get("pagerank") is not None else ""
    return f"{node['caption'] or node['id']} · {node['label']} · {member['role'] or 'member'}{centrality}"


def roles(members: list[dict[str, Any]]) -> str:
    counts = Counter(m["role"] or "member" for m in members)
    return ", ".join(f"{n} {role}" for role, n in sorted(counts.items()))


def register(app: Dash, api: Api) -> None:
    @app.callback(Output("gang-panel", "children"), Input("gang-select", "value"), prevent_initial_call=True)
    def gang_panel(gang: str | None) -> Any:
        if not gang:
            return ""
        try:
            data = api()(q.GANG, id=gang)["gang"]
        except ApiError as exc:
            return html.Div(str(exc), style={"color": "red"})
        events = sorted(data["driftEvents"], key=drift_date, reverse=True)
        members = data["members"]
        enterprises = [m for m in members if m["node"]["label"] == "Enterprise"]
        return [
            html.Div(
                f"{data['id']} · 企业 {len(enterprises)} enterprises · 成员 {len(members)} members "
                f"({roles(members)}) · 风险 risk {data['risk']}",
                className="gang-summary",
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
            html.Ul([html.Li(member_line(m), className="gang-member") for m in members[:8]]),
            html.H5("漂移事件 Drift events"),
            html.Ul(
                [
                    html.Li(
                        html.Button(
                            f"{e['kind']} {e.get('port') or ''} · {drift_date(e)} · "
                            f"{'; '.join(e['evidence'][:3])}",
                            id={"type": "drift", "index": e["id"]},
                            className="drift-event",
                            title="在画布中展开 Open on the canvas",
                            style={"textAlign": "left", "whiteSpace": "normal"},
                        )
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
