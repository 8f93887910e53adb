"""Events at sea and convoys into the graph: Encounter, Loitering and AisGap nodes linked to the vessels
(``ENCOUNTER_OF``, ``LOITERING_OF``, ``GAP_OF``) and to the enterprises that operate them
(``EVENT_OPERATOR``, from ``OPERATES``); Convoy nodes with their vehicles (``IN_CONVOY``).

Each node carries its provenance (algorithm, version, parameters, computed_at); ids come from the vessels
or vehicles and the start time, so writing the same events twice changes nothing.
"""

from __future__ import annotations

import json
from typing import Any

import pandas as pd

from graph.store import GraphStore
from ingest.keys import stable_id
from tianji.core.clock import graph_now
from tracks.convoys import ConvoyConfig, convoys
from tracks.sea import SeaConfig, sea_events
from tracks.store import TrackStore

SEA_VERSION = "1"
CONVOY_VERSION = "1"


def _iso(value: Any) -> str:
    return pd.Timestamp(value).isoformat(timespec="seconds")


def vessel_ids(store: GraphStore) -> dict[str, str]:
    """AIS track id (the vessel's id, or its MMSI) -> Vessel node id."""
    out: dict[str, str] = {}
    for row in store.query("MATCH (v:Vessel) RETURN v.id AS id, v.mmsi AS mmsi", read_only=True):
        out[row["id"]] = row["id"]
        if row["mmsi"]:
            out[str(row["mmsi"])] = row["id"]
    return out


def _provenance(algorithm: str, version: str, config: Any) -> dict[str, Any]:
    return {
        "algorithm": algorithm,
        "version": version,
        "parameters": json.dumps(config.__dict__, sort_keys=True),
        "computed_at": graph_now(),
    }


def write_sea_events(
    store: GraphStore,
    track_store: TrackStore,
    *,
    window: tuple[str, str] | None = None,
    config: SeaConfig | None = None,
    lineage: dict[str, Any] | None = None,
) -> dict[str, int]:
    """Detect encounters, loitering and AIS gaps over the window and write those of known vessels."""
    config = config or SeaConfig()
    lineage = lineage or {"source": "tracks", "ingested_at": graph_now()}
    found = sea_events(track_store, config, window)
    known = vessel_ids(store)
    links: dict[str, list[dict[str, Any]]] = {"Encounter": [], "Loitering": [], "AisGap": []}
    nodes: dict[str, list[dict[str, Any]]] = {"Encounter": [], "Loitering": [], "AisGap": []}
    for e in found.encounters.itertuples():
        if e.a not in known and e.b not in known:
            continue
        node = {
            "id": stable_id("encounter_", e.a, e.b, _iso(e.started)),
            "vessels": [e.a, e.b],
            "started": _iso(e.started),
            "ended": _iso(e.ended),
            "hours": float(e.hours),
            "lat": round(float(e.lat), 6),
            "lon": round(float(e.lon), 6),
            "distance_m": round(float(e.distance_m), 1),
            "knots": round(float(max(e.knots_a, e.knots_b)), 2),
            "dark": bool(e.dark),
            "dark_vessels": list(e.dark_vessels),
            **_provenance("gfw_encounter", SEA_VERSION, config),
        }
        nodes["Encounter"].append(node)
        links["Encounter"] += [{"start": node["id"], "end": known[v]} for v in (e.a, e.b) if v in known]
    for label, frame, prefix in (("Loitering", found.loitering, "loiter_"), ("AisGap", found.gaps, "gap_")):
        for r in frame.itertuples():
            if r.target not in known:
                continue
            node = {
                "id": stable_id(prefix, r.target, _iso(r.started)),
                "target": r.target,
                "started": _iso(r.started),
                "ended": _iso(r.ended),
                "hours": float(r.hours),
                "lat": round(float(r.lat), 6),
                "lon": round(float(r.lon), 6),
                **_provenance("loitering" if label == "Loitering" else "ais_gap", SEA_VERSION, config),
            }
            if label == "Loitering":
                node["knots"] = round(float(r.knots), 2)
            else:
                node |= {"end_lat": round(float(r.end_lat), 6), "end_lon": round(float(r.end_lon), 6)}
                node["km"] = float(r.km)
            nodes[label].append(node)
            links[label].append({"start": node["id"], "end": known[r.target]})
    operators: dict[str, list[str]] = {}
    for row in store.query(
        "MATCH (e:Enterprise)-[:OPERATES]->(v:Vessel) RETURN v.id AS vessel, e.id AS enterprise",
        read_only=True,
    ):
        operators.setdefault(row["vessel"], []).append(row["enterprise"])
    rtypes = {"Encounter": "ENCOUNTER_OF", "Loitering": "LOITERING_OF", "AisGap": "GAP_OF"}
    for label, rows in nodes.items():
        store.merge_nodes(label, rows, on_create=lineage)
        store.merge_relationships(rtypes[label], label, "Vessel", links[label], on_create=lineage)
        run = [
            {"start": link["start"], "end": operator, "vessel": link["end"]}
            for link in links[label]
            for operator in operators.get(link["end"], [])
        ]
        store.merge_relationships("EVENT_OPERATOR", label, "Enterprise", run, on_create=lineage)
    return {
        "encounters": len(nodes["Encounter"]),
        "dark_rendezvous": sum(n["dark"] for n in nodes["Encounter"]),
        "loitering": len(nodes["Loitering"]),
        "ais_gaps": len(nodes["AisGap"]),
    }


def write_convoys(
    store: GraphStore,
    track_store: TrackStore,
    *,
    window: tuple[str, str] | None = None,
    config: ConvoyConfig | None = None,
    lineage: dict[str, Any] | None = None,
) -> dict[str, int]:
    """Detect convoys over the window and write those with at least one known vehicle."""
    config = config or ConvoyConfig()
    lineage = lineage or {"source": "tracks", "ingested_at": graph_now()}
    known = {r["id"] for r in store.query("MATCH (v:Vehicle) RETURN v.id AS id", read_only=True)}
    rows, members = [], []
    for c in convoys(track_store, config, window).itertuples():
        if not known.intersection(c.members):
            continue
        node_id = stable_id("convoy_", *c.members, _iso(c.started))
        rows.append(
            {
                "id": node_id,
                "members": list(c.members),
                "size": int(c.size),
                "started": _iso(c.started),
                "ended": _iso(c.ended),
                "windows": int(c.windows),
                **_provenance("cmc_convoy", CONVOY_VERSION, config),
            }
        )
        members += [{"start": v, "end": node_id} for v in c.members if v in known]
    store.merge_nodes("Convoy", rows, on_create=lineage)
    store.merge_relationships("IN_CONVOY", "Vehicle", "Convoy", members, on_create=lineage)
    return {"convoys": len(rows)}
