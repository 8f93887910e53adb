"""From points to what investigators reason about: stops, trips, port calls and visits.

Points are first reduced to 5-minute buckets (the median position: robust to a stray fix). A stop is a
run of buckets that stay within a small radius of where the run began (150 m for trucks, 500 m for
vessels) for long enough (20 minutes for trucks, an hour for vessels). A stop is placed in a monitoring zone, a port's waters, or an enterprise's
premises (a geocoded address) when it stood there. A trip is the movement between two stops. A port call
is a vessel's stay in a port's waters.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import shapely

from tracks.analysis import fence_events, zones
from tracks.store import TrackStore, haversine_m

BUCKET_S = 300


@dataclass(frozen=True)
class StopRule:
    radius_m: float
    min_minutes: float


RULES = {"vehicle": StopRule(150.0, 20.0), "vessel": StopRule(500.0, 60.0)}
PREMISES_RADIUS_M = 200.0

STOP_COLUMNS = [
    "target",
    "kind",
    "lat",
    "lon",
    "started",
    "ended",
    "minutes",
    "place",
    "place_kind",
    "enterprises",
]
TRIP_COLUMNS = ["target", "kind", "started", "ended", "km", "points", "from_place", "to_place"]


def buckets(store: TrackStore, day: str | None = None, targets: list[str] | None = None) -> pd.DataFrame:
    where = []
    params: list[Any] = []
    if day:
        where.append("CAST(ts AS DATE) = ?")
        params.append(day)
    if targets is not None:
        where.append("list_contains(?, target)")
        params.append(targets)
    return store.query(
        f"SELECT target, any_value(kind) AS kind, time_bucket(INTERVAL '{BUCKET_S} seconds', ts) AS b, "
        "median(lat) AS lat, median(lon) AS lon, min(ts) AS first, max(ts) AS last, count(*) AS n FROM points "
        + (f"WHERE {' AND '.join(where)} " if where else "")
        + "GROUP BY target, b ORDER BY target, b",
        params,
        window=(day, day) if day else None,
    )


def premises_of(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """Premises from geocoded addresses: rows of enterprise, lat, lon and optionally address. Enterprises at
    the same address share one premises (shell companies often do): place is the address, or the enterprise."""
    frame = pd.DataFrame(rows, columns=["enterprise", "address", "lat", "lon"]).dropna(subset=["lat", "lon"])
    frame["place"] = frame["address"].fillna(frame["enterprise"])
    grouped = frame.groupby("place", sort=True)
    return (
        pd.DataFrame(
            {
                "place": list(grouped.groups),
                "lat": grouped["lat"].first().to_numpy(),
                "lon": grouped["lon"].first().to_numpy(),
                "enterprises": [sorted(set(g)) for _, g in grouped["enterprise"]],
            }
        )
        if not frame.empty
        else pd.DataFrame(columns=["place", "lat", "lon", "enterprises"])
    )


def _place(stops: pd.DataFrame, premises: pd.DataFrame | None) -> pd.DataFrame:
    """Where each stop stood: a monitoring zone, a port's waters (its code) or premises (with the enterprises
    there)."""
    place = np.full(len(stops), "", dtype=object)
    kind = np.full(len(stops), "", dtype=object)
    enterprises: list[list[str]] = [[] for _ in range(len(stops))]
    if stops.empty:
        return stops.assign(place=place, place_kind=kind, enterprises=enterprises)
    x, y = stops["lon"].to_numpy(), stops["lat"].to_numpy()
    for zone_id, zone in zones().items():
        inside = shapely.contains_xy(zone["geometry"], x, y) & (place == "")
        place[inside] = zone.get("port") or zone_id
        kind[inside] = zone["kind"]
    if premises is not None and not premises.empty:
        plat, plon = premises["lat"].to_numpy(), premises["lon"].to_numpy()
        for i in np.flatnonzero(place == ""):
            dist = haversine_m(y[i], x[i], plat, plon)
            nearest = int(np.argmin(dist))
            if dist[nearest] <= PREMISES_RADIUS_M:
                place[i] = premises["place"].iloc[nearest]
                kind[i] = "premises"
                enterprises[i] = list(premises["enterprises"].iloc[nearest])
    return stops.assign(place=place, place_kind=kind, enterprises=enterprises)


def stops_and_trips(
    store: TrackStore,
    day: str | None = None,
    *,
    premises: pd.DataFrame | None = None,
    targets: list[str] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every target's stops (placed in zones, ports and premises) and the trips between them.

    Vectorised over all targets: a bucket continues a stand-still when its centre is within half the
    stop radius of the previous bucket's (and no more than 15 minutes of data are missing); a chain of
    such buckets that lasts long enough and stays within the radius is a stop."""
    frame = buckets(store, day, targets)
    if frame.empty:
        return pd.DataFrame(columns=STOP_COLUMNS), pd.DataFrame(columns=TRIP_COLUMNS)
    target = frame["target"].to_numpy()
    kind = frame["kind"].to_numpy()
    lat, lon = frame["lat"].to_numpy(), frame["lon"].to_numpy()
    first, last = frame["first"].to_numpy(), frame["last"].to_numpy()
    radius = np.where(kind == "vessel", RULES["vessel"].radius_m, RULES["vehicle"].radius_m)
    min_s = np.where(kind == "vessel", RULES["vessel"].min_minutes, RULES["vehicle"].min_minutes) * 60
    new_target = np.concatenate([[True], target[1:] != target[:-1]])
    step = np.concatenate([[0.0], haversine_m(lat[:-1], lon[:-1], lat[1:], lon[1:])])
    step[new_target] = 0.0
    gap = np.concatenate([[np.timedelta64(0, "s")], first[1:] - last[:-1]]) > np.timedelta64(15, "m")
    still = ~new_target & ~gap & (step <= radius / 2)
    chain = np.cumsum(~still)
    chains = pd.DataFrame({"chain": chain, "lat": lat, "lon": lon, "i": np.arange(len(lat))}).groupby("chain")
    agg = chains.agg(
        start=("i", "min"),
        end=("i", "max"),
        lat=("lat", "mean"),
        lon=("lon", "mean"),
        lat_min=("lat", "min"),
        lat_max=("lat", "max"),
        lon_min=("lon", "min"),
        lon_max=("lon", "max"),
    )
    agg["lat_span"] = agg["lat_max"] - agg["lat_min"]
    agg["lon_span"] = agg["lon_max"] - agg["lon_min"]
    lo, hi = agg["start"].to_numpy(), agg["end"].to_numpy()
    seconds = (last[hi] - first[lo]) / np.timedelta64(1, "s")
    span_m = np.hypot(
        agg["lat_span"].to_numpy() * 111_320,
        agg["lon_span"].to_numpy() * 111_320 * np.cos(np.radians(agg["lat"].to_numpy())),
    )
    is_stop = (seconds >= min_s[lo]) & (span_m <= 2 * radius[lo])
    lo, hi = lo[is_stop], hi[is_stop]
    stops = pd.DataFrame(
        {
            "target": target[lo],
            "kind": kind[lo],
            "lat": agg["lat"].to_numpy()[is_stop],
            "lon": agg["lon"].to_numpy()[is_stop],
            "started": pd.to_datetime(first[lo]),
            "ended": pd.to_datetime(last[hi]),
            "minutes": np.round(seconds[is_stop] / 60, 1),
        }
    )
    stops = _place(stops, premises)
    # trips: the movement before the first stop, between stops, and after the last, per target
    cumulative = np.cumsum(step)
    counts = np.cumsum(frame["n"].to_numpy())
    places = stops["place"].to_numpy()
    starts_of_target = np.flatnonzero(new_target)
    ends_of_target = np.concatenate([starts_of_target[1:] - 1, [len(lat) - 1]])
    stop_index = 0
    trip_rows = []
    for t_start, t_end in zip(starts_of_target, ends_of_target, strict=True):
        mine = []
        while stop_index < len(lo) and lo[stop_index] <= t_end:
            mine.append(stop_index)
            stop_index += 1
        edges = [(None, t_start), *[(k, hi[k]) for k in mine]]
        nexts = [*[(k, lo[k]) for k in mine], (None, t_end)]
        for (from_stop, a), (to_stop, b) in zip(edges, nexts, strict=True):
            if b <= a:
                continue
            km = float(cumulative[b] - cumulative[a]) / 1000
            if km < 0.5:
                continue
            trip_rows.append(
                {
                    "target": target[t_start],
                    "kind": kind[t_start],
                    "started": pd.Timestamp(last[a] if from_stop is not None else first[a]),
                    "ended": pd.Timestamp(first[b] if to_stop is not None else last[b]),
                    "km": round(km, 2),
                    "points": int(counts[b] - (counts[a - 1] if a > 0 else 0)),
                    "from_place": places[from_stop] if from_stop is not None else "",
                    "to_place": places[to_stop] if to_stop is not None else "",
                }
            )
    return stops[STOP_COLUMNS], pd.DataFrame(trip_rows, columns=TRIP_COLUMNS)


def port_calls(store: TrackStore, day: str | None = None, *, min_hours: float = 1.0) -> pd.DataFrame:
    """Vessels' stays in port waters: vessel, port code, zone, arrived, departed, hours."""
    vessels = store.query("SELECT DISTINCT target FROM points WHERE kind = 'vessel'")["target"].tolist()
    ports = {z: v["port"] for z, v in zones().items() if v["kind"] == "port" and v.get("port")}
    if not vessels or not ports:
        return pd.DataFrame(columns=["target", "port", "zone", "arrived", "departed", "hours"])
    events = fence_events(store, list(ports), day, min_dwell_minutes=min_hours * 60)
    events = events[events["target"].isin(vessels)]
    return pd.DataFrame(
        {
            "target": events["target"],
            "port": events["zone"].map(ports),
            "zone": events["zone"],
            "arrived": events["entered"],
            "departed": events["left"],
            "hours": ((events["left"] - events["entered"]).dt.total_seconds() / 3600).round(2),
        }
    ).reset_index(drop=True)
