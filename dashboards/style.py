"""Canvas styling derived from the ontology: one colour per label (by category), edges by type."""

from __future__ import annotations

from typing import Any

from dash import html

from ontology import get_ontology

PALETTE = {
    "subject": [
        "#1f77b4",
        "#2ca02c",
        "#17becf",
        "#9467bd",
        "#8c564b",
        "#bcbd22",
        "#7f7f7f",
        "#e377c2",
        "#aec7e8",
    ],
    "event": ["#ff7f0e", "#ffbb78", "#d62728", "#ff9896", "#c49c94"],
    "evidence": ["#98df8a", "#c5b0d5"],
    "derived": ["#d62728", "#e7298a", "#66a61e", "#e6ab02", "#a6761d", "#666666", "#1b9e77", "#7570b3"],
    "reference": ["#bbbbbb", "#999999", "#dddddd"],
}


def colours() -> dict[str, str]:
    out: dict[str, str] = {}
    counters: dict[str, int] = {}
    for label, node in sorted(get_ontology().nodes.items()):
        palette = PALETTE.get(node.role, PALETTE["subject"])
        index = counters.get(node.role, 0)
        counters[node.role] = index + 1
        out[label] = palette[index % len(palette)]
    return out


def stylesheet() -> list[dict[str, Any]]:
    sheet: list[dict[str, Any]] = [
        {
            "selector": "node",
            "style": {
                "label": "data(label)",
                "font-size": "9px",
                "width": "data(size)",
                "height": "data(size)",
                "background-color": "#888",
            },
        },
        {"selector": "node[!size]", "style": {"width": 24, "height": 24}},
        {
            "selector": "edge",
            "style": {
                "curve-style": "bezier",
                "target-arrow-shape": "triangle",
                "width": 1.2,
                "line-color": "#bbb",
                "target-arrow-color": "#bbb",
                "font-size": "7px",
            },
        },
        {"selector": ".core", "style": {"border-width": 4, "border-color": "#000"}},
        {
            "selector": ".controller",
            "style": {"border-width": 3, "border-color": "#000", "border-style": "dashed"},
        },
        {
            "selector": ".pinned",
            "style": {"overlay-color": "#444", "overlay-opacity": 0.18, "overlay-padding": 6},
        },
        {
            "selector": ".loop",
            "style": {"border-width": 3, "border-color": "#d62728", "border-style": "double"},
        },
        {
            "selector": ".TRADES_WITH",
            "style": {"line-color": "#d62728", "target-arrow-color": "#d62728", "width": 2},
        },
        {"selector": ".INVOLVED_IN", "style": {"line-color": "#000", "line-style": "dashed"}},
        {"selector": ".MEMBER_OF", "style": {"line-color": "#e7298a"}},
        {
            "selector": ".drift",
            "style": {
                "shape": "star",
                "width": 40,
                "height": 40,
                "border-width": 3,
                "border-color": "#ff7f0e",
            },
        },
        {"selector": "node.path", "style": {"border-width": 4, "border-color": "#ff7f0e"}},
        {
            "selector": "edge.path",
            "style": {"line-color": "#ff7f0e", "target-arrow-color": "#ff7f0e", "width": 4, "z-index": 9},
        },
        {
            "selector": ".tag-high",
            "style": {"border-width": 5, "border-color": "#b10026", "border-style": "solid"},
        },
        {
            "selector": ".risk-high",
            "style": {"underlay-color": "#ff0000", "underlay-opacity": 0.25, "underlay-padding": 8},
        },
        {
            "selector": ".folded",
            "style": {
                "shape": "round-rectangle",
                "width": 64,
                "height": 40,
                "border-width": 3,
                "border-color": "#333",
                "border-style": "double",
                "font-size": "10px",
                "text-valign": "center",
                "text-wrap": "wrap",
                "text-max-width": "90px",
            },
        },
        {"selector": ":selected", "style": {"border-width": 4, "border-color": "#ffbf00"}},
    ]
    for label, colour in colours().items():
        sheet.append({"selector": f".{label}", "style": {"background-color": colour}})
    return sheet


def legend(kinds: list[str]) -> list[Any]:
    """The legend of what the canvas shows: one entry per node type on it, then the marks."""
    onto, palette = get_ontology(), colours()
    entries: list[Any] = [
        html.Span(
            f"● {onto.node(label).name_zh} {label}",
            className="legend-type",
            style={"color": palette.get(label, "#888"), "marginRight": "8px"},
        )
        for label in kinds
        if label in onto.nodes
    ]
    if not entries:
        entries = [html.Span("画布为空 The canvas is empty", className="legend-empty")]
    return entries + [
        html.Div(
            "红框 red border: 标签等级4-5 tag level 4-5 · 红晕 red halo: 风险等级4-5 risk level 4-5 · "
            "星形 star: 漂移事件 drift event · 粗黑框 thick black: 团伙核心 gang core · "
            "虚框 dashed: 实际控制人 controller · 灰影 grey shade: 已固定 pinned · "
            "双框方块 double-bordered box: 折叠分组 folded group (点击展开 tap to unfold) · "
            "橙色 orange: 路径 path (右键 right-click: 路径起点 Paths from here, 路径到此 Paths to here)"
        )
    ]
