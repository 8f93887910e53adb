"""Details of the node picked on the canvas or in the search results: its properties, an enterprise's
profile, a subject's tags, a declaration's papers (certificates, documents, scan verdicts, images) and
risk scores. The last two picks are kept for the relation-strength panel."""

from __future__ import annotations

from typing import Any

import yaml
from dash import ALL, Dash, Input, Output, State, callback_context, html, no_update

from dashboards import client as q
from dashboards.client import Api, ApiError, GraphQLClient


def layout(panel: dict[str, Any]) -> html.Div:
    return html.Div(style=panel, children=[html.H4("详情 Details"), html.Div(id="details")])


def register(app: Dash, api: Api) -> None:
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
        rows: list[Any] = [html.B(f"{label} {node['caption']}")]
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
                rows.append(profile(client, label, nid))
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


def profile(client: GraphQLClient, label: str, nid: str) -> html.Div:
    """An enterprise's behaviour in one line: declarations, value, inspections, hit rate, ports."""
    prof = client(q.PROFILE, l=label, id=nid)["profile"]
    return html.Div(
        f"申报 declarations {prof['declarationCount']} · 货值 value "
        f"{prof['totalValueUsd']:,.0f} USD · 查验 inspections {prof['inspectionCount']} · "
        f"查获率 hit rate {prof['hitRate'] if prof['hitRate'] is not None else '-'} · "
        f"口岸 ports {', '.join(prof['ports'])}"
    )


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
