"""Details of the node picked on the canvas or in the search results, as a card: its name and type, key
facts (the ontology's properties of its type, described by the ontology), tags with their levels and
evidence, risk with its reasons, where it came from (sources), and a "watch this" button; the raw
properties stay behind a toggle. A declaration's score, reasons, scans and papers follow
(``dashboards.views.declaration``). The last two picks are kept for the relation-strength panel."""

from __future__ import annotations

import re
from typing import Any

import yaml
from dash import ALL, Dash, Input, Output, State, callback_context, html, no_update

from dashboards import client as q
from dashboards import ui
from dashboards.client import Api, ApiError, GraphQLClient
from dashboards.views import declaration
from ontology import get_ontology

#: lineage and bookkeeping properties: shown under "sources" or only in the raw toggle
LINEAGE = ("source", "source_line", "ingested_at", "run_id", "search_text")
WATCHABLE_NOTE = "关注 Watch this"
KEY_FACTS = 8


def layout(panel: dict[str, Any]) -> html.Div:
    return ui.card(
        style=panel,
        children=[
            ui.title("详情 Details"),
            html.Div(id="details", children="点选节点 Pick a node"),
            html.Button(WATCHABLE_NOTE, id="watch-this", style={"display": "none"}),
            html.Div(id="watch-msg", style={"fontSize": "11px"}),
        ],
    )


def short_label(description: str) -> str:
    """A property's description up to its first aside (a parenthesis or a semicolon): the card's label;
    the whole description is its tooltip."""
    return re.split(r" \(|; |, where ", description, maxsplit=1)[0].strip()


def key_facts(label: str, props: dict[str, Any]) -> html.Table:
    """The type's own properties that the node holds, in the ontology's order, each with its description."""
    node_type = get_ontology().node(label)
    rows = []
    for name, prop in node_type.properties.items():
        value = props.get(name)
        if name in LINEAGE or value in (None, "", []):
            continue
        shown = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
        rows.append(
            html.Tr(
                [
                    html.Td(
                        short_label(prop.description) or name,
                        title=prop.description or name,
                        style={"color": "#666", "paddingRight": "8px"},
                    ),
                    html.Td(shown[:120]),
                ],
                className="fact",
            )
        )
    return html.Table(rows[:KEY_FACTS], className="key-facts", style={"fontSize": "12px"})


def sources(props: dict[str, Any]) -> html.Div:
    parts = [
        f"来源 source {props['source']}" if props.get("source") else "",
        f"行 line {props['source_line']}" if props.get("source_line") else "",
        f"入库 loaded {str(props['ingested_at'])[:16]}" if props.get("ingested_at") else "",
    ]
    return html.Div(
        " · ".join(p for p in parts if p) or "来源未记录 no source recorded",
        className="sources",
        style={"fontSize": "11px", "color": "#666"},
    )


def tag_list(client: GraphQLClient, label: str, nid: str) -> html.Div:
    tags = client(q.TAGS, l=label, id=nid)["subjectTags"]
    if not tags:
        return html.Div("无标签 No tags", className="tags")
    return html.Div(
        className="tags",
        children=[
            html.Div(
                className=f"tag tag-level-{t['level']}",
                style={"color": "#b10026" if (t["level"] or 0) >= 4 else "#333"},
                children=[
                    html.B(f"L{t['level']} · {t['name']}"),
                    html.Span(f" {t['code']} · {t['category']} · {t['layer']}", style={"fontSize": "11px"}),
                    html.Div(
                        f"← {'; '.join(t['evidence'][:3]) or '-'} · 自 since "
                        f"{str(t.get('heldFrom') or t.get('taggedAt') or '')[:10]}",
                        style={"fontSize": "11px", "color": "#666"},
                    ),
                ],
            )
            for t in sorted(tags, key=lambda t: -(t["level"] or 0))
        ],
    )


