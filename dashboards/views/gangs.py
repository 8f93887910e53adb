"""A gang on the analysis centre: its panel (size, risk, loops, key members, drift events) and its members
drawn on the canvas with their office, shared-attribute and trade ties."""

from __future__ import annotations

from typing import Any

from dash import Dash, Input, Output, html

from dashboards import client as q
from dashboards.client import Api, GraphQLClient
from dashboards.elements import elements, merge
from ontology import get_ontology


def layout(panel: dict[str, Any]) -> html.Div:
    return html.Div(style=panel, children=[html.H4("团伙与漂移 Gang and drift"), html.Div(id="gang-panel")])


def register(app: Dash, api: Api) -> None:
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


def gang_elements(client: GraphQLClient, gang: str) -> list[dict[str, Any]]:
    """The gang's members (sized by PageRank, core and loop members classed) and each member enterprise's
    office, shared-attribute and trade ties."""
    data = client(q.GANG, id=gang)["gang"]
    loops = {x for loop in data["tradeLoops"] + data["ownershipLoops"] for x in loop.split(" > ")}
    around = get_ontology().ties("office", "shared", "trade")
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
            hood = client(q.HOOD, l="Enterprise", id=node["id"], d=1, types=around)["neighbourhood"]
            els = merge(els, elements(hood))
    return els
