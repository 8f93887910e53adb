"""Track analytics: one track, latest positions, fences, multi-zone control, companions, track matching."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import shapely
from shapely.geometry import shape

from tianji.core.resources import package_path
from tracks.store import TrackStore

ZONES = package_path("tracks", "data", "zones.geojson")


class UnknownZone(LookupError):
    """A fence asked for by an id that no zone has."""


METRES_PER_DEG = 111_320.0


def zones(path: Path = ZONES) -> dict[str, dict[str, Any]]:
    doc = json.loads(path.read_text(encoding="utf-8"))
    return {
        f["properties"]["id"]: {**f["properties"], "geometry": shape(f["geometry"])} for f in doc["features"]
    }


def track(store: TrackStore, target: str, start: str, end: str, *, tolerance_m: float = 30.0) -> pd.DataFrame:
    """A target's points in [start, end], simplified for display (Douglas–Peucker, ``tolerance_m``)."""
    points = store.query(
        "SELECT ts, lat, lon, speed FROM points WHERE target = ? AND ts BETWEEN ? AND ? ORDER BY ts",
        [target, start, end],
        window=(start, end),
    )
    if len(points) < 3 or tolerance_m <= 0:
        return points
    xy = points[["lon", "lat"]].to_numpy()
    kept = shapely.get_coordinates(
        shapely.simplify(shapely.linestrings(xy), tolerance_m / METRES_PER_DEG, preserve_topology=False)
    )
    # simplification keeps a subset of the vertices, in order: find them by walking both lists once
    mask = np.zeros(len(xy), dtype=bool)
    k = 0
    for i in range(len(xy)):
        if k < len(kept) and xy[i, 0] == kept[k, 0] and xy[i, 1] == kept[k, 1]:
            mask[i] = True
            k += 1
    return points[mask].reset_index(drop=True)


def latest(store: TrackStore, targets: list[str]) -> pd.DataFrame:
    """Batch monitoring: the last known position of each target."""
    return store.query(
        "SELECT target, arg_max(ts, ts) AS ts, arg_max(lat, ts) AS lat, arg_max(lon, ts) AS lon "
        "FROM points WHERE list_contains(?, target) GROUP BY target ORDER BY target",
        [targets],
    )


def fence_events(
    store: TrackStore,
    zone_ids: list[str] | None = None,
    day: str | None = None,
    *,
    min_dwell_minutes: float = 25.0,
) -> pd.DataFrame:
    """Enter and exit events of every target for each fence (polygon), for stays of at least ``min_dwell_minutes``
    (passing through on the road is not a visit)."""
    all_zones = zones()
    unknown = sorted(set(zone_ids or []) - set(all_zones))
    if unknown:
        raise UnknownZone(
            f"unknown zone {', '.join(map(repr, unknown))}; known: {', '.join(sorted(all_zones))}"
        )
    chosen = {z: all_zones[z] for z in (zone_ids or list(all_zones))}
    rows = []
    for zone_id, zone in chosen.items():
        minx, miny, maxx, maxy = zone["geometry"].bounds
        where = "lon BETWEEN ? AND ? AND lat BETWEEN ? AND ?" + (" AND CAST(ts AS DATE) = ?" if day else "")
        params: list[Any] = [minx, maxx, miny, maxy] + ([day] if day else [])
        near = store.query(
            f"SELECT target, ts, lat, lon FROM points WHERE {where} ORDER BY target, ts",
            params,
            window=(day, day) if day else None,
        )
        if near.empty:
            continue
        inside = shapely.contains_xy(zone["geometry"], near["lon"].to_numpy(), near["lat"].to_numpy())
        near = near[inside]
        for target, group in near.groupby("target"):
            times = group["ts"].to_list()
            start = times[0]
            for before, after in zip(times, [*times[1:], None], strict=True):
                if after is None or (after - before).total_seconds() > 600:  # a gap: it left and came back
                    if (before - start).total_seconds() >= min_dwell_minutes * 60:
                        rows.append(
                            {
                                "target": target,
                                "zone": zone_id,
                                "kind": zone["kind"],
                                "entered": start,
                                "left": before,
                            }
                        )
                    start = after
    return pd.DataFrame(rows, columns=["target", "zone", "kind", "entered", "left"])


