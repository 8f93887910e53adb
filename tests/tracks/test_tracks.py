"""Tracks on generated data with planted companions, fence violations and multi-zone runs."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from graph.store import GraphStore
from tests.ingest.builders import uscc
from tianji.core.settings import Settings
from tracks.accompanying import convoys
from tracks.analysis import companions, fence_events, groups, latest, match_track, multi_zone, track
from tracks.movement import port_calls, premises_of, stops_and_trips
from tracks.service import write_back
from tracks.store import TrackStore
from tracks.synthetic import TrackTruth, bad_points, generate, generate_vessels

VEHICLES = [f"粤B{i:05d}" for i in range(150)]
GROUPS = [VEHICLES[i : i + 3] for i in range(0, 30, 3)]
VESSELS = ["9074729", "9300013", "9300025"]
SITES = {"E-ZHONGSHAN": (22.95, 113.15), "E-DONGGUAN": (22.62, 113.95)}
# the first convoy's trucks each call at one enterprise's premises; five lone trucks at the other's
PREMISES = {v: ("E-ZHONGSHAN", *SITES["E-ZHONGSHAN"]) for v in GROUPS[0]} | {
    v: ("E-DONGGUAN", *SITES["E-DONGGUAN"]) for v in VEHICLES[100:105]
}


@pytest.fixture(scope="module")
def tracked(tmp_path_factory: pytest.TempPathFactory) -> tuple[TrackStore, TrackTruth]:
    store = TrackStore(Settings(data_dir=tmp_path_factory.mktemp("tracks")))
    points, truth = generate(VEHICLES, groups=GROUPS, interval_s=30, premises=PREMISES)
    ships, ship_truth = generate_vessels(VESSELS)
    truth.port_calls = ship_truth.port_calls
    report = store.ingest(pd.concat([points, ships], ignore_index=True))
    assert report.written > 0.99 * report.received
    return store, truth


def _premises() -> pd.DataFrame:
    return premises_of([{"enterprise": e, "lat": lat, "lon": lon} for e, (lat, lon) in SITES.items()])


def test_stops_at_premises_trips_and_port_calls_are_found(tracked: tuple[TrackStore, TrackTruth]) -> None:
    store, truth = tracked
    stops, trips = stops_and_trips(store, premises=_premises())
    at_premises = {(s.target, *s.enterprises) for s in stops.itertuples() if s.place_kind == "premises"}
    assert at_premises == {tuple(v) for v in truth.premises_visits} and len(at_premises) == 8
    # every fence violator's stop is placed in the warehouse zone
    in_warehouse = set(stops[stops["place"] == "Z-WAREHOUSE-X"]["target"])
    assert set(truth.fence_violators) <= in_warehouse
    # a lone truck that called at premises: trip in, a 40-minute stop, trip out
    mine = stops[stops["target"] == VEHICLES[100]]
    assert (
        list(mine["place"]) == ["E-DONGGUAN"] and 30 <= mine["minutes"].iloc[0] <= 50
    )  # a 40-minute dwell, give or take the approach
    legs = trips[trips["target"] == VEHICLES[100]]
    assert list(legs["to_place"]) == ["E-DONGGUAN", ""] and list(legs["from_place"]) == ["", "E-DONGGUAN"]
    assert (legs["km"] > 0.5).all() and (legs["started"] < legs["ended"]).all()
    # vessels: every planted port call and no other; the Shenzhen → Guangzhou leg is a trip
    calls = port_calls(store)
    assert sorted(map(list, zip(calls["target"], calls["port"], strict=True))) == sorted(truth.port_calls)
    assert (calls["hours"] >= 1).all()
    voyage = trips[(trips["target"] == VESSELS[0]) & (trips["from_place"] == "5300")]
    assert list(voyage["to_place"]) == ["5100"] and voyage["km"].iloc[0] > 80


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


def test_stops_port_calls_visits_and_the_accompanying_gang_view_in_the_graph(
    store: GraphStore, tracked: tuple[TrackStore, TrackTruth]
) -> None:
    track_store, truth = tracked
    store.merge_nodes("Vehicle", [{"id": v, "plate": v} for v in VEHICLES])
    store.merge_nodes("Vessel", [{"id": v, "imo": v, "name": f"SHIP {v}"} for v in VESSELS])
    store.merge_nodes("Port", [{"id": "5300", "code": "5300"}, {"id": "5100", "code": "5100"}])
    store.merge_nodes(
        "Enterprise", [{"id": e, "uscc": uscc(i), "name": e} for i, e in enumerate([*SITES, "E-CLEAN"])]
    )
    store.merge_nodes(
        "Address", [{"id": f"A-{e}", "text": e, "lat": lat, "lon": lon} for e, (lat, lon) in SITES.items()]
    )
    store.merge_relationships(
        "LOCATED_AT", "Enterprise", "Address", [{"start": e, "end": f"A-{e}"} for e in SITES]
    )
    # the first convoy is run by a gang's enterprise; the second convoy by an enterprise in no gang
    store.merge_relationships(
        "USES_VEHICLE",
        "Enterprise",
        "Vehicle",
        [{"start": "E-ZHONGSHAN", "end": v} for v in GROUPS[0]]
        + [{"start": "E-CLEAN", "end": v} for v in GROUPS[1]],
    )
    store.merge_nodes("Gang", [{"id": "G-CONVOY", "status": "active", "risk": 0.8}])
    store.merge_relationships(
        "MEMBER_OF", "Enterprise", "Gang", [{"start": "E-ZHONGSHAN", "end": "G-CONVOY"}]
    )

    summary = write_back(store, track_store)
    assert summary["port_calls"] == len(truth.port_calls) and summary["stops"] > 0 and summary["trips"] > 0
    visited = store.query(
        "MATCH (v:Vehicle)-[r:VISITED]->(e:Enterprise) RETURN v.id AS v, e.id AS e, r.stops AS stops"
    )
    assert {(r["v"], r["e"]) for r in visited} == {tuple(v) for v in truth.premises_visits}
    called = store.query(
        "MATCH (c:PortCall)-[:CALL_OF]->(s:Vessel), (c)-[:CALLED_AT]->(p:Port) RETURN s.id AS s, p.id AS p"
    )
    assert sorted([r["s"], r["p"]] for r in called) == sorted(truth.port_calls)
    assert store.query("MATCH (s:Vessel)-[r:VISITED]->(p:Port) RETURN count(r) AS n")[0]["n"] == len(
        truth.port_calls
    )
    stop_of = store.query(
        "MATCH (s:Stop)-[:STOP_OF]->(v:Vehicle {id: $v}) RETURN s.place AS place", {"v": VEHICLES[100]}
    )
    assert [r["place"] for r in stop_of] == [
        "A-E-DONGGUAN"
    ]  # the premises: the address where the enterprise is located
    # written twice, the graph is the same
    assert write_back(store, track_store) == summary
    assert store.query("MATCH (c:PortCall) RETURN count(c) AS n")[0]["n"] == len(truth.port_calls)

    found = convoys(store)
    assert found[0].vehicles == sorted(GROUPS[0])  # the convoy touching a gang comes first
    assert [g["id"] for g in found[0].gangs] == ["G-CONVOY"] and found[0].minutes_together >= 30
    assert found[0].places[0]["id"] == "E-ZHONGSHAN" and len(found[0].places[0]["vehicles"]) == 3
    clean = next(c for c in found if c.vehicles == sorted(GROUPS[1]))
    assert clean.gangs == [] and [e["id"] for e in clean.enterprises] == ["E-CLEAN"]
    assert {tuple(c.vehicles) for c in found} == {tuple(sorted(g)) for g in GROUPS}
