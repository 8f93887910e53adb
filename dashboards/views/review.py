"""Match review: entity resolution's uncertain pairs and its contradictions, for an analyst to settle.

The list is the review queue (``reviewQueue``), filtered by kind of subject, status and, for
contradictions only, by flag: a new strong match across a reviewer's cannot-link, which the resolver
refused to merge. Picking a pair shows why it was scored as it was, the waterfall of match weights as a
picture (each field's level and its weight in bits, from the prior to the total) with the notes on
generic values, and for a contradiction the decision it contradicts and the record that matches both
sides. Confirm, reject or reopen it (``decideMatch``: needs an analyst; an investigator reads only)."""

from __future__ import annotations

from typing import Any

from dash import ALL, Dash, Input, Output, State, dcc, html, no_update

from dashboards import client as q
from dashboards import ui
from dashboards.client import Api, ApiError

STATUSES = [("待复核 Open", "open"), ("已确认 Confirmed", "confirmed"), ("已否决 Rejected", "rejected")]
DECISIONS = [
    ("确认同一 Confirm: same", "confirmed"),
    ("否决 Reject: different", "rejected"),
    ("重开 Reopen", "open"),
]
SMALL = {"fontSize": "11px", "color": "#666"}


def layout(panel: dict[str, Any]) -> html.Div:
    return html.Div(
        style={"display": "flex", "gap": "8px", "alignItems": "flex-start"},
        children=[
            ui.card(
                style={**panel, "flex": "1 1 0", "minWidth": 0},
                children=[
                    html.Div(
                        style={"display": "flex", "gap": "6px", "flexWrap": "wrap", "alignItems": "center"},
                        children=[
                            dcc.Dropdown(
                                id="review-kind",
                                placeholder="全部类型 Every kind",
                                style={"width": "170px"},
                            ),
                            dcc.Dropdown(
                                id="review-status",
                                options=[{"label": label, "value": v} for label, v in STATUSES],
                                value="open",
                                clearable=False,
                                style={"width": "170px"},
                            ),
                            dcc.Checklist(
                                id="review-flag",
                                options=[{"label": " 仅矛盾 Contradictions only", "value": "contradiction"}],
                                value=[],
                            ),
                            html.Button("刷新 Refresh", id="review-refresh"),
                        ],
                    ),
                    html.Div(id="review-count", style=SMALL),
                    html.Div(id="review-list", style={"maxHeight": "70vh", "overflowY": "auto"}),
                ],
            ),
            ui.card(
                style={**panel, "flex": "1 1 0", "minWidth": 0},
                children=[
                    dcc.Store(id="review-items", data=[]),
                    dcc.Store(id="review-picked"),
                    html.Div(id="review-item", children=html.Div("选择一对记录 Pick a pair", style=SMALL)),
                    html.Div(
                        style={"display": "flex", "gap": "6px", "marginTop": "6px"},
                        children=[
                            html.Button(label, id={"type": "review-decide", "index": value})
                            for label, value in DECISIONS
                        ],
                    ),
                    html.Div(id="review-msg", style={"fontSize": "12px", "marginTop": "4px"}),
                ],
            ),
        ],
    )


def entry(item: dict[str, Any]) -> html.Button:
    flagged = item.get("flag") == "contradiction"
    return html.Button(
        [
            html.Span(f"#{item['id']} {item['kind']} · {item['a']} ↔ {item['b']} · {item['score']:.2f}"),
            html.Span(
                f" 矛盾 contradiction via {(item.get('contradiction') or {}).get('record')}",
                className="flag",
                style={"color": "#b10026"},
            )
            if flagged
            else "",
        ],
        id={"type": "review-entry", "index": item["id"]},
        className="review-entry review-contradiction" if flagged else "review-entry",
        style={"display": "block", "width": "100%", "textAlign": "left", "marginTop": "2px"},
    )


def waterfall(steps: list[dict[str, Any]]) -> dict[str, Any]:
    """The match weights as a waterfall: the prior, each field's weight in bits, then the total."""
    names = [f"{s['field']}: {s.get('level') or '—'}" for s in steps]
    weights = [float(s.get("weight") or 0.0) for s in steps]
    return {
        "data": [
            {
                "type": "waterfall",
                "orientation": "h",
                "y": [*names, "合计 match weight"],
                "x": [*weights, 0],
                "measure": ["relative"] * len(weights) + ["total"],
                "text": [f"{w:+.2f}" for w in weights] + [f"{sum(weights):+.2f}"],
                "textposition": "auto",
                "cliponaxis": False,
                "increasing": {"marker": {"color": "#1a9850"}},
                "decreasing": {"marker": {"color": "#d73027"}},
                "totals": {"marker": {"color": "#4575b4"}},
            }
        ],
        "layout": {
            "margin": {"l": 10, "r": 40, "t": 10, "b": 40},
            "height": 60 + 28 * (len(steps) + 1),
            "yaxis": {"autorange": "reversed", "automargin": True},
            "xaxis": {"title": {"text": "权重 weight (bits)"}, "zeroline": True},
            "showlegend": False,
        },
    }


