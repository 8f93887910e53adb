"""Synthetic AIS over several days with events at sea planted, and their ground truth.

Planted: encounters (two vessels drifting 100-300 m apart for 2.5-6 hours offshore), half of them dark
rendezvous (one vessel's AIS off for 13-20 hours, ending or starting 1-6 hours from the meeting),
loitering (one vessel drifting alone offshore for 4-10 hours), AIS gaps of 13-30 hours at sea, and port
calls. The difficulty (``tracks.difficulty``) adds noise, outliers, missing points and the confounders:
vessels waiting together at an anchorage, vessels sailing in company at speed, slow meetings under 2
hours, pairs drifting 600-1,500 m apart (each loitering, not meeting), trawlers at 2.3-4 knots, AIS off
inside a port, reception gaps of 1-11 hours, and gaps that ended a day before an encounter; the harder
the profile, the nearer planted events and confounders come to the detectors' thresholds.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from tracks.difficulty import profile
from tracks.store import haversine_m
from tracks.synthetic import degrade
from tracks.waters import waters

AREA = (21.3, 22.05, 113.1, 114.3)  # lat min, lat max, lon min, lon max: open water south of the coast
KNOT = 0.514444  # m/s
BERTH = (22.54, 114.06)  # inside Shenzhen port's waters
Fix = tuple[float, float, float]  # time_s, lat, lon


@dataclass
class SeaTruth:
    encounters: list[dict[str, Any]] = field(default_factory=list)  # vessels, start, end, dark
    loitering: list[dict[str, Any]] = field(default_factory=list)  # vessel, start, end
    gaps: list[dict[str, Any]] = field(default_factory=list)  # vessel, start, end
    port_calls: list[list[str]] = field(default_factory=list)  # [vessel, port code]
    confounders: dict[str, list[list[str]]] = field(default_factory=dict)
    difficulty: str = "medium"


class _Fleet:
    """Each vessel's schedule: fixed stretches (drifts, berths, planted tracks) joined by plausible routes."""

    def __init__(self, rng: np.random.Generator, vessels: list[str], horizon: float) -> None:
        self.rng, self.horizon = rng, horizon
        self.fixed: dict[str, list[list[Fix]]] = {v: [] for v in vessels}
        self.cut: dict[str, list[tuple[float, float]]] = {v: [] for v in vessels}  # AIS off
        self.water = waters()

    def spot(self, clear_km: float = 15.0) -> tuple[float, float]:
        """A random point of open water, ``clear_km`` from any anchorage and 10 km from the coast."""
        while True:
            lat, lon = self.rng.uniform(AREA[0], AREA[1]), self.rng.uniform(AREA[2], AREA[3])
            if self.water.offshore([lat], [lon], shore_km=10.0, anchorage_km=clear_km)[0]:
                return lat, lon

    def drift(self, start: float, hours: float, at: tuple[float, float], knots: float = 0.4) -> list[Fix]:
        """Drifting slowly (a random walk at about ``knots``) from ``at`` for ``hours``."""
        steps = max(2, int(hours * 2) + 1)
        t = np.linspace(start, start + hours * 3600, steps)
        walk = np.cumsum(self.rng.normal(0, knots * KNOT * 1800 / 1.4, (steps, 2)), axis=0) / 111_000
        walk -= walk[0]
        return [(float(t[i]), at[0] + walk[i, 0], at[1] + walk[i, 1]) for i in range(steps)]

    def leg(self, start: float, hours: float, at: tuple[float, float], knots: float) -> list[Fix]:
        """A straight run at ``knots`` in a random direction (turning back into open water if needed)."""
        heading = self.rng.uniform(0, 2 * np.pi)
        out: list[Fix] = [(start, *at)]
        lat, lon = at
        for t in np.arange(start + 1800, start + hours * 3600 + 1, 1800):
            step = knots * KNOT * 1800 / 111_000
            nlat, nlon = lat + step * np.sin(heading), lon + step * np.cos(heading) / 0.92
            if not (AREA[0] < nlat < AREA[1] and AREA[2] < nlon < AREA[3]):
                heading += np.pi
                nlat, nlon = lat + step * np.sin(heading), lon + step * np.cos(heading) / 0.92
            lat, lon = nlat, nlon
            out.append((float(t), lat, lon))
        return out

    def add(self, vessel: str, fixes: list[Fix]) -> None:
        self.fixed[vessel].append(fixes)

    def _route(self, a: Fix, b: Fix) -> list[Fix]:
        """From fix ``a`` to fix ``b`` at 7-14 knots, with detours through open water to use the time."""
        out: list[Fix] = []
        t, lat, lon = a
        while True:
            remaining = b[0] - t
            direct = float(haversine_m(lat, lon, b[1], b[2]))
            if remaining <= 0 or direct >= remaining * 7 * KNOT:
                return out
            for _ in range(50):
                x = self.spot(0.0)
                there = float(haversine_m(lat, lon, *x))
                if there + float(haversine_m(*x, b[1], b[2])) <= remaining * 12 * KNOT:
                    break
            else:
                return out
            t += there / (11 * KNOT)
            lat, lon = x
            out.append((t, lat, lon))

    def path(self, vessel: str, times: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        stretches = sorted(self.fixed[vessel], key=lambda s: s[0][0])
        fixes: list[Fix] = []
        cursor: Fix = (0.0, *self.spot(0.0))
        if stretches and stretches[0][0][0] <= 0:
            cursor = stretches[0][0]
        fixes.append(cursor)
        for stretch in [*stretches, [(self.horizon, *self.spot(0.0))]]:
            fixes += self._route(cursor, stretch[0])
            fixes += [f for f in stretch if f[0] > fixes[-1][0]]
            cursor = fixes[-1]
        ft = np.array([f[0] for f in fixes])
        return np.interp(times, ft, [f[1] for f in fixes]), np.interp(times, ft, [f[2] for f in fixes])


def generate_sea(
    vessels: list[str],
    *,
    start_day: str = "2025-10-13",
    days: int = 4,
    interval_s: int = 120,
    seed: int = 23,
    difficulty: str = "medium",
) -> tuple[pd.DataFrame, SeaTruth]:
    """AIS points of ``vessels`` over ``days`` with planted events; about a fifth of the fleet meets in
    pairs, a tenth loiters, a tenth goes dark, and the confounders of the difficulty take what is left."""
    level = profile(difficulty)
    edge = level.edge
    rng = np.random.default_rng(seed)
    horizon = days * 86_400.0
    if horizon < 3 * 86_400:
        raise ValueError("events at sea need at least three days of AIS (a gap is 12 hours or more)")
    base = np.datetime64(dt.datetime.fromisoformat(start_day), "ms")
    fleet = _Fleet(rng, vessels, horizon)
    truth = SeaTruth(difficulty=level.name)
    pool = list(vessels)
    iso = lambda s: str((base + np.timedelta64(int(s * 1000), "ms")).astype("datetime64[s]"))  # noqa: E731

    def take(n: int) -> list[str]:
        got, pool[:] = pool[:n], pool[n:]
        return got if len(got) == n else []

    def when(hours: float, earliest: float = 6.0) -> float:
        return float(rng.uniform(earliest * 3600, horizon - (hours + 6) * 3600))

    n = len(vessels)
    pairs = [take(2) for _ in range(max(2, n // 10))]
    for k, pair in enumerate(p for p in pairs if p):
        hours, dark, early = (
            rng.uniform(2.5 - 0.3 * edge, 6 - edge),
            k % 2 == 0,
            k % 2 == 1 and k // 2 < level.early_gaps,
        )
        t0 = when(hours, 28.0 if dark else 44.0 if early else 6.0)
        meet = fleet.drift(t0, hours, fleet.spot(15 - 4 * edge))
        apart = rng.uniform(100, 300 + 150 * edge) / 111_000
        angle = rng.uniform(0, 2 * np.pi)
        partner = [
            (t, lat + apart * np.sin(angle) + rng.normal(0, 20) / 111_000, lon + apart * np.cos(angle))
            for t, lat, lon in meet
        ]
        fleet.add(pair[0], meet)
        fleet.add(pair[1], partner)
        truth.encounters.append(
            {"vessels": sorted(pair), "start": iso(t0), "end": iso(t0 + hours * 3600), "dark": dark}
        )
        if dark or early:
            length, lead = rng.uniform(13, 20) * 3600, rng.uniform(1, 6) * 3600
            if early:
                ended = t0 - rng.uniform(24, 30) * 3600
                off = (ended - length, ended)
            elif rng.random() < 0.5 or t0 + hours * 3600 + lead + length > horizon:
                off = (t0 - lead - length, t0 - lead)
            else:
                off = (t0 + hours * 3600 + lead, t0 + hours * 3600 + lead + length)
            fleet.cut[pair[1]].append(off)
            truth.gaps.append({"vessel": pair[1], "start": iso(off[0]), "end": iso(off[1])})
    for vessel in take(max(2, n // 10)) if len(pool) >= 2 else []:
        hours = rng.uniform(4 - 0.7 * edge, 10)
        t0 = when(hours)
        fleet.add(vessel, fleet.drift(t0, hours, fleet.spot()))
        truth.loitering.append({"vessel": vessel, "start": iso(t0), "end": iso(t0 + hours * 3600)})
    for vessel in take(max(2, n // 10)) if len(pool) >= 2 else []:
        length = rng.uniform(13 - 0.5 * edge, 30) * 3600
        t0 = when(length / 3600)
        fleet.cut[vessel].append((t0, t0 + length))
        truth.gaps.append({"vessel": vessel, "start": iso(t0), "end": iso(t0 + length)})
    confounders: dict[str, list[list[str]]] = {}
    for _ in range(level.anchorage_groups):
        group = take(int(rng.integers(3, 6)))
        area = list(fleet.water.anchorages.values())[int(rng.integers(len(fleet.water.anchorages)))]
        centre, hours = (area.centroid.y, area.centroid.x), rng.uniform(8, 24)
        t0 = when(hours)
        for vessel in group:
            spot = (
                centre[0] + rng.uniform(-250, 250) / 111_000,
                centre[1] + rng.uniform(-250, 250) / 111_000,
            )
            fleet.add(vessel, fleet.drift(t0 + rng.uniform(0, 3600), hours, spot, knots=0.2))
        if group:
            confounders.setdefault("anchorage_groups", []).append(group)
    for kind, count in (("company_pairs", level.company_pairs), ("brief_meetings", level.brief_meetings)):
        for _ in range(count):
            pair = take(2)
            if not pair:
                break
            hours = rng.uniform(3, 6) if kind == "company_pairs" else rng.uniform(0.6, 1.3 + 0.5 * edge)
            t0 = when(hours)
            course = (
                fleet.leg(t0, hours, fleet.spot(), rng.uniform(9, 12))
                if kind == "company_pairs"
                else fleet.drift(t0, hours, fleet.spot())
            )
            apart = rng.uniform(200, 400 if kind == "company_pairs" else 300) / 111_000
            fleet.add(pair[0], course)
            fleet.add(pair[1], [(t, lat + apart, lon) for t, lat, lon in course])
            confounders.setdefault(kind, []).append(pair)
    for _ in range(level.brief_meetings):  # drifting in sight of each other, too far apart to meet
        pair = take(2)
        if not pair:
            break
        hours = rng.uniform(4, 7)
        t0 = when(hours)
        drift = fleet.drift(t0, hours, fleet.spot())
        apart = rng.uniform(900 - 300 * edge, 1500 - 300 * edge) / 111_000
        fleet.add(pair[0], drift)
        fleet.add(pair[1], [(t, lat - apart, lon) for t, lat, lon in drift])
        confounders.setdefault("wide_pairs", []).append(pair)
        truth.loitering += [{"vessel": v, "start": iso(t0), "end": iso(t0 + hours * 3600)} for v in pair]
    for vessel in take(level.trawlers) if len(pool) >= level.trawlers else []:
        hours = rng.uniform(5, 10)
        t0 = when(hours)
        fix: tuple[float, float] = fleet.spot()
        trawl: list[Fix] = []
        for k in range(int(hours)):
            trawl += fleet.leg(t0 + k * 3600, 1.0, fix, rng.uniform(2.6 - 0.3 * edge, 4.0))[int(k > 0) :]
            fix = (trawl[-1][1], trawl[-1][2])
        fleet.add(vessel, trawl)
        confounders.setdefault("trawlers", []).append([vessel])
    callers = pool[: max(1, len(pool) * 2 // 5)]
    for k, vessel in enumerate(callers):
        hours = rng.uniform(4, 12) if k >= level.port_blackouts else rng.uniform(20, 28)
        t0 = when(hours)
        berth = (BERTH[0] + rng.uniform(-0.01, 0.01), BERTH[1] + rng.uniform(-0.02, 0.02))
        fleet.add(vessel, fleet.drift(t0, hours, berth, knots=0.05))
        truth.port_calls.append([vessel, "5300"])
        if k < level.port_blackouts:  # AIS off at the berth: not a gap at sea
            fleet.cut[vessel].append((t0 + 2 * 3600, t0 + hours * 3600 - 2 * 3600))
            confounders.setdefault("port_blackouts", []).append([vessel])
    truth.confounders = confounders
    quiet = {v for e in truth.encounters for v in e["vessels"]} | {e["vessel"] for e in truth.loitering}
    times = np.arange(0, horizon, interval_s, dtype=float)
    frames = []
    for vessel in vessels:
        lat, lon = fleet.path(vessel, times)
        lat, lon, keep = degrade(
            rng,
            lat,
            lon,
            level,
            gaps=0.0 if vessel in quiet else level.short_gaps,
            gap_s=(3600, (9 + 2 * edge) * 3600),
            interval_s=interval_s,
        )
        for begin, end in fleet.cut[vessel]:
            keep &= (times < begin) | (times > end)
        step = np.concatenate([[0.0], haversine_m(lat[:-1], lon[:-1], lat[1:], lon[1:])]) / interval_s / KNOT
        frames.append(
            pd.DataFrame(
                {
                    "target": vessel,
                    "kind": "vessel",
                    "ts": base + (times[keep] * 1000).astype("timedelta64[ms]"),
                    "lat": lat[keep],
                    "lon": lon[keep],
                    "speed": np.minimum(step[keep], 30).round(1),
                }
            )
        )
    return pd.concat(frames, ignore_index=True), truth
