"""The trajectory view: tracks on an offline map (the coastline and the monitoring zones the project ships,
drawn as shapes — no tile server), a time slider, companions highlighted, and fences drawn by hand that
report when the shown tracks entered and left them."""

from __future__ import annotations

import json
import re
from typing import Any

import plotly.graph_objects as go
from dash import Dash, Input, Output, State, callback_context, dcc, html, no_update
from shapely.geometry import Point, Polygon

from dashboards.client import ApiError, GraphQLClient
from tianji.core.resources import package_path

DATA = package_path("tracks", "data")
BOX = (22.0, 23.3, 113.0, 114.4)  # lat min, lat max, lon min, lon max
TRACK = """query($t: String!, $s: String!, $e: String!) { track(target: $t, start: $s, end: $e, toleranceM: 20) {
  ts lat lon } }"""
MATCHES = (
    """query($t: String!, $s: String!, $e: String!) { matchingTracks(target: $t, start: $s, end: $e) }"""
)
TARGETS = """{ accompanyingGangs(first: 20) portCalls(first: 20) }"""
DEFAULT_DAY = "2025-10-15"  # the demo world's tracked day
ZONE_COLOURS = {"bonded_zone": "#1f77b4", "unregistered_warehouse": "#d62728", "port": "#2ca02c"}


def base_map() -> go.Figure:
    """Coastline and zones as shapes on plain lon/lat axes, equal distances in both directions."""
    figure = go.Figure()
    coast = json.loads((DATA / "coast.geojson").read_text(encoding="utf-8"))
    for feature in coast["features"]:
        lon, lat = zip(*feature["geometry"]["coordinates"], strict=True)
        figure.add_trace(
            go.Scatter(
                x=lon, y=lat, mode="lines", line={"color": "#7f7f7f"}, name="海岸 coast", hoverinfo="skip"
            )
        )
    zones = json.loads((DATA / "zones.geojson").read_text(encoding="utf-8"))
    for feature in zones["features"]:
        props = feature["properties"]
        lon, lat = zip(*feature["geometry"]["coordinates"][0], strict=True)
        colour = ZONE_COLOURS.get(props["kind"], "#888")
        figure.add_trace(
            go.Scatter(
                x=lon,
                y=lat,
                fill="toself",
                mode="lines",
                line={"color": colour},
                opacity=0.35,
                name=props["name"],
                hoverinfo="name",
            )
        )
    figure.update_layout(
        height=620,
        margin={"l": 40, "r": 10, "t": 30, "b": 40},
        xaxis={"range": [BOX[2], BOX[3]], "title": "lon"},
        yaxis={"range": [BOX[0], BOX[1]], "title": "lat", "scaleanchor": "x", "scaleratio": 1 / 0.92},
        dragmode="pan",
        newshape={"line": {"color": "#ff7f0e", "width": 3}, "fillcolor": "rgba(255,127,14,0.15)"},
        legend={"orientation": "h", "y": -0.12},
    )
    return figure


def layout(panel: dict[str, Any]) -> html.Div:
    return html.Div(
        children=[
            html.Div(
                style=panel,
                children=[
                    html.Span("目标 Target "),
                    dcc.Dropdown(id="traj-target", style={"width": "300px", "display": "inline-block"}),
                    html.Span(" 日期 Day "),
                    dcc.Input(id="traj-day", value=DEFAULT_DAY, style={"width": "110px"}),
                    dcc.Checklist(
                        id="traj-companions",
                        options=[{"label": "伴随车辆 Companions", "value": "on"}],
                        value=["on"],
                        inline=True,
                        style={"display": "inline-block", "marginLeft": "12px"},
                    ),
                    html.Div(
                        dcc.RangeSlider(
                            id="traj-hours",
                            min=0,
                            max=24,
                            step=1,
                            value=[0, 24],
                            marks={h: f"{h:02d}:00" for h in range(0, 25, 3)},
                        ),
                        style={"marginTop": "8px"},
                    ),
                    html.Div(
                        "在地图上画多边形即电子围栏 Draw a polygon on the map to set a fence",
                        style={"fontSize": "11px", "color": "#666"},
                    ),
                ],
            ),
            dcc.Loading(  # while a track loads, the old one is dimmed under a spinner, not shown as current
                id="traj-loading",
                type="circle",
                delay_show=200,
                overlay_style={"visibility": "visible", "opacity": 0.35, "filter": "blur(1px)"},
                children=[
                    dcc.Graph(
                        id="traj-map",
                        figure=base_map(),
                        config={
                            "modeBarButtonsToAdd": ["drawclosedpath", "eraseshape"],
                            "displaylogo": False,
                        },
                    ),
                    html.Div(id="traj-notice", style={"color": "#a60"}),
                ],
            ),
            html.Div(id="traj-fence", className="fence-report", style=panel),
        ]
    )


