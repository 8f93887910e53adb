"""Tracks: ingest points/s, single-track query p95 over 30 days, companion scan over one day of 2,000
vehicles at one point per 30 s (≈5.8M points), with a plain DuckDB bucket self-join as the raw ceiling."""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import duckdb

from tianji.core.settings import Settings
from tracks.analysis import companions, groups, track
from tracks.movement import stops_and_trips
from tracks.store import TrackStore
from tracks.synthetic import generate

RAW = """
WITH p AS (SELECT target, time_bucket(INTERVAL '120 seconds', ts) AS b, round(lat * 556) AS gy,
                  round(lon * 556) AS gx FROM read_parquet('{glob}', hive_partitioning = true) GROUP BY ALL)
SELECT a.target, b.target, count(*) FROM p a JOIN p b ON a.b = b.b AND a.gy = b.gy AND a.gx = b.gx
 AND a.target < b.target GROUP BY ALL HAVING count(*) >= 15
"""


def run(scale: str = "medium") -> dict[str, Any]:
    folder = Path(tempfile.mkdtemp(prefix="tianji-tracks-"))
    vehicles = [f"粤B{i:05d}" for i in range(2000)]
    planted = [vehicles[i : i + 2] for i in range(0, 100, 2)]
    points, truth = generate(vehicles, groups=planted, interval_s=30)
    store = TrackStore(Settings(data_dir=folder))
    started = time.perf_counter()
    report = store.ingest(points)
    ingest_s = time.perf_counter() - started
    started = time.perf_counter()
    pairs = companions(store)
    scan_s = time.perf_counter() - started
    found = {tuple(g) for g in groups(pairs)}
    recall = sum(1 for g in truth.companion_groups if tuple(g) in found) / len(truth.companion_groups)
    precision = sum(1 for g in found if list(g) in truth.companion_groups) / max(len(found), 1)
    started = time.perf_counter()
    stops, trips = stops_and_trips(store)
    movement_s = time.perf_counter() - started
    started = time.perf_counter()
    with duckdb.connect() as con:
        con.execute("SET threads TO 2")
        con.execute(RAW.format(glob=store.glob)).fetchall()
    raw_s = time.perf_counter() - started
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
    return {
        "benchmark": "tracks",
        "points": report.received,
        "ingest_points_per_s": round(report.written / ingest_s),
        "companion_scan_s": round(scan_s, 2),
        "raw_duckdb_join_s": round(raw_s, 2),
        "ratio_to_raw": round(scan_s / raw_s, 2),
        "stops_and_trips_s": round(movement_s, 2),
        "stops": len(stops),
        "trips": len(trips),
        "companion_recall": round(recall, 3),
        "companion_precision": round(precision, 3),
        "track_query_p50_ms": round(statistics.median(latencies), 1),
        "track_query_p95_ms": round(statistics.quantiles(latencies, n=20)[18], 1),
        "days_stored": 30,
    }
