"""What investigators reason about goes into the graph: companion links, fence events, stops, trips,
port calls and visits (vehicle or vessel to port, vehicle to enterprise premises)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pandas as pd
from rich.console import Console
from shapely.geometry import Point

from graph.store import GraphStore
from ingest.keys import stable_id
from tianji.core.clock import graph_now
from tianji.core.settings import Settings
from tracks.analysis import CompanionConfig, companions, fence_events, zones
from tracks.events import write_convoys, write_sea_events
from tracks.movement import port_calls, premises_of, stops_and_trips
from tracks.store import TrackStore
from tracks.synthetic import BOX, generate, generate_vessels
from tracks.synthetic_sea import generate_sea


def write_back(
    store: GraphStore,
    track_store: TrackStore,
    *,
    day: str | None = None,
    config: CompanionConfig | None = None,
) -> dict[str, int]:
    config = config or CompanionConfig()
    now = graph_now()
    lineage = {"source": "tracks", "ingested_at": now}
    known = {r["id"] for r in store.query("MATCH (v:Vehicle) RETURN v.id AS id", read_only=True)}
    pairs = companions(track_store, config, day)
    rows = [
        {"start": a, "end": b, "minutes": float(n * config.bucket_s / 60), "distance_m": config.distance_m}
        for a, b, n in zip(pairs["a"], pairs["b"], pairs["buckets"], strict=True)
        if a in known and b in known
    ]
    store.merge_relationships("TRAVELLED_WITH", "Vehicle", "Vehicle", rows, on_create=lineage)
    events = fence_events(track_store, None, day)
    events = events[events["target"].isin(known) & (events["kind"] != "port")]
    nodes = [
        {
            "id": stable_id("fence_", e.target, e.zone, e.entered.isoformat()),
            "zone": e.zone,
            "zone_kind": e.kind,
            "entered": e.entered.isoformat(timespec="seconds"),
            "left": e.left.isoformat(timespec="seconds"),
            "minutes": round((e.left - e.entered).total_seconds() / 60, 1),
        }
        for e in events.itertuples()
    ]
    store.merge_nodes("FenceEvent", nodes, on_create=lineage)
    store.merge_relationships(
        "FENCE_EVENT_OF",
        "FenceEvent",
        "Vehicle",
        [{"start": n["id"], "end": e.target} for n, e in zip(nodes, events.itertuples(), strict=True)],
        on_create=lineage,
    )
    summary = {"companion_links": len(rows), "fence_events": len(nodes)}
    port_events = fence_events(track_store, [z for z, k in _port_zones().items()], day)
    summary |= write_movement(store, track_store, day=day, lineage=lineage, vehicle_port_stays=port_events)
    window = (day, f"{day} 23:59:59.999") if day else None
    summary |= write_sea_events(store, track_store, window=window, lineage=lineage)
    summary |= write_convoys(store, track_store, window=window, lineage=lineage)
    return summary


def _port_zones() -> dict[str, str]:
    return {z: v["port"] for z, v in zones().items() if v["kind"] == "port" and v.get("port")}


def _iso(value: Any) -> str:
    return pd.Timestamp(value).isoformat(timespec="seconds")


def _targets(store: GraphStore) -> dict[str, tuple[str, str]]:
    """Track target (plate, vessel id or MMSI) -> (label, node id)."""
    out = {
        r["id"]: ("Vehicle", r["id"])
        for r in store.query("MATCH (v:Vehicle) RETURN v.id AS id", read_only=True)
    }
    for row in store.query("MATCH (v:Vessel) RETURN v.id AS id, v.mmsi AS mmsi", read_only=True):
        out[row["id"]] = ("Vessel", row["id"])
        if row["mmsi"]:
            out[row["mmsi"]] = ("Vessel", row["id"])
    return out


def write_movement(
    store: GraphStore,
    track_store: TrackStore,
    *,
    day: str | None = None,
    lineage: dict[str, Any],
    vehicle_port_stays: pd.DataFrame,
) -> dict[str, int]:
    """Stops, trips and port calls as nodes; VISITED links to ports and premises, summed over the stays."""
    targets = _targets(store)
    premises = premises_of(
        store.query(
            "MATCH (e:Enterprise)-[:LOCATED_AT]->(a:Address) WHERE a.lat IS NOT NULL "
            "RETURN e.id AS enterprise, a.id AS address, a.lat AS lat, a.lon AS lon",
            read_only=True,
        )
    )
    stops, trips = stops_and_trips(track_store, day, premises=premises)
    stops = stops[stops["target"].isin(targets)]
    trips = trips[trips["target"].isin(targets)]
    stop_rows = [
        {
            "id": stable_id("stop_", s.target, _iso(s.started)),
            "target": s.target,
            "lat": round(s.lat, 6),
            "lon": round(s.lon, 6),
            "started": _iso(s.started),
            "ended": _iso(s.ended),
            "minutes": s.minutes,
            "place": s.place,
            "place_kind": s.place_kind,
        }
        for s in stops.itertuples()
    ]
    trip_rows = [
        {
            "id": stable_id("trip_", t.target, _iso(t.started)),
            "target": t.target,
            "started": _iso(t.started),
            "ended": _iso(t.ended),
            "km": t.km,
            "points": t.points,
            "from_place": t.from_place,
            "to_place": t.to_place,
        }
        for t in trips.itertuples()
    ]
    store.merge_nodes("Stop", stop_rows, on_create=lineage)
    store.merge_nodes("Trip", trip_rows, on_create=lineage)
    for node_label, rtype, rows in (("Stop", "STOP_OF", stop_rows), ("Trip", "TRIP_OF", trip_rows)):
        for owner in ("Vehicle", "Vessel"):
            links = [
                {"start": r["id"], "end": targets[r["target"]][1]}
                for r in rows
                if targets[r["target"]][0] == owner
            ]
            store.merge_relationships(rtype, node_label, owner, links, on_create=lineage)
    ports = {r["id"] for r in store.query("MATCH (p:Port) RETURN p.id AS id", read_only=True)}
    calls = port_calls(track_store, day)
    calls = calls[calls["target"].map(lambda t: targets.get(t, ("", ""))[0] == "Vessel")]
    call_rows = [
        {
            "id": stable_id("call_", targets[c.target][1], c.port, _iso(c.arrived)),
            "port": c.port,
            "zone": c.zone,
            "arrived": _iso(c.arrived),
            "departed": _iso(c.departed),
            "hours": c.hours,
        }
        for c in calls.itertuples()
    ]
    store.merge_nodes("PortCall", call_rows, on_create=lineage)
    store.merge_relationships(
        "CALL_OF",
        "PortCall",
        "Vessel",
        [
            {"start": r["id"], "end": targets[c.target][1]}
            for r, c in zip(call_rows, calls.itertuples(), strict=True)
        ],
        on_create=lineage,
    )
    store.merge_relationships(
        "CALLED_AT",
        "PortCall",
        "Port",
        [{"start": r["id"], "end": r["port"]} for r in call_rows if r["port"] in ports],
    )
    # visits: vehicles' stays in port zones and at premises, vessels' port calls
    zone_port = _port_zones()
    stays = [
        (targets[e.target], zone_port[e.zone], e.entered, e.left)
        for e in vehicle_port_stays.itertuples()
        if targets.get(e.target, ("",))[0] == "Vehicle"
    ]
    stays += [(targets[c.target], c.port, c.arrived, c.departed) for c in calls.itertuples()]
    at_premises = stops[stops["place_kind"] == "premises"]
    stays += [
        (targets[s.target], enterprise, s.started, s.ended)
        for s in at_premises.itertuples()
        for enterprise in s.enterprises
    ]
    visits: dict[tuple[str, str, str], dict[str, Any]] = {}
    for (label, node_id), place, entered, left in stays:
        place_label = "Enterprise" if place not in ports else "Port"
        visit = visits.setdefault(
            (label, node_id, place),
            {
                "start": node_id,
                "end": place,
                "stops": 0,
                "minutes": 0.0,
                "first": _iso(entered),
                "last": _iso(left),
                "_labels": (label, place_label),
            },
        )
        visit["stops"] += 1
        visit["minutes"] = round(
            visit["minutes"] + (pd.Timestamp(left) - pd.Timestamp(entered)).total_seconds() / 60, 1
        )
        visit["first"] = min(visit["first"], _iso(entered))
        visit["last"] = max(visit["last"], _iso(left))
    by_kind: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for visit in visits.values():
        by_kind.setdefault(visit.pop("_labels"), []).append(visit)
    for (start_label, end_label), rows in by_kind.items():
        store.merge_relationships("VISITED", start_label, end_label, rows, on_create=lineage)
    return {
        "stops": len(stop_rows),
        "trips": len(trip_rows),
        "port_calls": len(call_rows),
        "visits": sum(len(r) for r in by_kind.values()),
    }


def _demo_geocode(address: str) -> tuple[float, float]:
    """A point inside the demo map derived from the address text, outside every monitoring zone."""
    areas = [z["geometry"].buffer(0.01) for z in zones().values()]
    for salt in range(100):
        digest = hashlib.sha1(f"{address}|{salt}".encode()).digest()
        lat = round(BOX[0] + 0.1 + (BOX[1] - BOX[0] - 0.2) * int.from_bytes(digest[:4]) / 2**32, 5)
        lon = round(BOX[2] + 0.1 + (BOX[3] - BOX[2] - 0.2) * int.from_bytes(digest[4:8]) / 2**32, 5)
        if not any(area.contains(Point(lon, lat)) for area in areas):
            break
    return lat, lon


def demo_premises(
    store: GraphStore, groups: list[list[str]], extra: int = 40
) -> dict[str, tuple[str, float, float]]:
    """For the demo world: give the addresses of enterprises that use vehicles coordinates (a stand-in for
    a geocoder, deterministic, inside the demo map) and choose the vehicles that will stop at them: every
    companion group's vehicles and ``extra`` others."""
    rows = store.query(
        "MATCH (e:Enterprise)-[:USES_VEHICLE]->(v:Vehicle) MATCH (e)-[:LOCATED_AT]->(a:Address) "
        "RETURN v.id AS vehicle, e.id AS enterprise, a.id AS address, a.lat AS lat, a.lon AS lon ORDER BY v.id, e.id",
        read_only=True,
    )
    located: dict[str, tuple[float, float]] = {}
    for row in rows:
        if row["lat"] is None and row["address"] not in located:
            located[row["address"]] = _demo_geocode(row["address"])
    store.merge_nodes("Address", [{"id": a, "lat": ll[0], "lon": ll[1]} for a, ll in located.items()])
    site: dict[str, tuple[str, float, float]] = {}
    for row in rows:
        lat, lon = (row["lat"], row["lon"]) if row["lat"] is not None else located[row["address"]]
        site.setdefault(row["vehicle"], (row["enterprise"], lat, lon))
    chosen = {v for g in groups for v in g if v in site}
    chosen |= set(sorted(v for v in site if v not in chosen)[:extra])
    return {v: site[v] for v in sorted(chosen)}


