"""Cytoscape elements from API answers: nodes keyed ``Label|id``, typed edges, tag and risk marks."""

from __future__ import annotations

from typing import Any

from dashboards import client as q
from dashboards.client import ApiError, GraphQLClient


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
