"""The trajectory view: tracks on an offline map (coastlines, country and province borders from packages
that ship them, the monitoring zones, anchorages and ports; ``dashboards.views.trajmap``, no tile server),
a time slider, companions highlighted, and fences drawn by hand that report when the shown tracks entered
and left them. A change shows its loading state at once: the old track dims under a spinner and the
notice says what is loading, so the old count never reads as current."""

from __future__ import annotations

import re
from typing import Any

from dash import Dash, Input, Output, State, callback_context, dcc, html, no_update
from shapely.geometry import Point, Polygon

from dashboards import ui
from dashboards.basemap import provinces_file
from dashboards.client import ApiError, GraphQLClient
from dashboards.views.trajmap import SLOTS, base_figure, tracks_patch
from tianji.core.settings import Settings

TRACK = """query($t: String!, $s: String!, $e: String!) { track(target: $t, start: $s, end: $e, toleranceM: 20) {
  ts lat lon } }"""
MATCHES = (
    """query($t: String!, $s: String!, $e: String!) { matchingTracks(target: $t, start: $s, end: $e) }"""
)
TARGETS = """{ accompanyingGangs(first: 20) portCalls(first: 20) }"""
DEFAULT_DAY = "2025-10-15"  # the demo world's tracked day
#: while a change is fetched the notice says so at once, in the browser: the old count never reads as current
LOADING_NOTICE = """function(target, day, hours, companions, drawn) {
  const fired = (window.dash_clientside.callback_context.triggered || []).map(t => t.prop_id);
  if (!target || !day) { return window.dash_clientside.no_update; }
  if (fired.length === 1 && fired[0] === 'traj-target.value' && drawn && drawn.target === target) {
    return window.dash_clientside.no_update;
  }
  return '加载中 Loading ' + target + ' …';
}"""