def card(item: dict[str, Any]) -> html.Div:
    steps = item.get("explanation") or []
    notes = [f"{s['field']}: {s['note']}" for s in steps if s.get("note")]
    contradiction = item.get("contradiction")
    parts: list[Any] = [
        html.B(f"#{item['id']} {item['kind']}: {item['a']} ↔ {item['b']}", className="review-title"),
        html.Div(
            f"匹配概率 match probability {item['score']:.3f} · {item['status']}"
            + (f" · {item['decidedBy']}" if item.get("decidedBy") else ""),
            style=SMALL,
        ),
    ]
    if contradiction:
        decision = contradiction.get("decision") or {}
        parts.append(
            html.Div(
                className="review-contradiction-detail",
                style={"color": "#b10026", "fontSize": "12px", "marginTop": "4px"},
                children=[
                    html.Div(
                        f"与复核决定矛盾 Contradicts the decision {decision.get('status')} by "
                        f"{decision.get('decided_by')} ({decision.get('decided_at')})"
                    ),
                    html.Div(
                        f"记录 record {contradiction.get('record')} matches both: "
                        + "; ".join(
                            f"{m.get('a')}↔{m.get('b')} {float(m.get('score') or 0):.2f}"
                            for m in contradiction.get("matches") or []
                        )
                    ),
                ],
            )
        )
    if steps:
        parts.append(
            dcc.Graph(id="review-waterfall", figure=waterfall(steps), config={"displayModeBar": False})
        )
    else:
        parts.append(html.Div("仅按名称匹配 a name-only match: no field weights", style=SMALL))
    if notes:
        parts.append(html.Ul([html.Li(n) for n in notes], style={"fontSize": "11px"}))
    return html.Div(className="review-card", children=parts)


def register(app: Dash, api: Api) -> None:
    @app.callback(
        Output("review-list", "children"),
        Output("review-count", "children"),
        Output("review-kind", "options"),
        Output("review-items", "data"),
        Input("tabs", "value"),
        Input("review-refresh", "n_clicks"),
        Input("review-kind", "value"),
        Input("review-status", "value"),
        Input("review-flag", "value"),
        Input("review-msg", "children"),
    )
    def listed(tab: str, _r: Any, kind: str | None, status: str, flag: list[str], _m: Any) -> Any:
        if tab != "review":
            return no_update, no_update, no_update, no_update
        try:
            found = api()(q.REVIEW, k=kind, s=status, f=flag[0] if flag else None)["reviewQueue"]
        except ApiError as exc:
            return html.Div(str(exc), style={"color": "red"}), "", no_update, []
        count = f"{len(found)} 对 pairs" + (
            f" (最多 at most {q.REVIEW_FIRST})" if len(found) == q.REVIEW_FIRST else ""
        )
        kinds = no_update if kind else [{"label": k, "value": k} for k in sorted({i["kind"] for i in found})]
        return [entry(i) for i in found] or html.Div("无 None", style=SMALL), count, kinds, found

    @app.callback(
        Output("review-item", "children"),
        Output("review-picked", "data"),
        Input({"type": "review-entry", "index": ALL}, "n_clicks"),
        State("review-items", "data"),
        prevent_initial_call=True,
    )
    def picked(_clicks: Any, found: list[dict[str, Any]]) -> Any:
        index = ui.clicked_index()
        if index is None:
            return no_update, no_update
        item = next((i for i in found or [] if i["id"] == index), None)
        if item is None:
            return html.Div("已不在此列表 No longer in this list", style=SMALL), None
        return card(item), item["id"]

    @app.callback(
        Output("review-msg", "children"),
        Input({"type": "review-decide", "index": ALL}, "n_clicks"),
        State("review-picked", "data"),
        prevent_initial_call=True,
    )
    def decided(_clicks: Any, item: int | None) -> Any:
        decision = ui.clicked_index()
        if decision is None:
            return no_update
        if item is None:
            return "先选择一对记录 Pick a pair first"
        try:
            done = api()(q.DECIDE, id=item, d=decision)["decideMatch"]
        except ApiError as exc:
            return html.Span(str(exc), style={"color": "red"}, className="review-error")
        return html.Span(f"#{done['id']} → {done['status']} ({done['decidedBy']})", className="review-done")
