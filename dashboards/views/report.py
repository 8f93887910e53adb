"""The case report: the canvas as one self-contained HTML file (the canvas picture, the subjects and
their types, the alerts and drift events on it, the ties, and where every node came from).

*Report* asks the canvas for its picture (a JPEG of at most 900×700, kept in ``imageData``); when the picture
arrives the report is built from it and the board and offered as a download.
"""

from __future__ import annotations

import html as escape
from collections import Counter
from typing import Any

from dash import Dash, Input, Output, State, dcc, html, no_update

from dashboards import board as b
from dashboards.client import Api
from dashboards.officer import officer
from tianji.core.clock import utc_now_iso

FINDINGS = ("Alert", "DriftEvent", "Gang", "Tag")


def layout() -> list[Any]:
    return [
        html.Button("案件报告 Case report", id="report-go"),
        dcc.Download(id="report-download"),
        dcc.Store(id="report-asked", data=False),
    ]


def report(board: b.Board, picture: str | None, title: str, author: str) -> str:
    """The report's HTML: every value escaped, the picture embedded as a data URI."""
    elements = b.visible(board)  # every node, a folded group's members too
    nodes = [e for e in elements if not b.is_edge(e)]
    edges = [e for e in elements if b.is_edge(e)]
    kinds = Counter(n["data"].get("kind") or "" for n in nodes)
    caption = {n["data"]["id"]: n["data"].get("label") or n["data"]["id"] for n in nodes}

    def cell(value: Any) -> str:
        return f"<td>{escape.escape(str(value))}</td>"

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
        "<p>来源 Sources: every node's source file, line and load time are on its details card and in the "
        "exported GraphML.</p></body></html>"
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
        return {"content": report(board, picture, title, who), "filename": "tianji-case-report.html"}, False
