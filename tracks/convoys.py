"""Convoys: groups of at least m vehicles travelling together for at least k consecutive windows.

The trajectory-mining definition (Jeung et al., "Discovery of convoys in trajectory databases", the
coherent moving cluster algorithm). In each 2-minute window the moving vehicles (5 km/h or more since the
previous window, so that trucks parked side by side at a depot are not a convoy) are joined when within
200 m of each other, and each connected group (density-connected, as DBSCAN would with two points) is a
cluster. A candidate convoy follows a cluster from window to window as long as at least m of its members
stay together (missing up to two windows: noise and dropped points; a member that sent no position in a
window is out of sight, not gone, and stays while the others hold together); it is a convoy when it held for k
windows. Candidates that share m - 1 members within k windows of each other are one convoy (their
union): a member out of reach for a while splits a convoy into overlapping sub-convoys.

The per-window pairs come from one DuckDB grid self-join; Python only follows the few clusters.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from tracks.store import TrackStore

MOVING = """
WITH raw AS (
  SELECT target, time_bucket(INTERVAL '{window} seconds', ts) AS b, median(lat) AS lat, median(lon) AS lon
  FROM points WHERE kind = 'vehicle' {where} GROUP BY target, b
), lagged AS (
  SELECT *, lag(b) OVER w AS pb, lag(lat) OVER w AS plat, lag(lon) OVER w AS plon
  FROM raw WINDOW w AS (PARTITION BY target ORDER BY b)
), p AS (
  SELECT target, b, lat, lon, CAST(floor(lat * {cells}) AS BIGINT) AS gy, CAST(floor(lon * {cells} / 2) AS BIGINT) AS gx
  FROM lagged WHERE pb IS NOT NULL AND b - pb <= INTERVAL '{lag_s} seconds'
    AND 111320 * sqrt((lat - plat) ^ 2 + ((lon - plon) * cos(radians(lat))) ^ 2) / epoch(b - pb) * 3.6 >= {min_kmh}
), n AS (
  SELECT p.*, gy + dy AS ny, gx + dx AS nx FROM p, (SELECT unnest([-1, 0, 1]) AS dy), (SELECT unnest([-1, 0, 1]) AS dx)
), close AS (
  SELECT a.b AS t, a.target AS a, b.target AS b
  FROM p a JOIN n b ON a.b = b.b AND a.gy = b.ny AND a.gx = b.nx AND a.target < b.target
  WHERE 111320 * sqrt((a.lat - b.lat) ^ 2 + ((a.lon - b.lon) * cos(radians(a.lat))) ^ 2) < {distance}
)
"""


@dataclass(frozen=True)
class ConvoyConfig:
    min_vehicles: int = 3  # m
    min_windows: int = 15  # k (15 windows of 2 minutes: half an hour)
    distance_m: float = 200.0
    window_s: int = 120
    min_kmh: float = 5.0
    max_missed: int = 2


def moving_pairs(
    store: TrackStore, config: ConvoyConfig, window: tuple[str, str] | None = None
) -> pd.DataFrame:
    """Per window, the pairs of moving vehicles within ``distance_m``: t, a, b."""
    where, params = ("AND ts BETWEEN ? AND ?", list(window)) if window else ("", [])
    sql = MOVING.format(
        window=config.window_s,
        where=where,
        cells=round(111_320 / config.distance_m, 4),
        lag_s=3 * config.window_s,
        min_kmh=config.min_kmh,
        distance=config.distance_m,
    )
    return store.query(sql + "SELECT t, a, b FROM close ORDER BY t", params, window=window)


def seen(
    store: TrackStore, config: ConvoyConfig, vehicles: list[str], window: tuple[str, str] | None
) -> dict[pd.Timestamp, set[str]]:
    """Per window, which of ``vehicles`` sent a position (moving or not): a convoy member without one is
    out of sight, not gone."""
    where, params = ("AND ts BETWEEN ? AND ?", list(window)) if window else ("", [])
    rows = store.query(
        f"SELECT DISTINCT time_bucket(INTERVAL '{int(config.window_s)} seconds', ts) AS t, target FROM points "
        f"WHERE kind = 'vehicle' AND list_contains(?, target) {where}",
        [vehicles, *params],
        window=window,
    )
    out: dict[pd.Timestamp, set[str]] = {}
    for t, group in rows.groupby("t"):
        out[pd.Timestamp(t)] = set(group["target"])
    return out


def held(pairs: pd.DataFrame, config: ConvoyConfig) -> pd.DataFrame:
    """Each pair close in a window also counts as close for the next ``max_missed`` windows: one noisy
    fix or a dropped point takes a member a few metres out of reach for a window or two without taking
    it out of the group (the tolerance a candidate convoy already has as a whole, given to each pair)."""
    if pairs.empty or not config.max_missed:
        return pairs
    step = pd.Timedelta(seconds=config.window_s)
    later = [pairs.assign(t=pairs["t"] + step * k) for k in range(1, config.max_missed + 1)]
    last = pairs["t"].max()
    out = pd.concat([pairs, *later], ignore_index=True)
    return out[out["t"] <= last].drop_duplicates().sort_values("t").reset_index(drop=True)


def clusters(pairs: pd.DataFrame, min_size: int) -> dict[pd.Timestamp, list[frozenset[str]]]:
    """Per window, the connected groups of at least ``min_size`` vehicles."""
    if pairs.empty:
        return {}
    ends = pd.concat(
        [pairs[["t", "a"]].set_axis(["t", "v"], axis=1), pairs[["t", "b"]].set_axis(["t", "v"], axis=1)]
    )
    nodes = ends.drop_duplicates().reset_index(drop=True)
    index = pd.MultiIndex.from_frame(nodes)
    i = index.get_indexer(pd.MultiIndex.from_arrays([pairs["t"], pairs["a"]]))
    j = index.get_indexer(pd.MultiIndex.from_arrays([pairs["t"], pairs["b"]]))
    graph = coo_matrix((np.ones(len(i)), (i, j)), shape=(len(nodes), len(nodes)))
    _, label = connected_components(graph, directed=False)
    nodes["c"] = label
    nodes = nodes[nodes.groupby("c")["v"].transform("size") >= min_size]
    out: dict[pd.Timestamp, list[frozenset[str]]] = {}
    for t, members in nodes.groupby("c").agg(t=("t", "first"), v=("v", list)).itertuples(index=False):
        out.setdefault(pd.Timestamp(t), []).append(frozenset(members))
    return out


def convoys(
    store: TrackStore, config: ConvoyConfig | None = None, window: tuple[str, str] | None = None
) -> pd.DataFrame:
    """Convoys found: members (sorted), size, started, ended, windows."""
    config = config or ConvoyConfig()
    pairs = moving_pairs(store, config, window)
    per_window = clusters(held(pairs, config), config.min_vehicles)
    sighted = seen(store, config, sorted(set(pairs["a"]) | set(pairs["b"])), window) if len(pairs) else {}
    step = pd.Timedelta(seconds=config.window_s)
    reach = step * (config.max_missed + 1)
    alive: dict[
        frozenset[str], tuple[pd.Timestamp, pd.Timestamp, int]
    ] = {}  # members -> start, last, windows
    done: list[tuple[frozenset[str], pd.Timestamp, pd.Timestamp, int]] = []

    def close(members: frozenset[str], start: pd.Timestamp, last: pd.Timestamp, hits: int) -> None:
        if hits >= config.min_windows:
            done.append((members, start, last + step, hits))

    for t in sorted(per_window):
        grown: dict[frozenset[str], tuple[pd.Timestamp, pd.Timestamp, int]] = {}
        for members, (start, last, hits) in alive.items():
            if t - last > reach:
                close(members, start, last, hits)
                continue
            kept = False
            unseen = members - sighted.get(t, set())
            for cluster in per_window[t]:
                together = members & cluster
                shared = together | unseen if len(together) >= 2 else together
                if len(shared) >= config.min_vehicles:
                    best = grown.get(shared)
                    if best is None or (start, -hits) < (best[0], -best[2]):
                        grown[shared] = (start, t, hits + 1)
                    kept = kept or shared == members
            if not kept and members not in grown:
                grown[members] = (start, last, hits)  # missed this window: still alive within reach
        for cluster in per_window[t]:
            grown.setdefault(cluster, (t, t, 1))
        alive = grown
    for members, (start, last, hits) in alive.items():
        close(members, start, last, hits)
    return _merged(done, config.min_vehicles - 1, step * config.min_windows)


def _merged(
    found: list[tuple[frozenset[str], pd.Timestamp, pd.Timestamp, int]], shared: int, reach: pd.Timedelta
) -> pd.DataFrame:
    """One convoy per group of candidates within ``reach`` of each other sharing ``shared`` members: a
    member out of reach for a while (a reception gap, a few metres too far) splits a convoy into
    overlapping sub-convoys, and these are the same vehicles travelling together."""
    parent = list(range(len(found)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, (mi, si, ei, _) in enumerate(found):
        for j in range(i):
            mj, sj, ej, _ = found[j]
            if len(mi & mj) >= shared and si <= ej + reach and sj <= ei + reach:
                parent[root(i)] = root(j)
    groups: dict[int, list[int]] = {}
    for i in range(len(found)):
        groups.setdefault(root(i), []).append(i)
    rows = []
    for members in groups.values():
        union = sorted(frozenset().union(*(found[i][0] for i in members)))
        rows.append(
            (
                union,
                len(union),
                min(found[i][1] for i in members),
                max(found[i][2] for i in members),
                max(found[i][3] for i in members),
            )
        )
    frame = pd.DataFrame(rows, columns=["members", "size", "started", "ended", "windows"])
    return frame.sort_values(["started", "size"]).reset_index(drop=True)
