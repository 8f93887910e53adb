"""Events at sea from AIS: encounters, loitering, AIS gaps and dark rendezvous.

All of it is DuckDB SQL over the stored points (only the days of the window are read); Python only places
the few resulting events on the map (anchorages, ports, the coast).

- Positions are first reduced to 10-minute buckets (the median position, robust to outliers), and each
  bucket's speed is the distance from the previous bucket over the time between them (no more than an
  hour apart), in knots; reported speeds are not trusted.
- **Encounter** (Global Fishing Watch's definition): two vessels within 500 m of each other for at least
  2 hours, both at a median speed under 2 knots, at least 10 km from an anchorage and outside ports'
  waters. Pairs are found with a grid self-join per bucket; runs of close buckets tolerate 30 minutes
  without a close position.
- **Loitering**: one vessel under 2 knots for at least 3 hours, at sea, 5 km or more from the coast,
  10 km from an anchorage, in no port, and not while it is in an encounter (a vessel drifting alone
  offshore may be meeting a vessel that is not transmitting).
- **AIS gap**: 12 hours or more between two positions of a vessel that was at sea, outside ports, when it
  fell silent (likely switched off).
- **Dark rendezvous**: an encounter where one of the two vessels had a gap that ended within 12 hours
  before it began or began within 12 hours after it ended.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from tracks.store import TrackStore
from tracks.waters import waters

KNOT = 0.514444

BUCKETS = """
WITH raw AS (
  SELECT target, time_bucket(INTERVAL '{bucket} seconds', ts) AS b, median(lat) AS lat, median(lon) AS lon
  FROM points WHERE kind = 'vessel' {where} GROUP BY target, b
), lagged AS (
  SELECT *, lag(b) OVER w AS pb, lag(lat) OVER w AS plat, lag(lon) OVER w AS plon
  FROM raw WINDOW w AS (PARTITION BY target ORDER BY b)
), v AS (
  SELECT target, b, lat, lon,
    CASE WHEN pb IS NULL OR b - pb > INTERVAL '1 hour' THEN NULL
         ELSE 111320 * sqrt((lat - plat) ^ 2 + ((lon - plon) * cos(radians(lat))) ^ 2)
              / epoch(b - pb) / {knot} END AS knots
  FROM lagged
)
"""

ENCOUNTERS = """
, g AS (
  SELECT *, CAST(floor(lat * {cells}) AS BIGINT) AS gy, CAST(floor(lon * {cells} / 2) AS BIGINT) AS gx FROM v
), n AS (
  SELECT g.*, gy + dy AS ny, gx + dx AS nx FROM g, (SELECT unnest([-1, 0, 1]) AS dy), (SELECT unnest([-1, 0, 1]) AS dx)
), close AS (
  SELECT a.target AS a, b.target AS b, a.b AS t, (a.lat + b.lat) / 2 AS lat, (a.lon + b.lon) / 2 AS lon,
         111320 * sqrt((a.lat - b.lat) ^ 2 + ((a.lon - b.lon) * cos(radians(a.lat))) ^ 2) AS d,
         a.knots AS ka, b.knots AS kb
  FROM g a JOIN n b ON a.b = b.b AND a.gy = b.ny AND a.gx = b.nx AND a.target < b.target
), near AS (
  SELECT *, lag(t) OVER (PARTITION BY a, b ORDER BY t) AS pt FROM close WHERE d < {distance}
), runs AS (
  SELECT *, sum(CASE WHEN pt IS NULL OR t - pt > INTERVAL '{tolerance} seconds' THEN 1 ELSE 0 END)
            OVER (PARTITION BY a, b ORDER BY t) AS run FROM near
)
SELECT a, b, min(t) AS started, max(t) + INTERVAL '{bucket} seconds' AS ended, avg(lat) AS lat, avg(lon) AS lon,
       median(d) AS distance_m, median(ka) AS knots_a, median(kb) AS knots_b
