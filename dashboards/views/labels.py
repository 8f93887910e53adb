"""The label editor: pick a tag definition, edit its YAML, dry-run it (what it would add and remove) or
save and apply it, as an analyst."""

from __future__ import annotations

import json
from typing import Any

import yaml
from dash import Dash, Input, Output, State, callback_context, dcc, html, no_update

from dashboards import client as q
from dashboards import ui
from dashboards.client import Api, ApiError


def layout(panel: dict[str, Any]) -> html.Div:
    return ui.card(
        style=panel,
        children=[
            dcc.Dropdown(id="tag-pick", placeholder="选择标签 Pick a tag"),
            dcc.Textarea(
                id="tag-yaml", style={"width": "100%", "height": "260px", "fontFamily": "monospace"}
            ),
            html.Button("试运行 Dry run", id="tag-dry"),
            html.Button("保存并应用 Save and apply", id="tag-save"),
            html.Div(id="tag-result"),
        ],
    )


def register(app: Dash, api: Api) -> None:
    @app.callback(Output("tag-pick", "options"), Input("tabs", "value"))
    def tag_options(_: str) -> Any:
        return [
            {"label": f"{t['code']} {t['nameZh']}", "value": json.dumps(t)}
            for t in api()(q.TAG_DEFS)["tagDefinitions"]
        ]

    @app.callback(Output("tag-yaml", "value"), Input("tag-pick", "value"), prevent_initial_call=True)
    def tag_text(value: str | None) -> Any:
        if not value:
            return no_update
        tag = json.loads(value)
        doc = {
            "code": tag["code"],
            "category": tag["category"],
            "level": tag["level"],
            "layer": tag["layer"],
            "name_zh": tag["nameZh"],
            "name_en": tag["nameEn"],
            "rule": tag["rule"],
        }
        return yaml.safe_dump(doc, allow_unicode=True, sort_keys=False)

    @app.callback(
        Output("tag-result", "children"),
        Input("tag-dry", "n_clicks"),
        Input("tag-save", "n_clicks"),
        State("tag-yaml", "value"),
        prevent_initial_call=True,
    )
    def tag_run(_d: Any, _s: Any, text: str | None) -> Any:
        if not text:
            return "先选择或编写标签 Pick or write a tag first"
        saving = callback_context.triggered_id == "tag-save"
        try:
            result = api()(q.SAVE if saving else q.PROPOSE, d=text)["saveTag" if saving else "proposeTag"]
        except ApiError as exc:
            return html.Div(str(exc), style={"color": "red"}, className="tag-error")
        verb = "已应用 Applied" if saving else "试运行 Dry run"
        return html.Div(
            className="tag-outcome",
            children=[
                html.B(
                    f"{verb} {result['tag']}: +{len(result['add'])} −{len(result['remove'])} ={result['keep']}"
                ),
                html.Div("新增 add: " + ", ".join(result["add"][:20])),
                html.Div("移除 remove: " + ", ".join(result["remove"][:20])),
            ],
        )
