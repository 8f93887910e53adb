"""The demo world's tracks, as `make run` loads them: convoys of the world's gangs, premises, port calls,
events at sea."""

from __future__ import annotations

import json
from pathlib import Path

from graph.embedded import EmbeddedServer
from graph.store import GraphStore
from tests.conftest import ground_truth, settings_for
from tracks.accompanying import convoys
from tracks.service import run_tracks


def test_demo_tracks_show_the_world_gangs_convoys(
    graph_server: EmbeddedServer, world_store: GraphStore, small_world: Path
) -> None:
    settings = settings_for(graph_server, "demo_tracks")
    summary = run_tracks(world_store, settings, small_world)
    truth = ground_truth(small_world)
    planted = json.loads(settings.path("tracks", "truth.json").read_text(encoding="utf-8"))
    # a vessel whose AIS is off at the berth makes two calls of one visit
    assert summary["port_calls"] >= len(planted["port_calls"]) > 0
    called = world_store.query(
        "MATCH (c:PortCall)-[:CALL_OF]->(v:Vessel) RETURN DISTINCT v.id AS v, c.port AS p"
    )
    assert {(r["v"], r["p"]) for r in called} == {tuple(c) for c in planted["port_calls"]}
    # the rest of the fleet meets, loiters and goes dark at sea
    sea = planted["sea"]
    assert summary["encounters"] == len(sea["encounters"]) > 0
    assert summary["dark_rendezvous"] == sum(e["dark"] for e in sea["encounters"])
    assert summary["ais_gaps"] == len(sea["gaps"]) and summary["loitering"] == len(sea["loitering"])
    assert summary["stops"] >= len(planted["premises_visits"]) and summary["trips"] > 0
    # every convoy vehicle stopped at its enterprise's premises, and the graph says so
    visited = world_store.query("MATCH (v:Vehicle)-[:VISITED]->(e:Enterprise) RETURN v.id AS v, e.id AS e")
    assert {(r["v"], r["e"]) for r in visited} >= {tuple(v) for v in planted["premises_visits"]}
    # each of the world's companion groups is a convoy, joined with the gang's own enterprises
    gangs_by_vehicle = {v: set(g["enterprises"]) for g in truth["gangs"] for v in g["vehicles"]}
    found = {tuple(c.vehicles): c for c in convoys(world_store, first=500)}
    for group in truth["companion_groups"]:
        convoy = found[tuple(sorted(group))]
        assert {e["id"] for e in convoy.enterprises} <= gangs_by_vehicle[group[0]]
        assert any(p["label"] == "Enterprise" for p in convoy.places)