def _polygon(path: str) -> Polygon | None:
    """A drawn closed path ("M x,y L x,y … Z") as a polygon in lon/lat."""
    numbers = [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?", path)]
    points = list(zip(numbers[::2], numbers[1::2], strict=False))
    return Polygon(points) if len(points) >= 3 else None


def fence_report(polygon: Polygon, tracks: dict[str, list[dict[str, Any]]]) -> list[str]:
    """For each shown track, when it entered and left the drawn fence."""
    lines = []
    for target, points in tracks.items():
        inside = [p for p in points if polygon.contains(Point(p["lon"], p["lat"]))]
        if inside:
            lines.append(
                f"{target}: 进入 entered {inside[0]['ts'][11:16]} · 离开 left {inside[-1]['ts'][11:16]} "
                f"({len(inside)} points inside)"
            )
    return lines or ["无轨迹进入围栏 No shown track entered the fence"]


def target_options(client: GraphQLClient) -> list[dict[str, str]]:
    """Convoy vehicles (with their gangs) and vessels that called at a port: where an investigator starts."""
    data = client(TARGETS)
    options = []
    for convoy in data["accompanyingGangs"]:
        gangs = ", ".join(g["id"] for g in convoy["gangs"]) or "no gang"
        options += [
            {"label": f"车 Truck {v} · convoy {len(convoy['vehicles'])} · {gangs}", "value": v}
            for v in convoy["vehicles"]
        ]
    for call in data["portCalls"]:
        options.append(
            {
                "label": f"船 Vessel {call['vessel']} {call.get('vesselName') or ''} · {call['port']}",
                "value": call["vessel"],
            }
        )
    return list({o["value"]: o for o in options}.values())


def render(
    client: GraphQLClient,
    target: str,
    day: str,
    hours: list[int],
    companions: list[str],
    shapes: list[dict[str, Any]],
) -> tuple[Any, str, Any]:
    """The map with the target's track (and its companions'), the shapes drawn, and the fence report."""
    start = f"{day}T{hours[0]:02d}:00:00"
    end = f"{day}T{min(hours[1], 23):02d}:{59 if hours[1] >= 24 else 0:02d}:00"
    try:
        tracks = {target: client(TRACK, t=target, s=start, e=end)["track"]}
        if companions and len(tracks[target]) > 1:
            for match in client(MATCHES, t=target, s=start, e=end)["matchingTracks"][:3]:
                tracks[match["vehicle"]] = client(TRACK, t=match["vehicle"], s=start, e=end)["track"]
    except ApiError as exc:
        return no_update, str(exc), no_update
    figure = base_map()
    for i, (name, points) in enumerate(tracks.items()):
        if not points:
            continue
        figure.add_trace(
            go.Scatter(
                x=[p["lon"] for p in points],
                y=[p["lat"] for p in points],
                mode="lines+markers",
                marker={"size": 3},
                line={
                    "width": 3 if i == 0 else 2,
                    "dash": "solid" if i == 0 else "dot",
                    "color": "#111" if i == 0 else "#e377c2",
                },
                name=name if i == 0 else f"伴随 companion {name}",
                text=[p["ts"][11:16] for p in points],
                hoverinfo="text+name",
            )
        )
    figure.update_layout(shapes=shapes)
    report: Any = ""
    polygons = [_polygon(s.get("path", "")) for s in shapes if s.get("path")]
    polygons = [p for p in polygons if p is not None and p.is_valid]
    if polygons:
        report = [html.B("围栏 Fence")] + [html.Div(line) for line in fence_report(polygons[-1], tracks)]
    shown = sum(len(p) for p in tracks.values())
    notice = (
        f"{len(tracks)} 条轨迹 tracks, {shown} 点 points"
        if shown
        else "该时段无轨迹 No points in this window"
    )
    return figure, notice, report


def register(app: Dash, api: Any) -> None:
    @app.callback(
        Output("traj-target", "options"),
        Output("traj-target", "value"),
        Output("traj-map", "figure", allow_duplicate=True),
        Output("traj-notice", "children", allow_duplicate=True),
        Input("tabs", "value"),
        State("traj-day", "value"),
        State("traj-hours", "value"),
        State("traj-companions", "value"),
        prevent_initial_call=True,
    )
    def open_tab(tab: str, day: str | None, hours: list[int] | None, companions: list[str] | None) -> Any:
        """Opening the view lists the targets and draws the first one (a second callback reacting to the
        list would race with the view's mounting)."""
        if tab != "tracks":
            return (no_update,) * 4
        client: GraphQLClient = api()
        options = target_options(client)
        if not options:
            return options, None, no_update, "无轨迹目标 No tracked targets yet"
        target = options[0]["value"]
        figure, notice, _ = render(client, target, day or DEFAULT_DAY, hours or [0, 24], companions or [], [])
        return options, target, figure, notice

    @app.callback(
        Output("traj-map", "figure"),
        Output("traj-notice", "children"),
        Output("traj-fence", "children"),
        Input("traj-target", "value"),
        Input("traj-day", "value"),
        Input("traj-hours", "value"),
        Input("traj-companions", "value"),
        Input("traj-map", "relayoutData"),
        State("traj-map", "figure"),
        prevent_initial_call=True,
    )
    def draw(
        target: str | None,
        day: str | None,
        hours: list[int],
        companions: list[str],
        relayout: Any,
        current: Any,
    ) -> Any:
        fired = {t["prop_id"] for t in callback_context.triggered}
        if fired == {"traj-map.relayoutData"} and not (isinstance(relayout, dict) and "shapes" in relayout):
            return no_update, no_update, no_update  # only a pan or zoom: nothing to fetch again
        if not target or not day:
            return no_update, "选择目标 Pick a target", no_update
        shown = {trace.get("name") for trace in (current or {}).get("data", [])}
        if fired == {"traj-target.value"} and target in shown:
            return no_update, no_update, no_update  # opening the view drew this target already
        shapes = (current or {}).get("layout", {}).get("shapes", [])
        if isinstance(relayout, dict) and "shapes" in relayout:
            shapes = relayout["shapes"]
        return render(api(), target, day, hours, companions, shapes)
