"""The trajectory view's map figure: land, lakes, coastlines, country and province borders
(``dashboards.basemap``), the monitoring zones, anchorages and ports the project ships, then a fixed
number of track slots (the target and its companions) that a change of target fills by a patch, so the
base map is sent once. Plain lon/lat axes with the latitude's scale, no tile server.

Every trace carries a ``meta`` naming its layer (land, lake, coast, country, province, zone, port, track,
companion): the browser tests count them.
"""

from __future__ import annotations

import json
import math
from functools import lru_cache
from pathlib import Path
from typing import Any

from dash import Patch
from shapely.geometry import shape
from shapely.ops import unary_union

from dashboards.basemap import Extent, Line, config, layers
from tianji.core.resources import package_path

DATA = package_path("tracks", "data")
SLOTS = 4  # the target and up to three companions
WATER, LAND, LAKE = "#dbe9f4", "#f4f1e8", "#dbe9f4"
ZONE_COLOURS = {
    "bonded_zone": "#1f77b4",
    "unregistered_warehouse": "#d62728",
    "port": "#2ca02c",
    "anchorage": "#6b6ecf",
}
LINES = {  # layer: (name, colour, width, dash)
    "coast": ("海岸线 Coastline", "#4f7a94", 1.0, "solid"),
    "province": ("省界 Province borders", "#9a8c98", 1.0, "dash"),
    "country": ("国界/区界 Country and SAR borders", "#6d2e46", 1.8, "solid"),
}


def features() -> list[dict[str, Any]]:
    """The zones (bonded zones, warehouses, ports) and anchorages the tracks data ships."""
    found = []
    for name in ("zones.geojson", "anchorages.geojson"):
        found += json.loads((DATA / name).read_text(encoding="utf-8"))["features"]
    return found


def area() -> Extent:
    """Where the zones and anchorages are: the map opens on them."""
    west, south, east, north = unary_union([shape(f["geometry"]) for f in features()]).bounds
    return Extent(west, east, south, north).grown(0.12)


def _joined(lines: list[Line]) -> tuple[list[float | None], list[float | None]]:
    """Many lines as one trace's points, a gap between each."""
    xs: list[float | None] = []
    ys: list[float | None] = []
    for lons, lats in lines:
        xs += [*lons, None]
        ys += [*lats, None]
    return xs, ys


def _base_traces(provinces: Path | None) -> list[dict[str, Any]]:
    base = layers(area().grown(float(config()["margin_deg"])), provinces)
    traces: list[dict[str, Any]] = []
    for meta, lines, colour in (("land", base.land, LAND), ("lake", base.lakes, LAKE)):
        xs, ys = _joined(lines)
        traces.append(
            {"type": "scatter", "x": xs, "y": ys, "mode": "lines", "fill": "toself", "fillcolor": colour,
             "line": {"width": 0}, "hoverinfo": "skip", "showlegend": False, "meta": meta}
        )  # fmt: skip
    for meta, lines in (("coast", base.coast), ("province", base.provinces), ("country", base.countries)):
        name, colour, width, dash = LINES[meta]
        xs, ys = _joined(lines)
        traces.append(
            {"type": "scatter", "x": xs, "y": ys, "mode": "lines", "name": name, "meta": meta,
             "line": {"color": colour, "width": width, "dash": dash}, "hoverinfo": "skip"}
        )  # fmt: skip
    ports: list[dict[str, Any]] = []
    for feature in features():
        props = feature["properties"]
        outline = shape(feature["geometry"])
        lon, lat = zip(*outline.exterior.coords, strict=True)
        colour = ZONE_COLOURS.get(props.get("kind", ""), "#888")
        traces.append(
            {"type": "scatter", "x": lon, "y": lat, "fill": "toself", "mode": "lines", "opacity": 0.45,
             "line": {"color": colour, "dash": "dot" if props.get("kind") == "anchorage" else "solid"},
             "name": props["name"], "hoverinfo": "name", "meta": "zone", "showlegend": False}
        )  # fmt: skip
        if props.get("kind") in ("port", "anchorage"):
            ports.append({"at": outline.centroid, "name": props["name"].split(" ")[0]})
    traces.append(
        {"type": "scatter", "x": [p["at"].x for p in ports], "y": [p["at"].y for p in ports],
         "mode": "markers+text", "text": [p["name"] for p in ports], "textposition": "top center",
         "marker": {"symbol": "square", "size": 7, "color": "#2d6a4f"},
         "name": "口岸/锚地 Ports and anchorages", "meta": "port", "hoverinfo": "text"}
    )  # fmt: skip
    return traces + [empty_slot(i) for i in range(SLOTS)]


def empty_slot(slot: int) -> dict[str, Any]:
    return {
        "type": "scatter",
        "x": [],
        "y": [],
        "mode": "lines+markers",
        "meta": "track" if slot == 0 else "companion",
        "name": "",
        "showlegend": False,
    }


@lru_cache(maxsize=4)
def base_figure(provinces: Path | None) -> dict[str, Any]:
    """The map with empty track slots (built once per province file; a callback patches the slots)."""
    view = area()
    middle = math.cos(math.radians((view.south + view.north) / 2))
    return {
        "data": _base_traces(provinces),
        "layout": {
            "margin": {"l": 40, "r": 10, "t": 10, "b": 30},
            "plot_bgcolor": WATER,
            "xaxis": {
                "range": [view.west, view.east],
                "showgrid": False,
                "zeroline": False,
                "ticksuffix": "°E",
            },
            "yaxis": {
                "range": [view.south, view.north],
                "showgrid": False,
                "zeroline": False,
                "ticksuffix": "°N",
                "scaleanchor": "x",
                "scaleratio": 1 / middle,
            },
            "dragmode": "pan",
            "uirevision": "map",  # a new track keeps the officer's pan and zoom
            "newshape": {"line": {"color": "#ff7f0e", "width": 3}, "fillcolor": "rgba(255,127,14,0.15)"},
            "legend": {"orientation": "h", "y": -0.08},
            "shapes": [],
        },
    }


def slot_trace(slot: int, name: str, points: list[dict[str, Any]]) -> dict[str, Any]:
    """One track in its slot: the target solid and dark, a companion dotted in pink."""
    first = slot == 0
    return {
        **empty_slot(slot),
        "x": [p["lon"] for p in points],
        "y": [p["lat"] for p in points],
        "marker": {"size": 3},
        "line": {"width": 3 if first else 2, "dash": "solid" if first else "dot", "color": "#111" if first else "#e377c2"},
        "name": name if first else f"伴随 companion {name}",
        "text": [p["ts"][11:16] for p in points],
        "hoverinfo": "text+name",
        "showlegend": True,
    }  # fmt: skip


def tracks_patch(start: int, tracks: dict[str, list[dict[str, Any]]], shapes: list[dict[str, Any]]) -> Patch:
    """The figure's track slots (from trace ``start``) and drawn shapes replaced; the base map stays."""
    patch = Patch()
    shown = [(name, points) for name, points in tracks.items() if points][:SLOTS]
    for slot in range(SLOTS):
        patch["data"][start + slot] = (
            slot_trace(slot, *shown[slot]) if slot < len(shown) else empty_slot(slot)
        )
    patch["layout"]["shapes"] = shapes
    return patch