def run_tracks(store: GraphStore, settings: Settings, world: Path | None = None) -> dict[str, Any]:
    """Bootstrap step: one day of truck tracks for the world's vehicles (planted companions from the ground
    truth, stops at premises) and AIS tracks for its vessels, stored as Parquet, analysed, and what they
    show written to the graph."""
    vehicles = [
        r["id"] for r in store.query("MATCH (v:Vehicle) RETURN v.id AS id ORDER BY id", read_only=True)
    ]
    vessels = [r["id"] for r in store.query("MATCH (v:Vessel) RETURN v.id AS id ORDER BY id", read_only=True)]
    world_truth: dict[str, Any] = {}
    if world is not None and (world / "ground_truth.json").exists():
        world_truth = json.loads((world / "ground_truth.json").read_text(encoding="utf-8"))
    groups: list[list[str]] = world_truth.get("companion_groups", [])
    difficulty = str(world_truth.get("difficulty") or "medium")
    track_store = TrackStore(settings)
    if track_store.empty():
        premises = demo_premises(store, groups)
        points, truth = generate(
            vehicles, groups=groups, interval_s=60, premises=premises, convoys=3, difficulty=difficulty
        )
        callers = min(20, len(vessels) // 2)  # the rest of the fleet (up to 200) carries the events at sea
        ships, ship_truth = generate_vessels(vessels[:callers])
        frames = [points, ships]
        truth.port_calls = ship_truth.port_calls
        sea_truth: dict[str, Any] = {}
        if len(vessels) - callers >= 8:
            sea, found_at_sea = generate_sea(vessels[callers : callers + 200], difficulty=difficulty)
            frames.append(sea)
            truth.port_calls += found_at_sea.port_calls
            sea_truth = found_at_sea.__dict__
        report = track_store.ingest(pd.concat([f for f in frames if len(f)], ignore_index=True))
        settings.path("tracks", "truth.json").write_text(
            json.dumps({**truth.__dict__, "sea": sea_truth}, ensure_ascii=False)
        )
        Console().print(f"  {report.written:,} track points stored")
    summary = write_back(store, track_store)
    Console().print(
        f"  {summary['companion_links']} companion links, {summary['convoys']} convoys, "
        f"{summary['fence_events']} fence events, {summary['stops']} stops, {summary['trips']} trips, "
        f"{summary['port_calls']} port calls, {summary['visits']} visits, {summary['encounters']} encounters "
        f"({summary['dark_rendezvous']} dark), {summary['loitering']} loitering, {summary['ais_gaps']} AIS gaps"
    )
    return summary