def multi_zone(store: TrackStore, sequence: list[str], within_hours: float = 24.0) -> pd.DataFrame:
    """Targets that visited the zones in this order (e.g. bonded zone → warehouse → port) within the window."""
    events = fence_events(store, sequence, min_dwell_minutes=25.0)
    found = []
    for target, group in events.groupby("target"):
        visits = group.sort_values("entered")
        for first in visits[visits["zone"] == sequence[0]].itertuples():
            t = first.left
            path = [first.entered]
            for zone in sequence[1:]:
                nxt = visits[(visits["zone"] == zone) & (visits["entered"] >= t)]
                if nxt.empty:
                    break
                t = nxt.iloc[0]["left"]
                path.append(nxt.iloc[0]["entered"])
            else:
                if (t - first.entered).total_seconds() <= within_hours * 3600:
                    found.append(
                        {"target": target, "start": first.entered, "end": t, "zones": " > ".join(sequence)}
                    )
                    break
    return pd.DataFrame(found, columns=["target", "start", "end", "zones"])


COMPANION_SQL = """
WITH raw AS (
  SELECT target, time_bucket(INTERVAL '{bucket} seconds', ts) AS b, median(lat) AS lat, median(lon) AS lon
  FROM points WHERE kind = 'vehicle' {day_filter} GROUP BY target, b
), lagged AS (
  SELECT *, lag(b) OVER w AS pb, lag(lat) OVER w AS plat, lag(lon) OVER w AS plon
  FROM raw WINDOW w AS (PARTITION BY target ORDER BY b)
), p AS (
  SELECT target, b, lat, lon, CAST(floor(lat * {cells}) AS BIGINT) AS gy, CAST(floor(lon * {cells} / 2) AS BIGINT) AS gx
  FROM lagged WHERE pb IS NOT NULL AND b - pb <= INTERVAL '{lag_s} seconds'
    AND 111320 * sqrt((lat - plat) ^ 2 + ((lon - plon) * cos(radians(lat))) ^ 2) / epoch(b - pb) * 3.6 >= {min_kmh}
), n AS (
  SELECT p.*, p.gy + dy AS ny, p.gx + dx AS nx FROM p,
    (SELECT unnest([-1, 0, 1]) AS dy), (SELECT unnest([-1, 0, 1]) AS dx)
)
SELECT a.target AS a, b.target AS b, count(DISTINCT a.b) AS buckets
FROM p a JOIN n b ON a.b = b.b AND a.gy = b.ny AND a.gx = b.nx AND a.target < b.target
WHERE abs(a.lat - b.lat) * 111320 < {distance} AND abs(a.lon - b.lon) * 111320 * cos(radians(a.lat)) < {distance}
GROUP BY ALL HAVING count(DISTINCT a.b) >= {min_buckets}
"""


@dataclass
class CompanionConfig:
    distance_m: float = 200.0
    minutes: float = 30.0
    bucket_s: int = 120
    min_kmh: float = (
        5.0  # only buckets where both are moving count: trucks parked side by side are not companions
    )


def companions(
    store: TrackStore,
    config: CompanionConfig | None = None,
    day: str | None = None,
    *,
    window: tuple[str, str] | None = None,
) -> pd.DataFrame:
    """Pairs of vehicles within ``distance_m`` of each other for at least ``minutes`` (2-minute buckets, the
    median position of each) while both were moving, over everything stored, one day, or a time window."""
    config = config or CompanionConfig()
    where, params = "", []
    if day:
        where, params = "AND CAST(ts AS DATE) = ?", [day]
    elif window:
        where, params = "AND ts BETWEEN ? AND ?", list(window)
    sql = COMPANION_SQL.format(
        bucket=config.bucket_s,
        cells=round(METRES_PER_DEG / config.distance_m, 3),
        distance=config.distance_m,
        min_buckets=int(config.minutes * 60 / config.bucket_s),
        day_filter=where,
        lag_s=3 * config.bucket_s,
        min_kmh=config.min_kmh,
    )
    return store.query(sql, params, window=(day, day) if day else window)


def groups(pairs: pd.DataFrame) -> list[list[str]]:
    """Companion pairs joined into groups (connected components)."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in zip(pairs["a"], pairs["b"], strict=True):
        parent[find(a)] = find(b)
    out: dict[str, list[str]] = {}
    for x in list(parent):
        out.setdefault(find(x), []).append(x)
    return sorted(sorted(g) for g in out.values())


def match_track(
    store: TrackStore, target: str, start: str, end: str, config: CompanionConfig | None = None
) -> pd.DataFrame:
    """Vehicles whose tracks match the given target's track in the window, best first."""
    config = config or CompanionConfig()
    pairs = companions(store, CompanionConfig(config.distance_m, 10, config.bucket_s), window=(start, end))
    mine = pairs[(pairs["a"] == target) | (pairs["b"] == target)].copy()
    mine["vehicle"] = np.where(mine["a"] == target, mine["b"], mine["a"])
    return mine[["vehicle", "buckets"]].sort_values("buckets", ascending=False).reset_index(drop=True)
