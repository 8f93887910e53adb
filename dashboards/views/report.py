"""The case report: the canvas as one self-contained HTML file (the canvas picture, the subjects and
their types, the alerts and drift events on it, the ties, the timeline of every dated node on it by its
own date, and where every node came from: its source file, line and load time).

*Report* asks the canvas for its picture (a JPEG of at most 900×700, kept in ``imageData``); when the picture
arrives the report is built from it and the board and offered as a download.
"""

from __future__ import annotations

import html as escape
from collections import Counter
from collections.abc import Sequence
from typing import Any

from dash import Dash, Input, Output, State, dcc, html, no_update

from dashboards import board as b
from dashboards import client as q
from dashboards.client import Api, ApiError
from dashboards.officer import officer
from ontology import get_ontology
from tianji.core.clock import utc_now_iso

FINDINGS = ("Alert", "DriftEvent", "Gang", "Tag")
FACTS_AT_ONCE = 2000  # the most nodes whose facts one request reads (the API's bound on a list of nodes)


def timeline(facts: dict[str, dict[str, Any]]) -> list[tuple[str, str, str, str]]:
    """The dated nodes, oldest first: (date, type, name, id), each dated by its type's own date (the
    ontology's ``temporal`` property: a declaration's date, a case's opening, the drift's day)."""
    onto = get_ontology()
    out = []
    for key, props in facts.items():
        label, nid = key.split("|", 1)
        when = onto.temporal(label) if label in onto.nodes else None
        if when and props.get(when):
            caption = props.get(onto.node(label).caption) or nid
            out.append((str(props[when])[:19], label, str(caption), nid))
    return sorted(out)


def sources(facts: dict[str, dict[str, Any]]) -> list[tuple[str, str, str, str]]:
    """Where each node came from: (type, id, source file and line, loaded at); derived nodes (gangs,
    tags, alerts) name the analysis that wrote them."""
    out = []
    for key, props in sorted(facts.items()):
        label, nid = key.split("|", 1)
        line = f":{props['source_line']}" if props.get("source_line") else ""
        out.append(
            (label, nid, f"{props.get('source') or '-'}{line}", str(props.get("ingested_at") or "")[:16])
        )
    return out


def layout() -> list[Any]:
    return [
        html.Button("案件报告 Case report", id="report-go"),
        dcc.Download(id="report-download"),
        dcc.Store(id="report-asked", data=False),
    ]


def report(
    board: b.Board,
    picture: str | None,
    title: str,
    author: str,
    facts: dict[str, dict[str, Any]] | None = None,
) -> str:
    """The report's HTML: every value escaped, the picture embedded as a data URI; ``facts`` are the
    nodes' properties by canvas key (``Label|id``), for the timeline and the sources."""
    facts = facts or {}
    elements = b.visible(board)  # every node, a folded group's members too
    nodes = [e for e in elements if not b.is_edge(e)]
    edges = [e for e in elements if b.is_edge(e)]
    kinds = Counter(n["data"].get("kind") or "" for n in nodes)
    caption = {n["data"]["id"]: n["data"].get("label") or n["data"]["id"] for n in nodes}

    def cell(value: Any) -> str:
        return f"<td>{escape.escape(str(value))}</td>"

    def plain(table: Sequence[tuple[str, ...]]) -> str:
        return "".join("<tr>" + "".join(cell(v) for v in row) + "</tr>" for row in table)

    def rows(items: list[dict[str, Any]]) -> str:
        return "".join(
            "<tr>"
            + cell(n["data"].get("kind"))
            + cell(n["data"].get("label"))
            + cell(n["data"].get("nid"))
            + cell(" ".join(c for c in str(n.get("classes", "")).split() if c != n["data"].get("kind")))
            + "</tr>"
            for n in items
        )

    findings = [n for n in nodes if n["data"].get("kind") in FINDINGS]
    subjects = [n for n in nodes if n["data"].get("kind") not in FINDINGS]
    ties = "".join(
        "<tr>"
        + cell(caption.get(e["data"]["source"], e["data"]["source"]))
        + cell(e["data"].get("label"))
        + cell(caption.get(e["data"]["target"], e["data"]["target"]))
        + "</tr>"
        for e in edges
    )
    image = (
        f'<img class="canvas-picture" alt="canvas" src="{escape.escape(picture)}" style="max-width:100%">'
        if picture
        else "<p>(no picture)</p>"
    )
    summary = ", ".join(f"{n} {escape.escape(k)}" for k, n in kinds.most_common())
    head = "<tr><th>type</th><th>name</th><th>id</th><th>marks</th></tr>"
    return (
        "<!doctype html><html><head><meta charset='utf-8'>"
        f"<title>{escape.escape(title)}</title>"
        "<style>body{font-family:'Noto Sans CJK SC',sans-serif;margin:24px}"
        "table{border-collapse:collapse;font-size:12px}td,th{border:1px solid #ccc;padding:2px 6px}</style>"
        "</head><body>"
        f"<h1>{escape.escape(title)}</h1>"
        f"<p>{escape.escape(author)} · {escape.escape(utc_now_iso())} · {len(nodes)} nodes ({summary}), "
        f"{len(edges)} ties</p>{image}"
        f"<h2>发现 Findings</h2><table class='findings'>{head}{rows(findings)}</table>"
        f"<h2>主体 Subjects</h2><table class='subjects'>{head}{rows(subjects)}</table>"
        f"<h2>关系 Ties</h2><table class='ties'><tr><th>from</th><th>type</th><th>to</th></tr>{ties}</table>"
        "<h2>时间线 Timeline</h2><table class='timeline'><tr><th>date</th><th>type</th><th>name</th>"
        f"<th>id</th></tr>{plain(timeline(facts))}</table>"
        "<h2>来源 Sources</h2><table class='sources'><tr><th>type</th><th>id</th><th>source</th>"
        f"<th>loaded</th></tr>{plain(sources(facts))}</table>"
        + ("" if facts else "<p>(the nodes' facts could not be read: no timeline or sources)</p>")
        + "</body></html>"
    )


def register(app: Dash, api: Api) -> None:
    @app.callback(
        Output("canvas", "generateImage", allow_duplicate=True),
        Output("report-asked", "data"),
        Input("report-go", "n_clicks"),
        prevent_initial_call=True,
    )
    def ask(_: Any) -> Any:
        # a JPEG of bounded size: the picture comes back to the server in a callback, under the body limit
        options = {"full": True, "bg": "#ffffff", "quality": 0.6, "maxWidth": 900, "maxHeight": 700}
        return {"type": "jpg", "action": "store", "options": options}, True

    @app.callback(
        Output("report-download", "data"),
        Output("report-asked", "data", allow_duplicate=True),
        Input("canvas", "imageData"),
        State("report-asked", "data"),
        State("board", "data"),
        State("case-name", "value"),
        prevent_initial_call=True,
    )
    def build(picture: str | None, asked: bool, board: b.Board, name: str | None) -> Any:
        if not asked:
            return no_update, no_update
        who = getattr(officer(), "name", "")
        title = f"案件报告 Case report · {name or 'canvas'}"
        keys = [e["data"]["id"] for e in b.visible(board) if not b.is_edge(e) and "|" in e["data"]["id"]]
        try:
            found = api()(q.FACTS, n=keys[:FACTS_AT_ONCE])["nodesByKey"]
            facts = {f"{n['label']}|{n['id']}": n["properties"] for n in found}
        except ApiError:
            facts = {}
        content = report(board, picture, title, who, facts)
        return {"content": content, "filename": "tianji-case-report.html"}, False
