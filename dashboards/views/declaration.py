"""The declaration view, on the details card of a Declaration: its risk score and level with the reasons in
Chinese and English (expert rules first), its scans with their verdicts beside the scan itself, and its
certificates and trade documents side by side, each with its page. Read through the GraphQL API
(``riskScores``, ``certificates``, ``documents``, ``imageVerdicts``, ``images``; pictures from
``GET /images/{id}``)."""

from __future__ import annotations

import base64
import io
from typing import Any

from dash import html
from PIL import Image

from dashboards import client as q
from dashboards.client import ApiError, GraphQLClient

#: the scan model's tasks (``imaging.verdicts``) as the card names them
TASKS = {
    "concealment": "夹藏 Concealment",
    "controlled_goods": "管制物品 Controlled goods",
    "declared_cargo": "申报货物 Declared cargo",
    "empty_container": "空箱 Empty container",
}
TASK_ORDER = list(TASKS)
ALARMING = ("suspect", "inconsistent", "empty")
LEVEL_COLOURS = {1: "#1a9850", 2: "#91cf60", 3: "#fdae61", 4: "#f46d43", 5: "#b10026"}
THUMB_PX = 320  # pictures are shrunk to this width before they are sent to the browser
SECTION = {"borderTop": "1px solid #eee", "paddingTop": "6px", "marginTop": "6px"}
SMALL = {"fontSize": "11px", "color": "#666"}


def view(client: GraphQLClient, entry_no: str) -> list[Any]:
    """The declaration's score, reasons, scans, certificates and documents."""
    scores = client(q.SCORES, id=entry_no)["riskScores"]
    papers = client(q.DECLARATION_PAPERS, e=entry_no)
    images = {i["id"]: i["properties"] for i in papers["images"]}
    return [
        html.Div(
            className="declaration-view",
            children=[
                risk(scores),
                scans(client, papers["imageVerdicts"], images),
                html.Div(
                    className="declaration-papers",
                    style={**SECTION, "display": "flex", "gap": "8px", "flexWrap": "wrap"},
                    children=[
                        column(
                            "证书 Certificates",
                            "declaration-certificates",
                            [certificate(client, c, images) for c in papers["certificates"]],
                        ),
                        column(
                            "单证 Documents",
                            "declaration-documents",
                            [document(client, d, images) for d in papers["documents"]],
                        ),
                    ],
                ),
            ],
        )
    ]


def risk(scores: list[dict[str, Any]]) -> html.Div:
    """The newest score: its value, its level as a badge, its reasons (rules first, as stored)."""
    if not scores:
        return html.Div("未评分 Not scored yet", className="declaration-risk")
    score = scores[0]
    level = int(score["level"])
    rules = set(score.get("rules") or [])
    return html.Div(
        className="declaration-risk",
        children=[
            html.Div(
                style={"display": "flex", "alignItems": "baseline", "gap": "10px"},
                children=[
                    html.Span(
                        f"{score['score']:.3f}",
                        className="risk-score",
                        style={"fontSize": "22px", "fontWeight": "bold"},
                    ),
                    html.Span(
                        f"{level} 级 Level {level}",
                        className=f"risk-level risk-level-{level}",
                        style={
                            "background": LEVEL_COLOURS.get(level, "#888"),
                            "color": "white",
                            "borderRadius": "10px",
                            "padding": "1px 8px",
                            "fontSize": "12px",
                        },
                    ),
                    html.Span(f"风险评分 risk score · {score['modelVersion']}", style=SMALL),
                ],
            ),
            html.Div("风险原因 Reasons", style={"fontWeight": "bold", "marginTop": "4px"}),
            html.Ul(
                className="reasons",
                style={"margin": "2px 0", "paddingLeft": "18px", "fontSize": "12px"},
                children=[
                    html.Li(
                        r,
                        className="reason-rule" if r in rules else "reason",
                        style={"color": "#b10026"} if r in rules else {},
                    )
                    for r in score["reasons"]
                ]
                or [html.Li("无 none (level 1–2 scores carry no explanation)")],
            ),
        ],
    )


def scans(client: GraphQLClient, verdicts: list[dict[str, Any]], images: dict[str, Any]) -> html.Div:
    """Each scan's picture beside its four verdicts."""
    by_image: dict[str, list[dict[str, Any]]] = {}
    for v in verdicts:
        by_image.setdefault(_scan_of(v, images), []).append(v["properties"])
    blocks = [
        html.Div(
            className="scan",
            style={"display": "flex", "gap": "8px", "flexWrap": "wrap", "alignItems": "flex-start"},
            children=[
                picture(client, image_id, "image-scan") if image_id in images else html.Span(),
                html.Table(
                    className="scan-verdicts",
                    style={"fontSize": "12px"},
                    children=[verdict_row(v) for v in sorted(found, key=_task_rank)],
                ),
            ],
        )
        for image_id, found in by_image.items()
    ]
    return html.Div(
        className="declaration-scans",
        style=SECTION,
        children=[html.Div("扫描判读 Scan verdicts", style={"fontWeight": "bold"})]
        + (blocks or [html.Div("未扫描 Not scanned", style=SMALL)]),
    )


