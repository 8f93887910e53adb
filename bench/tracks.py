"""Tracks: ingest points/s, single-track query p95 over 30 days, companion and convoy scans over one day of
trucks at one point per 30 s (2,000 vehicles at medium scale, ≈5.8M points) with a plain DuckDB bucket
self-join as the raw ceiling; events at sea over four days of AIS with the same kind of ceiling; and the
quality curve: precision and recall of companions, convoys, encounters, dark rendezvous, loitering and
AIS gaps on planted worlds at each difficulty (goal on hard: 0.9 or more for each)."""

from __future__ import annotations

import shutil
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import duckdb
from rich.console import Console

from tianji.core.settings import Settings
from tracks.analysis import companions, groups, track
from tracks.convoys import convoys
from tracks.difficulty import DIFFICULTIES
from tracks.movement import stops_and_trips
from tracks.quality import group_score, sea_scores
from tracks.sea import sea_events
from tracks.store import TrackStore
from tracks.synthetic import generate
from tracks.synthetic_sea import generate_sea

RAW = """
WITH p AS (SELECT target, time_bucket(INTERVAL '{bucket} seconds', ts) AS b, round(lat * {cells}) AS gy,
                  round(lon * {cells}) AS gx FROM read_parquet('{glob}', hive_partitioning = true)
           WHERE kind = '{kind}' GROUP BY ALL)
SELECT a.target, b.target, count(*) FROM p a JOIN p b ON a.b = b.b AND a.gy = b.gy AND a.gx = b.gx
 AND a.target < b.target GROUP BY ALL HAVING count(*) >= {min_buckets}
"""
SIZES = {"small": (300, 200, 120), "medium": (2000, 400, 200), "large": (2000, 800, 400)}
GOAL = 0.9


def _raw(store: TrackStore, **query: Any) -> float:
    started = time.perf_counter()
    with duckdb.connect() as con:
        con.execute("SET threads TO 2")
        con.execute(RAW.format(glob=store.glob, **query)).fetchall()
    return time.perf_counter() - started


def _curve_step(folder: Path, difficulty: str, vehicles: int, vessels: int) -> tuple[dict[str, Any], float]:
    """P/R of every detector on one difficulty's planted trucks and AIS, and the sea scan's time."""
    plates = [f"粤B{i:05d}" for i in range(vehicles)]
    points, truth = generate(
        plates, groups=[plates[i : i + 2] for i in range(0, 20, 2)], convoys=10, difficulty=difficulty
    )
    trucks = TrackStore(Settings(data_dir=folder / f"trucks-{difficulty}"))
    trucks.ingest(points)
    figures: dict[str, Any] = {
        "companions": group_score(groups(companions(trucks)), truth.companion_groups),
        "convoys": group_score(convoys(trucks)["members"], truth.convoys),
    }
    ships, sea_truth = generate_sea([f"9{i:06d}" for i in range(vessels)], days=4, difficulty=difficulty)
    sea = TrackStore(Settings(data_dir=folder / f"sea-{difficulty}"))
    sea.ingest(ships)
    started = time.perf_counter()
    found = sea_events(sea)
    sea_s = time.perf_counter() - started
    figures |= sea_scores(found, sea_truth)
    if difficulty == "medium":
        raw_s = _raw(sea, bucket=600, cells=222, kind="vessel", min_buckets=12)
        figures["sea_scan_s"], figures["sea_raw_join_s"] = round(sea_s, 2), round(raw_s, 2)
        figures["sea_points"] = len(ships)
    return figures, sea_s


def run(scale: str = "medium") -> dict[str, Any]:
    console = Console(stderr=True)
    n_vehicles, curve_vehicles, curve_vessels = SIZES.get(scale, SIZES["medium"])
    folder = Path(tempfile.mkdtemp(prefix="tianji-tracks-"))
    vehicles = [f"粤B{i:05d}" for i in range(n_vehicles)]
    planted = [vehicles[i : i + 2] for i in range(0, 100, 2)]
    points, truth = generate(vehicles, groups=planted, interval_s=30)
    store = TrackStore(Settings(data_dir=folder))
    started = time.perf_counter()
    report = store.ingest(points)
    ingest_s = time.perf_counter() - started
    started = time.perf_counter()
    pairs = companions(store)
    scan_s = time.perf_counter() - started
    found = groups(pairs)
    started = time.perf_counter()
    convoys(store)
    convoy_s = time.perf_counter() - started
    quality = group_score(found, truth.companion_groups)
    started = time.perf_counter()
    stops, trips = stops_and_trips(store)
    movement_s = time.perf_counter() - started
    raw_s = _raw(store, bucket=120, cells=556, kind="vehicle", min_buckets=15)
    console.print(f"tracks: companion scan {scan_s:.1f} s, raw join {raw_s:.1f} s")
    month = TrackStore(Settings(data_dir=folder / "month"))
    few = vehicles[:20]
    for day in range(1, 31):
        pts, _ = generate(few, day=f"2025-09-{day:02d}", interval_s=30, seed=day, violators=0, multi_zone=0)
        month.ingest(pts)
    latencies = []
    for vehicle in few * 5:
        tick = time.perf_counter()
        track(month, vehicle, "2025-09-10", "2025-09-11")
        latencies.append((time.perf_counter() - tick) * 1000)
    curve: dict[str, Any] = {}
    for difficulty in DIFFICULTIES:
        curve[difficulty], _ = _curve_step(folder / "curve", difficulty, curve_vehicles, curve_vessels)
        console.print(f"tracks: {difficulty} {curve[difficulty]}")
    medium = curve["medium"]
    detectors = ("companions", "convoys", "encounters", "dark_rendezvous", "loitering", "gaps")
    shutil.rmtree(folder, ignore_errors=True)
    return {
        "benchmark": "tracks",
        "points": report.received,
        "ingest_points_per_s": round(report.written / ingest_s),
        "companion_scan_s": round(scan_s, 2),
        "raw_duckdb_join_s": round(raw_s, 2),
        "ratio_to_raw": round(scan_s / raw_s, 2),
        "convoy_scan_s": round(convoy_s, 2),
        "convoy_ratio_to_raw": round(convoy_s / raw_s, 2),
        "sea_points": medium.pop("sea_points"),
        "sea_scan_s": medium["sea_scan_s"],
        "sea_raw_join_s": medium["sea_raw_join_s"],
        "sea_ratio_to_raw": round(medium.pop("sea_scan_s") / medium.pop("sea_raw_join_s"), 2),
        "stops_and_trips_s": round(movement_s, 2),
        "stops": len(stops),
        "trips": len(trips),
        "companion_recall": quality["recall"],
        "companion_precision": quality["precision"],
        "track_query_p50_ms": round(statistics.median(latencies), 1),
        "track_query_p95_ms": round(statistics.quantiles(latencies, n=20)[18], 1),
        "days_stored": 30,
        "quality": curve,
        "hard_goal_met": all(
            curve["hard"][d]["precision"] >= GOAL and curve["hard"][d]["recall"] >= GOAL for d in detectors
        ),
    }
