"""Synthetic tracks for the demo world: truck trips with planted companion groups and convoys, fence
violations, bonded zone → warehouse → port runs and stops at enterprise premises; vessel AIS tracks with
port calls (events at sea: ``tracks.synthetic_sea``); all with their ground truth, at a difficulty
(``tracks.difficulty``): noise, missing points, trucks parked together, trucks sharing a road briefly."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from tracks.analysis import zones
from tracks.difficulty import Profile, profile

BOX = (22.45, 23.25, 113.05, 114.35)  # lat min, lat max, lon min, lon max (Pearl River Delta)
DWELL = 2400.0  # seconds a planted vehicle stays at each stop


@dataclass
class TrackTruth:
    companion_groups: list[list[str]] = field(default_factory=list)
    fence_violators: list[str] = field(default_factory=list)
    multi_zone: list[str] = field(default_factory=list)
    premises_visits: list[list[str]] = field(default_factory=list)  # [vehicle, premises key]
    port_calls: list[list[str]] = field(default_factory=list)  # [vessel, port code]
    convoys: list[list[str]] = field(default_factory=list)  # planted groups of three or more
    parked_together: list[list[str]] = field(default_factory=list)  # confounders: parked, never travelling
    difficulty: str = "medium"


def _centre(zone_id: str) -> tuple[float, float]:
    point = zones()[zone_id]["geometry"].centroid
    return point.y, point.x


Stop = tuple[float, float, float] | tuple[float, float, float, float]  # time_s, lat, lon[, dwell_s]


def _path(
    rng: np.random.Generator, times: np.ndarray, stops: list[Stop] | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """A wandering path through random waypoints every ~45 minutes, passing ``stops`` (time_s, lat, lon and
    optionally how long it stays, 40 minutes by default)."""
    span = times[-1] - times[0]
    n = max(3, int(span / 2700))
    wt = np.sort(np.concatenate([[times[0], times[-1]], rng.uniform(times[0], times[-1], n)]))
    lat = rng.uniform(BOX[0], BOX[1], len(wt))
    lon = rng.uniform(BOX[2], BOX[3], len(wt))
    # keep each leg drivable (under ~60 km/h): shrink jumps towards the previous waypoint
    for i in range(1, len(wt)):
        max_deg = (wt[i] - wt[i - 1]) * 15 / 111_000
        step = np.array([lat[i] - lat[i - 1], lon[i] - lon[i - 1]])
        length = np.hypot(*step)
        if length > max_deg:
            lat[i], lon[i] = lat[i - 1] + step[0] * max_deg / length, lon[i - 1] + step[1] * max_deg / length
    if stops:  # clear the road two hours either side, then dwell at each stop
        dwell = np.array([s[3] if len(s) > 3 else DWELL for s in stops])
        keep = np.ones(len(wt), dtype=bool)
        for (t, *_), d in zip(stops, dwell, strict=True):
            keep &= ~((wt > t - 7200) & (wt < t + d + 7200))
        keep[0] = keep[-1] = True
        extra_t = np.array([s[0] for s in stops])
        wt = np.concatenate([wt[keep], extra_t, extra_t + dwell])
        lat = np.concatenate([lat[keep], [s[1] for s in stops], [s[1] for s in stops]])
        lon = np.concatenate([lon[keep], [s[2] for s in stops], [s[2] for s in stops]])
        order = np.argsort(wt)
        wt, lat, lon = wt[order], lat[order], lon[order]
    return np.interp(times, wt, lat), np.interp(times, wt, lon)


def _drive(rng: np.random.Generator, times: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Driving on: 25-55 km/h, turning every 5-15 minutes, kept inside the map (what a convoy does)."""
    dt_s = np.diff(times, prepend=times[0])
    turns = np.cumsum(rng.uniform(300, 900, len(times)))
    legs = np.searchsorted(turns, times - times[0])
    heading = rng.uniform(0, 2 * np.pi, legs.max() + 1)[legs]
    speed = rng.uniform(25, 55, legs.max() + 1)[legs] / 3.6 / 111_000
    lat = BOX[0] + 0.2 + np.cumsum(speed * dt_s * np.sin(heading)) + rng.uniform(0, BOX[1] - BOX[0] - 0.4)
    lon = BOX[2] + 0.2 + np.cumsum(speed * dt_s * np.cos(heading)) + rng.uniform(0, BOX[3] - BOX[2] - 0.4)
    span = (BOX[0], BOX[1] - BOX[0]), (BOX[2], BOX[3] - BOX[2])  # fold back in at the map's edges
    lat, lon = (lo + np.abs((x - lo + w) % (2 * w) - w) for x, (lo, w) in zip((lat, lon), span, strict=True))
    return lat, lon


