"""A declaration's papers on its details card: certificates (fields, mismatches), trade documents (flags),
scan verdicts and images."""

from __future__ import annotations

from typing import Any

from dash import html

from dashboards import client as q
from dashboards.client import ApiError, GraphQLClient


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