def verdict_row(v: dict[str, Any]) -> html.Tr:
    verdict = str(v.get("verdict") or "")
    alarming = verdict.startswith(ALARMING)
    return html.Tr(
        className="verdict verdict-suspect" if alarming else "verdict",
        children=[
            html.Td(TASKS.get(v.get("task") or "", v.get("task")), style={"paddingRight": "6px"}),
            html.Td(
                ("疑似 " if alarming else "") + verdict,
                style={"color": "#b10026", "fontWeight": "bold"} if alarming else {"color": "#1a7f37"},
            ),
            html.Td(f"{float(v.get('confidence') or 0):.2f}", style=SMALL),
        ],
    )


def column(title: str, class_name: str, entries: list[Any]) -> html.Div:
    return html.Div(
        className=class_name,
        style={"flex": "1 1 200px", "minWidth": 0},
        children=[html.Div(title, style={"fontWeight": "bold"})]
        + (entries or [html.Div("无 None", style=SMALL)]),
    )


def certificate(client: GraphQLClient, cert: dict[str, Any], images: dict[str, Any]) -> html.Div:
    p = cert["properties"]
    mismatches = p.get("mismatches") or []
    image_id = image_of(cert)
    return html.Div(
        className="certificate",
        children=[
            html.B(
                f"证书 Certificate {p.get('cert_type')} {p.get('number') or ''}", style={"fontSize": "13px"}
            ),
            html.Div(
                "不符 Mismatches: " + ("; ".join(mismatches) or "无 none"),
                className="mismatches",
                style={"color": "#b10026" if mismatches else "#1a7f37", "fontSize": "12px"},
            ),
            html.Div(" · ".join(p.get("fields") or []), style={**SMALL, "overflowWrap": "anywhere"}),
            picture(client, image_id, "image-certificate") if image_id in images else html.Span(),
        ],
    )


def document(client: GraphQLClient, doc: dict[str, Any], images: dict[str, Any]) -> html.Div:
    p = doc["properties"]
    flags = (p.get("flags") or []) + [f"未识别 unresolved: {u}" for u in p.get("unresolved") or []]
    image_id = image_of(doc)
    return html.Div(
        className="document",
        children=[
            html.B(f"单证 Document {p.get('kind')} {p.get('number') or ''}", style={"fontSize": "13px"}),
            html.Div(
                "; ".join(flags) or "一致 consistent",
                className="flags",
                style={"color": "#b10026" if flags else "#1a7f37", "fontSize": "12px"},
            ),
            picture(client, image_id, f"image-{p.get('kind')}") if image_id in images else html.Span(),
        ],
    )


def picture(client: GraphQLClient, image_id: str, class_name: str) -> Any:
    """The image as a thumbnail (shrunk here: a page or a scan is large to send whole)."""
    try:
        source = thumbnail(client.image(image_id))
    except ApiError as exc:
        return html.Div(str(exc), style={"color": "red", "fontSize": "11px"})
    return html.Img(
        src=source,
        className=class_name,
        title=image_id,
        style={"width": "100%", "maxWidth": f"{THUMB_PX}px", "border": "1px solid #ccc", "marginTop": "4px"},
    )


def thumbnail(data_uri: str, width: int = THUMB_PX) -> str:
    raw = base64.b64decode(data_uri.split(",", 1)[1])
    picture: Image.Image = Image.open(io.BytesIO(raw))
    if picture.width > width:
        picture = picture.resize((width, max(1, round(picture.height * width / picture.width))))
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def image_of(node: dict[str, Any]) -> str | None:
    """The image a certificate or document was read from (``READ_FROM``), or a verdict is on
    (``VERDICT_ON``), as the graph links them."""
    return next((n["id"] for n in node["relations"]["nodes"] if n["label"] == "Image"), None)


def _scan_of(verdict: dict[str, Any], images: dict[str, Any]) -> str:
    image_id = image_of(verdict)
    return image_id if image_id in images else "?"


def _task_rank(v: dict[str, Any]) -> int:
    task = v.get("task") or ""
    return TASK_ORDER.index(task) if task in TASK_ORDER else len(TASK_ORDER)