def degrade(
    rng: np.random.Generator,
    lat: np.ndarray,
    lon: np.ndarray,
    level: Profile,
    *,
    gaps: float,
    gap_s: tuple[float, float],
    interval_s: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Noise, outliers, points missing at random and reception gaps: (lat, lon, kept mask)."""
    n = len(lat)
    noise = rng.normal(0, level.noise_m / 111_000, (2, n))
    lat, lon = lat + noise[0], lon + noise[1] / np.cos(np.radians(lat))
    wild = rng.random(n) < level.outliers
    angle, far = rng.uniform(0, 2 * np.pi, n), rng.uniform(300, 1500, n) / 111_000
    lat, lon = np.where(wild, lat + far * np.sin(angle), lat), np.where(wild, lon + far * np.cos(angle), lon)
    keep = rng.random(n) >= level.dropped
    for _ in range(int(gaps) + int(rng.random() < gaps % 1)):
        length = int(rng.uniform(*gap_s) / interval_s)
        begin = int(rng.integers(0, max(1, n - length)))
        keep[begin : begin + length] = False
    return lat, lon, keep


def generate(
    vehicles: list[str],
    *,
    day: str = "2025-10-15",
    interval_s: int = 30,
    seed: int = 7,
    groups: list[list[str]] | None = None,
    violators: int = 5,
    multi_zone: int = 3,
    premises: dict[str, tuple[str, float, float]] | None = None,
    convoys: int = 0,
    difficulty: str = "medium",
) -> tuple[pd.DataFrame, TrackTruth]:
    """Trucks' tracks for one day; ``premises`` maps a vehicle to (key, lat, lon) of a site it stops at.

    ``groups`` travel together (companions) once in the day; ``convoys`` more groups of 3-6 are drawn from
    the other vehicles. The difficulty adds noise, missing points, and the confounders: groups of trucks
    parked together at a depot for hours (never travelling together) and pairs on the same road for
    10-20 minutes."""
    level = profile(difficulty)
    rng = np.random.default_rng(seed)
    start = np.datetime64(dt.datetime.fromisoformat(day), "ms")
    times = np.arange(0, 86_400, interval_s, dtype=float)
    truth = TrackTruth(difficulty=level.name)
    planted = [g for g in (groups or []) if len(g) >= 2 and all(v in vehicles for v in g)]
    grouped = {v for g in planted for v in g}
    free = [v for v in vehicles if v not in grouped]
    truth.fence_violators = free[:violators]
    truth.multi_zone = free[violators : violators + multi_zone]
    busy = set(truth.fence_violators) | set(truth.multi_zone) | set(premises or {})
    spare = [v for v in free if v not in busy]
    for _ in range(convoys):
        size = int(rng.integers(3, 7))
        if len(spare) < size:
            break
        planted.append(spare[:size])
        grouped |= set(spare[:size])
        spare = spare[size:]
    free = [v for v in free if v not in grouped]
    truth.companion_groups = [sorted(g) for g in planted]
    truth.convoys = [sorted(g) for g in planted if len(g) >= 3]
    warehouse, bonded, port = _centre("Z-WAREHOUSE-X"), _centre("Z-BONDED-NS"), _centre("Z-PORT-SZ")
    frames: list[pd.DataFrame] = []

    def emit(target: str, lat: np.ndarray, lon: np.ndarray) -> None:
        lat, lon, keep = degrade(
            rng, lat, lon, level, gaps=level.signal_gaps, gap_s=(600, 3600), interval_s=interval_s
        )
        frames.append(
            pd.DataFrame(
                {
                    "target": target,
                    "kind": "vehicle",
                    "ts": start + (times[keep] * 1000).astype("timedelta64[ms]"),
                    "lat": lat[keep],
                    "lon": lon[keep],
                    "speed": rng.uniform(20, 70, int(keep.sum())).round(1),
                }
            )
        )

    def together(group: list[str], begin: float, length: float, visits: dict[str, list[Stop]]) -> None:
        window = (times >= begin) & (times <= begin + length)
        lat, lon = _drive(rng, times)  # travelling together: driving on, not crawling
        for i, vehicle in enumerate(group):
            own_lat, own_lon = _path(rng, times, visits.get(vehicle))
            offset = (i * 60 / 111_000, -i * 40 / 111_000)
            emit(
                vehicle,
                np.where(window, lat + offset[0], own_lat),
                np.where(window, lon + offset[1], own_lon),
            )

    for group in planted:
        begin = rng.uniform(3600, 50_000)
        visits: dict[str, list[Stop]] = {}
        for vehicle in group:
            if premises and vehicle in premises:  # a stop at the premises, well clear of the convoy
                key, p_lat, p_lon = premises[vehicle]
                visits[vehicle] = [(10_000.0 if begin > 40_000 else 70_000.0, p_lat, p_lon)]
                truth.premises_visits.append([vehicle, key])
        together(group, begin, rng.uniform(5400, 10_800), visits)

    def near(
        point: tuple[float, float],
    ) -> tuple[float, float]:  # each truck parks at its own spot in the zone
        return point[0] + rng.uniform(-0.006, 0.006), point[1] + rng.uniform(-0.006, 0.006)

    stops: dict[str, list[Stop]] = {}
    for vehicle in free:
        if vehicle in truth.fence_violators:
            stops[vehicle] = [(rng.uniform(20_000, 60_000), *near(warehouse))]
        elif vehicle in truth.multi_zone:
            t0 = rng.uniform(9_000, 30_000)
            stops[vehicle] = [(t0, *near(bonded)), (t0 + 9000, *near(warehouse)), (t0 + 18_000, *near(port))]
        elif premises and vehicle in premises:
            key, p_lat, p_lon = premises[vehicle]
            stops[vehicle] = [(rng.uniform(20_000, 60_000), p_lat, p_lon)]
            truth.premises_visits.append([vehicle, key])
    idle = [v for v in free if v not in stops]
    for _ in range(level.parked_groups):  # a depot: parked side by side for hours, arriving and leaving apart
        size = int(rng.integers(2, 6))
        if len(idle) < size + 2:
            break
        depot = (rng.uniform(BOX[0] + 0.1, BOX[1] - 0.1), rng.uniform(BOX[2] + 0.1, BOX[3] - 0.1))
        t0 = rng.uniform(10_000, 50_000)
        for vehicle in idle[:size]:
            spot = (depot[0] + rng.uniform(-50, 50) / 111_000, depot[1] + rng.uniform(-50, 50) / 111_000)
            stops[vehicle] = [(t0 + rng.uniform(-1200, 1200), *spot, rng.uniform(7200, 18_000))]
        truth.parked_together.append(sorted(idle[:size]))
        idle = idle[size:]
    for _ in range(level.brief_pairs):  # the same road for a few minutes, then apart
        if len(idle) < 2:
            break
        together(idle[:2], rng.uniform(3600, 70_000), rng.uniform(600, 1200 + 300 * level.edge), {})
        free = [v for v in free if v not in idle[:2]]
        idle = idle[2:]
    for vehicle in free:
        emit(vehicle, *_path(rng, times, stops.get(vehicle)))
    return pd.concat(frames, ignore_index=True), truth


SEA = [(21.95, 114.05), (22.30, 113.85), (22.75, 113.68)]  # south of Hong Kong, the estuary, Humen


def generate_vessels(
    vessels: list[str], *, day: str = "2025-10-15", interval_s: int = 60, seed: int = 11
) -> tuple[pd.DataFrame, TrackTruth]:
    """AIS tracks: each vessel comes in from sea, calls at Shenzhen, goes up the estuary to Guangzhou and
    calls there (the second half of the fleet calls at Shenzhen only)."""
    rng = np.random.default_rng(seed)
    start = dt.datetime.fromisoformat(day)
    times = np.arange(0, 86_400, interval_s, dtype=float)
    sz, gz = _centre("Z-PORT-SZ"), _centre("Z-PORT-GZ")
    truth = TrackTruth()
    frames = []
    for k, vessel in enumerate(vessels):
        both = k < (len(vessels) + 1) // 2
        t_sz = rng.uniform(7_200, 14_400)
        berth_sz = (sz[0] + rng.uniform(-0.01, 0.01), sz[1] + rng.uniform(-0.02, 0.02))
        berth_gz = (gz[0] + rng.uniform(-0.01, 0.01), gz[1] + rng.uniform(-0.02, 0.02))
        stay = rng.uniform(4, 7) * 3600
        offing = (SEA[0][0] + rng.uniform(-0.1, 0.05), SEA[0][1] + rng.uniform(-0.25, 0.25))  # each its own
        way = [(0.0, *offing), (t_sz, *berth_sz), (t_sz + stay, *berth_sz)]
        if both:
            t_gz = t_sz + stay + 5 * 3600  # about 100 km at 20 km/h
            way += [(t_sz + stay + 1.5 * 3600, *SEA[1]), (t_sz + stay + 3.5 * 3600, *SEA[2])]
            way += [(t_gz, *berth_gz), (86_400.0, *berth_gz)]
            truth.port_calls += [[vessel, "5300"], [vessel, "5100"]]
        else:
            out_at = t_sz + stay + 3 * 3600  # back out to sea, then on south at about 10 knots
            way += [(out_at, *offing), (86_400.0, offing[0] - (86_400 - out_at) * 5.1 / 111_000, offing[1])]
            truth.port_calls.append([vessel, "5300"])
        wt = np.array([w[0] for w in way])
        lat = np.interp(times, wt, [w[1] for w in way]) + rng.normal(0, 20 / 111_000, len(times))
        lon = np.interp(times, wt, [w[2] for w in way]) + rng.normal(0, 20 / 111_000, len(times))
        frames.append(
            pd.DataFrame(
                {
                    "target": vessel,
                    "kind": "vessel",
                    "ts": [start + dt.timedelta(seconds=float(t)) for t in times],
                    "lat": lat,
                    "lon": lon,
                    "speed": rng.uniform(0, 25, len(times)).round(1),
                }
            )
        )
    return (pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()), truth


def bad_points() -> list[dict[str, Any]]:
    """Rows that must be refused or flagged: out of range, unreadable, a duplicate, an impossible jump."""
    return [
        {"target": "粤Z00001", "ts": "2025-10-15T01:00:00", "lat": 95.0, "lon": 113.5},
        {"target": "粤Z00001", "ts": "not a time", "lat": 22.6, "lon": 113.5},
        {"target": "粤Z00001", "ts": "2025-10-15T01:01:00", "lat": 22.60, "lon": 113.50},
        {"target": "粤Z00001", "ts": "2025-10-15T01:01:00", "lat": 22.60, "lon": 113.50},
        {"target": "粤Z00001", "ts": "2025-10-15T01:01:30", "lat": 23.60, "lon": 114.50},
        {"target": "粤Z00001", "ts": "2025-10-15T01:00:30", "lat": 22.599, "lon": 113.499},
    ]
