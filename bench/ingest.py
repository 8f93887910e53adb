"""End-to-end ingest of a synthetic world against the graph's own ceiling for the same writes, one run.

The world is loaded twice into an empty graph: through the merge path (every write a ``MERGE``, as any
load into a graph that holds data) and through the bulk path (a first load, which creates what it knows
to be new). The ceiling is the merge path's own writes replayed: the same clean tables sent again to an
empty graph with nothing parsed or validated, so ``ops_ratio`` is the share of the database's speed the
whole pipeline keeps. ``raw_nodes_per_s`` is a plain UNWIND MERGE of 100k one-property nodes, the
engine's simplest write, for scale. ``declarations_per_s`` is the declarations file (parse, validate,
write the declaration, its overseas party mention and its relationships) over its wall time.
"""

from __future__ import annotations

import resource
import time
from typing import Any

from bench.common import bench_settings, peak_rss_mb, scratch_store, server_rss_mb, world_dir
from graph.store import GraphStore
from graph.types import Plain
from ingest.loader import Loader
from ingest.summary import FileSummary, RunSummary

RAW_NODES = 100_000
DECLARATIONS = "declarations.csv"


def raw_nodes_per_s(graph_name: str) -> float:
    store = scratch_store(graph_name)
    try:
        ids = Plain([[f"raw{i}", f"text {i}"] for i in range(RAW_NODES)])
        started = time.perf_counter()
        for start in range(0, RAW_NODES, 10_000):
            store.query(
                "UNWIND $rows AS row MERGE (n:Address {id: row[0]}) SET n.text = row[1]",
                {"rows": Plain(ids[start : start + 10_000])},
            )
        return RAW_NODES / (time.perf_counter() - started)
    finally:
        store.clear()
        store.close()


def _ops(summary: FileSummary) -> int:
    return sum(summary.nodes.values()) + sum(summary.relationships.values())


def _replay(store: GraphStore, writes: list[tuple[str, str, Any, bool]]) -> dict[str, float]:
    """Seconds per source file to send the recorded tables again, into an empty graph."""
    store.clear()
    store.apply_schema()
    seconds: dict[str, float] = {}
    lineage = {"source": "replay", "run_id": "replay", "ingested_at": "2024-01-01T00:00:00"}
    for source, kind, table, create in writes:
        tick = time.perf_counter()
        if kind == "nodes":
            store.write_nodes(table, on_create=lineage, create=create)
        else:
            store.write_relationships(table, on_create=lineage, create=create)
        seconds[source] = seconds.get(source, 0.0) + time.perf_counter() - tick
    return seconds


def _load(store: GraphStore, scale: str, *, bulk: bool, record: bool) -> tuple[RunSummary, float, list[Any]]:
    store.clear()
    store.apply_schema()
    settings = bench_settings(store.settings.graph_name).model_copy(update={"ingest_bulk": bulk})
    loader = Loader(store, settings, progress=True)
    writes: list[tuple[str, str, Any, bool]] = []
    if record:
        loader.recorder = writes
    started = time.perf_counter()
    summary = loader.load_dir(world_dir(scale))
    return summary, time.perf_counter() - started, writes


def run(scale: str = "medium") -> dict[str, Any]:
    world_dir(scale)  # generated before anything is timed
    raw = raw_nodes_per_s("bench_raw")
    store = scratch_store("bench_ingest")
    record = scale != "large"  # the large world's tables would not fit beside its load
    merge, merge_s, writes = _load(store, scale, bulk=False, record=record)
    decl = next(f for f in merge.files if f.source == DECLARATIONS)
    replay = _replay(store, writes) if record else {}
    del writes
    bulk, bulk_s, _ = _load(store, scale, bulk=True, record=False)
    bulk_decl = next(f for f in bulk.files if f.source == DECLARATIONS)
    ceiling = _ops(decl) / replay[DECLARATIONS] if record else None
    result = {
        "benchmark": "ingest",
        "scale": scale,
        "declarations": decl.loaded,
        "declarations_per_s": round(decl.loaded / decl.seconds),
        "graph_ops_per_declaration": round(_ops(decl) / max(decl.loaded, 1), 2),
        "ops_per_s": round(_ops(decl) / decl.seconds),
        "ceiling_ops_per_s": round(ceiling) if ceiling else None,
        "ops_ratio": round(_ops(decl) / decl.seconds / ceiling, 3) if ceiling else None,
        "planned_in": decl.planned_in,
        "validate_share": round(decl.validate_seconds / decl.seconds, 3),
        "write_share": round(decl.write_seconds / decl.seconds, 3),
        "bulk_declarations_per_s": round(bulk_decl.loaded / bulk_decl.seconds),
        "bulk_ops_ratio": round(_ops(bulk_decl) / bulk_decl.seconds / ceiling, 3) if ceiling else None,
        "raw_nodes_per_s": round(raw),
        "ops_ratio_to_raw_nodes": round(_ops(decl) / decl.seconds / raw, 3),
        "world_seconds": round(merge_s, 2),
        "bulk_world_seconds": round(bulk_s, 2),
        "world_nodes": sum(sum(f.nodes.values()) for f in merge.files),
        "world_relationships": sum(sum(f.relationships.values()) for f in merge.files),
        "rows_read": merge.read,
        "quarantined": merge.quarantined,
        "peak_rss_mb": peak_rss_mb(),
        "worker_peak_rss_mb": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1),
        "server_rss_mb": server_rss_mb(store),
    }
    store.clear()
    store.close()
    return result