def card(client: GraphQLClient, label: str, nid: str) -> tuple[list[Any], str]:
    """The card's children and the node's caption."""
    node = client(q.NODE, l=label, id=nid)["node"]
    onto = get_ontology()
    props = node["properties"]
    caption = node["caption"] or nid
    rows: list[Any] = [
        html.Div(
            className="card-head",
            children=[
                html.B(caption, className="card-name", style={"fontSize": "15px"}),
                html.Span(f"  {onto.node(label).name_zh} {label}", style={"color": "#666"}),
            ],
        ),
        key_facts(label, props),
    ]
    if label == "Enterprise":
        rows.append(profile(client, label, nid))
    if label in ("Enterprise", "Person", "Vehicle"):
        rows.append(tag_list(client, label, nid))
    if label == "Declaration":
        rows += declaration.view(client, nid)
    rows.append(sources(props))
    raw = {k: v for k, v in props.items() if k != "search_text"}
    rows.append(
        html.Details(
            className="raw",
            children=[
                html.Summary("原始属性 Raw properties"),
                html.Pre(
                    yaml.safe_dump(raw, allow_unicode=True, sort_keys=True)[:3000],
                    style={"fontSize": "11px", "whiteSpace": "pre-wrap"},
                ),
            ],
        )
    )
    return rows, caption


def register(app: Dash, api: Api) -> None:
    @app.callback(
        Output("details", "children"),
        Output("picked", "data"),
        Output("pair", "children"),
        Output("watch-this", "style"),
        Output("watch-msg", "children"),
        Input("canvas", "tapNodeData"),
        Input({"type": "result", "index": ALL}, "n_clicks"),
        State("picked", "data"),
        prevent_initial_call=True,
    )
    def details(tapped: dict[str, Any] | None, _r: Any, picked: list[dict[str, str]]) -> Any:
        trigger = callback_context.triggered_id
        if isinstance(trigger, dict):  # a search result clicked: its details, as a tap would show
            if not callback_context.triggered[0]["value"]:
                return (no_update,) * 5
            kind, nid = trigger["index"].split("|", 1)
            tapped = {"kind": kind, "nid": nid}
        if not tapped or not tapped.get("kind"):
            return (no_update,) * 5
        label, nid = tapped["kind"], tapped["nid"]
        try:
            rows, caption = card(api(), label, nid)
        except ApiError as exc:
            return html.Div(str(exc), style={"color": "red"}), no_update, no_update, no_update, ""
        picked = [*[p for p in picked if (p["kind"], p["nid"]) != (label, nid)], {"kind": label, "nid": nid}]
        picked = [{**p, "caption": p.get("caption") or caption} for p in picked][-2:]
        pair = " ↔ ".join(f"{p['kind']} {p['caption']}" for p in picked)
        watchable = label in get_ontology().watchable_labels()
        return rows, picked, pair, {"display": "inline-block" if watchable else "none"}, ""

    @app.callback(
        Output("watch-msg", "children", allow_duplicate=True),
        Input("watch-this", "n_clicks"),
        State("picked", "data"),
        prevent_initial_call=True,
    )
    def watch(_: Any, picked: list[dict[str, str]]) -> Any:
        if not picked:
            return "先选一个节点 Pick a node first"
        node = picked[-1]
        try:
            made = api()(q.WATCH, w={"targetLabel": node["kind"], "targetId": node["nid"]})["createWatch"]
        except ApiError as exc:
            return html.Span(str(exc), style={"color": "red"})
        return html.Span(f"已关注 Watching {made['title']}", className="watching")


def profile(client: GraphQLClient, label: str, nid: str) -> html.Div:
    """An enterprise's behaviour in one line: declarations, value, inspections, hit rate, ports."""
    prof = client(q.PROFILE, l=label, id=nid)["profile"]
    return html.Div(
        className="profile",
        style={"fontSize": "12px"},
        children=f"申报 declarations {prof['declarationCount']} · 货值 value "
        f"{prof['totalValueUsd']:,.0f} USD · 查验 inspections {prof['inspectionCount']} · "
        f"查获率 hit rate {prof['hitRate'] if prof['hitRate'] is not None else '-'} · "
        f"口岸 ports {', '.join(prof['ports'])}",
    )