def layout(panel: dict[str, Any], settings: Settings) -> html.Div:
    figure = base_figure(provinces_file(settings))
    return html.Div(
        children=[
            ui.card(  # one row of controls, so that the map fits the window below them
                style={**panel, "display": "flex", "alignItems": "center", "gap": "8px", "flexWrap": "wrap"},
                children=[
                    html.Span("目标 Target"),
                    dcc.Dropdown(id="traj-target", style={"width": "300px"}),
                    html.Span("日期 Day"),
                    dcc.Input(id="traj-day", value=DEFAULT_DAY, style={"width": "110px"}),
                    dcc.Checklist(
                        id="traj-companions",
                        options=[{"label": "伴随车辆 Companions", "value": "on"}],
                        value=["on"],
                        inline=True,
                    ),
                    html.Div(
                        dcc.RangeSlider(
                            id="traj-hours",
                            min=0,
                            max=24,
                            step=1,
                            value=[0, 24],
                            marks={h: f"{h:02d}" for h in range(0, 25, 3)},
                        ),
                        style={"flex": "1 1 280px", "minWidth": "280px"},
                    ),
                ],
            ),
            html.Div(
                style={"display": "flex", "justifyContent": "space-between", "gap": "8px"},
                children=[
                    html.Div(id="traj-notice", style={"color": "#a60", "minHeight": "1.3em"}),
                    html.Div(
                        "在地图上画多边形即电子围栏 Draw a polygon on the map to set a fence",
                        style={"fontSize": "11px", "color": "#666"},
                    ),
                ],
            ),
            dcc.Loading(  # while a track loads, the old one is dimmed under a spinner, not shown as current
                id="traj-loading",
                type="circle",
                delay_show=300,  # a pan answered at once draws no spinner; the notice says what loads
                overlay_style={"visibility": "visible", "opacity": 0.35, "filter": "blur(1px)"},
                children=[
                    dcc.Graph(
                        id="traj-map",
                        figure=figure,
                        style={"height": "calc(100vh - 250px)", "minHeight": "320px"},  # fits 1366×768
                        config={
                            "modeBarButtonsToAdd": ["drawclosedpath", "eraseshape"],
                            "displaylogo": False,
                            "scrollZoom": True,
                        },
                    ),
                ],
            ),
            # what the map shows: its target, and where its track slots start among its traces
            dcc.Store(id="traj-drawn", data={"target": None, "slots": len(figure["data"]) - SLOTS}),
            ui.card(id="traj-fence", className="fence-report", style=panel),
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


def fetch_tracks(
    client: GraphQLClient, target: str, day: str, hours: list[int], companions: list[str]
) -> dict[str, list[dict[str, Any]]]:
    """The target's track in the hours picked, and its companions' (up to three) when asked for."""
    start = f"{day}T{hours[0]:02d}:00:00"
    end = f"{day}T{min(hours[1], 23):02d}:{59 if hours[1] >= 24 else 0:02d}:00"
    tracks = {target: client(TRACK, t=target, s=start, e=end)["track"]}
    if companions and len(tracks[target]) > 1:
        for match in client(MATCHES, t=target, s=start, e=end)["matchingTracks"][: SLOTS - 1]:
            tracks[match["vehicle"]] = client(TRACK, t=match["vehicle"], s=start, e=end)["track"]
    return tracks


def render(
    client: GraphQLClient,
    drawn: dict[str, Any],
    target: str,
    when: tuple[str, list[int]],
    companions: list[str],
    shapes: list[dict[str, Any]],
) -> tuple[Any, str, Any, Any]:
    """The map's track slots and shapes, the notice, the fence report and what the map now shows."""
    try:
        tracks = fetch_tracks(client, target, when[0], when[1], companions)
    except ApiError as exc:
        return no_update, str(exc), no_update, no_update
    report: Any = ""
    polygons = [_polygon(s.get("path", "")) for s in shapes if s.get("path")]
    polygons = [p for p in polygons if p is not None and p.is_valid]
    if polygons:
        report = [html.B("围栏 Fence")] + [html.Div(line) for line in fence_report(polygons[-1], tracks)]
    shown = sum(len(p) for p in tracks.values())
    notice = (
        f"{target}: {len(tracks)} 条轨迹 tracks, {shown} 点 points"
        if shown
        else f"{target}: 该时段无轨迹 No points in this window"
    )
    patch = tracks_patch(int(drawn["slots"]), tracks, shapes)
    return patch, notice, report, {**drawn, "target": target, "shapes": shapes}


def register(app: Dash, api: Any) -> None:
    app.clientside_callback(
        LOADING_NOTICE,
        Output("traj-notice", "children", allow_duplicate=True),
        Input("traj-target", "value"),
        Input("traj-day", "value"),
        Input("traj-hours", "value"),
        Input("traj-companions", "value"),
        State("traj-drawn", "data"),
        prevent_initial_call=True,
    )

    @app.callback(
        Output("traj-target", "options"),
        Output("traj-target", "value"),
        Output("traj-map", "figure", allow_duplicate=True),
        Output("traj-notice", "children", allow_duplicate=True),
        Output("traj-drawn", "data", allow_duplicate=True),
        Input("tabs", "value"),
        State("traj-target", "value"),
        State("traj-day", "value"),
        State("traj-hours", "value"),
        State("traj-companions", "value"),
        State("traj-drawn", "data"),
        prevent_initial_call=True,
    )
    def open_tab(
        tab: str,
        picked: str | None,
        day: str | None,
        hours: list[int] | None,
        companions: list[str] | None,
        drawn: dict[str, Any],
    ) -> Any:
        """Opening the view lists the targets and draws the first one (a second callback reacting to the
        list would race with the view's mounting); coming back keeps the target drawn."""
        if tab != "tracks" or (picked and drawn.get("target") == picked):
            return (no_update,) * 5
        client: GraphQLClient = api()
        options = target_options(client)
        if not options:
            return options, None, no_update, "无轨迹目标 No tracked targets yet", no_update
        target = options[0]["value"]
        when = (day or DEFAULT_DAY, hours or [0, 24])
        patch, notice, _, now = render(client, drawn, target, when, companions or [], [])
        return options, target, patch, notice, now

    @app.callback(
        Output("traj-map", "figure"),
        Output("traj-notice", "children"),
        Output("traj-fence", "children"),
        Output("traj-drawn", "data"),
        Input("traj-target", "value"),
        Input("traj-day", "value"),
        Input("traj-hours", "value"),
        Input("traj-companions", "value"),
        Input("traj-map", "relayoutData"),
        State("traj-drawn", "data"),
        prevent_initial_call=True,
    )
    def draw(
        target: str | None,
        day: str | None,
        hours: list[int],
        companions: list[str],
        relayout: Any,
        drawn: dict[str, Any],
    ) -> Any:
        fired = {t["prop_id"] for t in callback_context.triggered}
        drew_shapes = isinstance(relayout, dict) and "shapes" in relayout
        if fired == {"traj-map.relayoutData"} and not drew_shapes:
            return (no_update,) * 4  # only a pan or zoom: nothing to fetch again
        if not target or not day:
            return no_update, "选择目标 Pick a target", no_update, no_update
        if fired == {"traj-target.value"} and drawn.get("target") == target:
            return (no_update,) * 4  # opening the view drew this target already
        shapes = relayout["shapes"] if drew_shapes else drawn.get("shapes", [])
        return render(api(), drawn, target, (day, hours), companions, shapes)
