"""What investigators reason about goes into the graph: companion links and fence events."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from rich.console import Console

from graph.store import GraphStore
from ingest.keys import stable_id
from tianji.settings import Settings
from tracks.analysis import CompanionConfig, companions, fence_events
from tracks.store import TrackStore
from tracks.synthetic import generate


def write_back(
    store: GraphStore,
    track_store: TrackStore,
    *,
    day: str | None = None,
    config: CompanionConfig | None = None,
) -> dict[str, int]:
    config = config or CompanionConfig()
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None).isoformat(timespec="seconds")
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
    return {"companion_links": len(rows), "fence_events": len(nodes)}


def run_tracks(store: GraphStore, settings: Settings, world: Path | None = None) -> dict[str, Any]:
    """Bootstrap step: one day of tracks for the world's vehicles (planted companions from the ground
    truth), stored as Parquet, analysed, and companion links and fence events written to the graph."""
    vehicles = [
        r["id"] for r in store.query("MATCH (v:Vehicle) RETURN v.id AS id ORDER BY id", read_only=True)
    ]
    groups: list[list[str]] = []
    if world is not None and (world / "ground_truth.json").exists():
        groups = json.loads((world / "ground_truth.json").read_text(encoding="utf-8")).get(
            "companion_groups", []
        )
    track_store = TrackStore(settings)
    if track_store.empty():
        points, truth = generate(vehicles, groups=groups, interval_s=60)
        report = track_store.ingest(points)
        settings.path("tracks", "truth.json").write_text(json.dumps(truth.__dict__, ensure_ascii=False))
        Console().print(f"  {report.written:,} track points stored")
    summary = write_back(store, track_store)
    Console().print(f"  {summary['companion_links']} companion links, {summary['fence_events']} fence events")
    return summary
