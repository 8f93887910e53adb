"""Tracks on generated data with planted companions, fence violations and multi-zone runs."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from graph.store import GraphStore
from tianji.settings import Settings
from tracks.analysis import companions, fence_events, groups, latest, match_track, multi_zone, track
from tracks.service import write_back
from tracks.store import TrackStore
from tracks.synthetic import TrackTruth, bad_points, generate

VEHICLES = [f"粤B{i:05d}" for i in range(150)]
GROUPS = [VEHICLES[i : i + 3] for i in range(0, 30, 3)]


@pytest.fixture(scope="module")
def tracked(tmp_path_factory: pytest.TempPathFactory) -> tuple[TrackStore, TrackTruth]:
    store = TrackStore(Settings(data_dir=tmp_path_factory.mktemp("tracks")))
    points, truth = generate(VEHICLES, groups=GROUPS, interval_s=30)
    report = store.ingest(points)
    assert report.written > 0.99 * report.received
    return store, truth


def test_companions_are_found_with_precision_and_recall(tracked: tuple[TrackStore, TrackTruth]) -> None:
    store, truth = tracked
    pairs = companions(store)
    found = {(a, b) for a, b in zip(pairs["a"], pairs["b"], strict=True)}
    planted = {
        (g[i], g[j]) for g in truth.companion_groups for i in range(len(g)) for j in range(i + 1, len(g))
    }
    assert len(found & planted) / len(planted) >= 0.95 and len(found & planted) / len(found) >= 0.95
    assert all(g in groups(pairs) for g in truth.companion_groups)


def test_every_fence_violation_and_multi_zone_run_is_found(tracked: tuple[TrackStore, TrackTruth]) -> None:
    store, truth = tracked
    visitors = set(fence_events(store, ["Z-WAREHOUSE-X"])["target"])
    assert set(truth.fence_violators) | set(truth.multi_zone) <= visitors
    runs = multi_zone(store, ["Z-BONDED-NS", "Z-WAREHOUSE-X", "Z-PORT-SZ"])
    assert set(truth.multi_zone) <= set(runs["target"])


def test_track_latest_and_matching(tracked: tuple[TrackStore, TrackTruth]) -> None:
    store, truth = tracked
    full = store.query("SELECT count(*) AS n FROM points WHERE target = ?", [VEHICLES[50]])["n"][0]
    simplified = track(store, VEHICLES[50], "2025-10-15", "2025-10-16")
    assert 2 < len(simplified) < full and simplified["ts"].is_monotonic_increasing
    positions = latest(store, VEHICLES[:3])
    assert list(positions["target"]) == VEHICLES[:3]
    matched = match_track(store, GROUPS[0][0], "2025-10-15", "2025-10-16")
    assert set(GROUPS[0][1:]) <= set(matched["vehicle"].head(3))


def test_bad_points_are_dropped_with_reasons_and_late_points_land_in_their_day(tmp_path: Path) -> None:
    store = TrackStore(Settings(data_dir=tmp_path))
    report = store.ingest(pd.DataFrame(bad_points()))
    assert report.received == 6 and report.written == 2
    assert report.dropped == {
        "malformed (time or coordinates unreadable)": 1,
        "coordinates out of range": 1,
        "duplicate (same target and time)": 1,
        "impossible jump (faster than the target can move)": 1,
    }
    late = store.ingest(
        pd.DataFrame([{"target": "粤Z00001", "ts": "2025-10-14T23:59:00", "lat": 22.6, "lon": 113.5}])
    )
    assert late.written == 1 and (tmp_path / "tracks" / "points" / "day=2025-10-14").exists()
    ordered = store.query("SELECT ts FROM points WHERE target = '粤Z00001' ORDER BY ts")
    assert len(ordered) == 3  # queryable as soon as written, in time order whatever the arrival order
    with pytest.raises(ValueError, match="missing: lat"):
        store.ingest(pd.DataFrame([{"target": "x", "ts": "2025-01-01", "lon": 1}]))


def test_companions_and_fence_events_are_written_to_the_graph(
    store: GraphStore, tracked: tuple[TrackStore, TrackTruth]
) -> None:
    track_store, truth = tracked
    store.merge_nodes("Vehicle", [{"id": v, "plate": v} for v in VEHICLES])
    summary = write_back(store, track_store)
    assert summary["companion_links"] >= 30 and summary["fence_events"] >= len(truth.fence_violators)
    linked = store.query(
        "MATCH (a:Vehicle)-[t:TRAVELLED_WITH]->(b:Vehicle) WHERE a.id = $a RETURN b.id AS b, t.minutes AS m",
        {"a": GROUPS[0][0]},
    )
    assert {r["b"] for r in linked} >= set(GROUPS[0][1:]) and all(r["m"] >= 30 for r in linked)
