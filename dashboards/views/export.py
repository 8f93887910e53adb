"""Export the canvas: CSV (nodes and edges), GraphML (for Gephi, yEd, Cytoscape desktop) or PNG.

The CSV is written by the csv module (a caption holding a comma or a quote stays one cell) and a cell
that a spreadsheet would run as a formula (starting with =, +, -, @, a tab or a carriage return) is
neutralised with a leading apostrophe.
"""

from __future__ import annotations

import csv
import io
from typing import Any

import networkx as nx
from dash import Dash, Input, Output, State, callback_context, dcc, html

from dashboards import board as b
from dashboards.client import Api


def layout() -> list[Any]:
    """The export buttons of the canvas toolbar and the download they fill."""
    return [
        html.Button("CSV", id="export-csv", title="导出节点和关系 Export the nodes and ties as CSV"),
        html.Button("GraphML", id="export-graphml", title="导出为GraphML Export as GraphML"),
        html.Button("PNG", id="export-png", title="导出画布图片 Export the canvas picture"),
        dcc.Download(id="download"),
    ]


def register(app: Dash, api: Api) -> None:
    """The export callbacks (they read the board's visible elements, a folded group's members one by one;
    ``api`` is unused, as for every view)."""

    @app.callback(
        Output("download", "data"),
        Input("export-csv", "n_clicks"),
        Input("export-graphml", "n_clicks"),
        State("board", "data"),
        prevent_initial_call=True,
    )
    def export_csv(_: Any, _g: Any, board: b.Board | None) -> Any:
        current = b.visible(board)
        if callback_context.triggered_id == "export-graphml":
            return {"content": graphml(current), "filename": "tianji-view.graphml"}
        return {"content": table(current), "filename": "tianji-view.csv"}

    @app.callback(
        Output("canvas", "generateImage"), Input("export-png", "n_clicks"), prevent_initial_call=True
    )
    def export_png(_: Any) -> Any:
        return {"type": "png", "action": "download", "filename": "tianji-view"}


#: first characters that make a spreadsheet read a cell as a formula
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cell(value: Any) -> str:
    """A value as a CSV cell that no spreadsheet runs as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def table(current: list[dict[str, Any]]) -> str:
    """The canvas as CSV: one row per node and per edge (kind, id, label, source, target)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)  # CRLF rows, as RFC 4180; a CR or LF inside a cell is quoted
    writer.writerow(["kind", "id", "label", "source", "target"])
    for element in current:
        d = element["data"]
        if "source" in d:
            row = ["edge", d["id"], d.get("label"), d["source"], d["target"]]
        else:
            row = ["node", d["id"], d.get("label"), "", ""]
        writer.writerow([cell(v) for v in row])
    return buffer.getvalue()


def graphml(current: list[dict[str, Any]]) -> str:
    """The canvas as GraphML: nodes with label and kind, typed edges."""
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