FROM runs GROUP BY a, b, run
HAVING max(t) + INTERVAL '{bucket} seconds' - min(t) >= INTERVAL '{min_s} seconds'
   AND median(ka) < {knots} AND median(kb) < {knots}
ORDER BY started, a, b
"""

LOITERING = """
, slow AS (SELECT *, lag(b) OVER (PARTITION BY target ORDER BY b) AS pb FROM v WHERE knots < {knots})
, runs AS (
  SELECT *, sum(CASE WHEN pb IS NULL OR b - pb > INTERVAL '{tolerance} seconds' THEN 1 ELSE 0 END)
            OVER (PARTITION BY target ORDER BY b) AS run FROM slow
)
SELECT target, min(b) AS started, max(b) + INTERVAL '{bucket} seconds' AS ended, avg(lat) AS lat,
       avg(lon) AS lon, avg(knots) AS knots
FROM runs GROUP BY target, run
HAVING max(b) + INTERVAL '{bucket} seconds' - min(b) >= INTERVAL '{min_s} seconds'
ORDER BY started, target
"""

GAPS = """
SELECT target, pts AS started, ts AS ended, plat AS lat, plon AS lon, lat AS end_lat, lon AS end_lon FROM (
  SELECT target, ts, lat, lon, lag(ts) OVER w AS pts, lag(lat) OVER w AS plat, lag(lon) OVER w AS plon
  FROM points WHERE kind = 'vessel' {where} WINDOW w AS (PARTITION BY target ORDER BY ts)
) WHERE ts - pts >= INTERVAL '{min_s} seconds' ORDER BY started, target
"""


@dataclass(frozen=True)
class SeaConfig:
    """The rules for events at sea (defaults: Global Fishing Watch's encounter; gaps of 12 hours)."""

    bucket_s: int = 600
    tolerance_s: int = 1800  # a run of close or slow buckets may miss this long
    encounter_distance_m: float = 500.0
    encounter_hours: float = 2.0
    max_knots: float = 2.0
    anchorage_km: float = 10.0
    loitering_hours: float = 3.0
    shore_km: float = 5.0
    gap_hours: float = 12.0
    dark_window_hours: float = 12.0

    def parameters(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class SeaEvents:
    encounters: pd.DataFrame
    loitering: pd.DataFrame
    gaps: pd.DataFrame
    config: SeaConfig = field(default_factory=SeaConfig)


def _window(window: tuple[str, str] | None) -> tuple[str, list[Any]]:
    return ("AND ts BETWEEN ? AND ?", list(window)) if window else ("", [])


def _hours(frame: pd.DataFrame) -> pd.Series:
    return ((frame["ended"] - frame["started"]).dt.total_seconds() / 3600).round(2)


def encounters(
    store: TrackStore, config: SeaConfig | None = None, window: tuple[str, str] | None = None
) -> pd.DataFrame:
    """Pairs of vessels close and slow together for long enough, away from anchorages and ports."""
    config = config or SeaConfig()
    where, params = _window(window)
    sql = BUCKETS.format(bucket=config.bucket_s, where=where, knot=KNOT) + ENCOUNTERS.format(
        cells=round(111_320 / config.encounter_distance_m, 4),
        distance=config.encounter_distance_m,
        tolerance=config.tolerance_s,
        bucket=config.bucket_s,
        min_s=int(config.encounter_hours * 3600),
        knots=config.max_knots,
    )
    return placed(store.query(sql, params, window=window), config)


def placed(found: pd.DataFrame, config: SeaConfig) -> pd.DataFrame:
    """The close, slow runs found in SQL that stood away from anchorages and outside ports, with hours."""
    if found.empty:
        return found.assign(hours=[])
    water = waters()
    lat, lon = found["lat"].to_numpy(), found["lon"].to_numpy()
    away = (water.anchorage_km(lat, lon) >= config.anchorage_km) & (water.port(lat, lon) == "")
    found = found[away].reset_index(drop=True)
    return found.assign(hours=_hours(found))


def loitering(
    store: TrackStore,
    config: SeaConfig | None = None,
    window: tuple[str, str] | None = None,
    *,
    met: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Vessels slow alone offshore for hours; ``met`` (encounters) removes stretches spent with another."""
    config = config or SeaConfig()
    where, params = _window(window)
    sql = BUCKETS.format(bucket=config.bucket_s, where=where, knot=KNOT) + LOITERING.format(
        knots=config.max_knots,
        tolerance=config.tolerance_s,
        bucket=config.bucket_s,
        min_s=int(config.loitering_hours * 3600),
    )
    found = store.query(sql, params, window=window)
    if found.empty:
        return found.assign(hours=[])
    lat, lon = found["lat"].to_numpy(), found["lon"].to_numpy()
    found = found[
        waters().offshore(lat, lon, shore_km=config.shore_km, anchorage_km=config.anchorage_km)
    ].reset_index(drop=True)
    if met is not None and not met.empty and not found.empty:
        sides = pd.concat(
            [
                met[["a", "started", "ended"]].rename(columns={"a": "target"}),
                met[["b", "started", "ended"]].rename(columns={"b": "target"}),
            ]
        )
        pairs = found.reset_index().merge(sides, on="target", suffixes=("", "_met"))
        overlap = (
            (
                np.minimum(pairs["ended"], pairs["ended_met"])
                - np.maximum(pairs["started"], pairs["started_met"])
            )
            .dt.total_seconds()
            .clip(lower=0)
        )
        share = overlap / (pairs["ended"] - pairs["started"]).dt.total_seconds()
        found = found.drop(index=pairs.loc[share >= 0.5, "index"].unique()).reset_index(drop=True)
    return found.assign(hours=_hours(found))


def gaps(
    store: TrackStore, config: SeaConfig | None = None, window: tuple[str, str] | None = None
) -> pd.DataFrame:
    """Silences of ``gap_hours`` or more that began at sea, outside ports' waters."""
    config = config or SeaConfig()
    where, params = _window(window)
    found = store.query(GAPS.format(where=where, min_s=int(config.gap_hours * 3600)), params, window=window)
    if found.empty:
        return found.assign(hours=[], km=[])
    water = waters()
    lat, lon = found["lat"].to_numpy(), found["lon"].to_numpy()
    found = found[water.at_sea(lat, lon) & (water.port(lat, lon) == "")].reset_index(drop=True)
    km = 111.32 * np.hypot(
        found["end_lat"] - found["lat"], (found["end_lon"] - found["lon"]) * np.cos(np.radians(found["lat"]))
    )
    return found.assign(hours=_hours(found), km=km.round(1))


def dark_rendezvous(
    met: pd.DataFrame, silences: pd.DataFrame, config: SeaConfig | None = None
) -> pd.DataFrame:
    """The encounters with a gap of one of their vessels around them: ``dark_vessels`` lists who was silent."""
    config = config or SeaConfig()
    window = pd.Timedelta(hours=config.dark_window_hours)
    dark: list[list[str]] = [[] for _ in range(len(met))]
    if not met.empty and not silences.empty:
        by_vessel = {t: g for t, g in silences.groupby("target")}
        for i, event in enumerate(met.itertuples()):
            for vessel in (event.a, event.b):
                mine = by_vessel.get(vessel)
                if mine is None:
                    continue
                before = (mine["ended"] >= event.started - window) & (mine["started"] <= event.ended)
                after = (mine["started"] <= event.ended + window) & (mine["ended"] >= event.started)
                if (before | after).any():
                    dark[i].append(vessel)
    return met.assign(dark_vessels=dark, dark=[bool(d) for d in dark])


def sea_events(
    store: TrackStore, config: SeaConfig | None = None, window: tuple[str, str] | None = None
) -> SeaEvents:
    """Encounters (with dark rendezvous marked), loitering and AIS gaps over the window."""
    config = config or SeaConfig()
    silences = gaps(store, config, window)
    met = dark_rendezvous(encounters(store, config, window), silences, config)
    return SeaEvents(met, loitering(store, config, window, met=met), silences, config)
