"""The dashboards' one look: the Mantine theme (dash-mantine-components) every page is wrapped in, and
the few building blocks the views share, so a panel, a heading or a badge looks the same in every view.
Native buttons, inputs and lists take the theme's colours, radius and font from ``assets/tianji.css``,
which reads Mantine's CSS variables."""

from __future__ import annotations

from typing import Any

import dash_mantine_components as dmc
from dash import callback_context, html

FONT = "Noto Sans CJK SC, Noto Sans, sans-serif"

THEME: dict[str, Any] = {
    "fontFamily": FONT,
    "headings": {"fontFamily": FONT, "fontWeight": "600"},
    "primaryColor": "indigo",
    "defaultRadius": "sm",
    "fontSizes": {"xs": "11px", "sm": "13px", "md": "14px", "lg": "16px", "xl": "18px"},
}


def provider(children: Any) -> dmc.MantineProvider:
    return dmc.MantineProvider(theme=THEME, forceColorScheme="light", children=children)


def card(children: Any = None, style: dict[str, Any] | None = None, **props: Any) -> dmc.Paper:
    """A panel: a bordered sheet with the theme's radius, shadow and padding."""
    return dmc.Paper(
        children=children,
        withBorder=True,
        shadow="xs",
        radius="md",
        p="sm",
        mb="sm",
        style={"boxSizing": "border-box", "maxWidth": "100%", **(style or {})},
        **props,
    )


def title(text: str, **props: Any) -> dmc.Title:
    """A panel's heading."""
    return dmc.Title(text, order=4, mb="xs", **props)


def entry(text: str, kind: str, index: Any, *, className: str, title: str | None = None) -> html.Li:
    """A list entry that opens what it names: a button with the pattern-matching id ``{type: kind,
    index}`` (``clicked_index`` reads which one was clicked)."""
    button = html.Button(
        text,
        id={"type": kind, "index": index},
        className=className,
        style={"textAlign": "left", "whiteSpace": "normal"},
        title=title,
    )
    return html.Li(button)


def clicked_index() -> Any | None:
    """The index of the pattern-matched button this callback fires for, if it was clicked (not merely
    drawn, with ``n_clicks`` still None)."""
    trigger = callback_context.triggered_id
    if not isinstance(trigger, dict) or not callback_context.triggered[0]["value"]:
        return None
    return trigger["index"]
