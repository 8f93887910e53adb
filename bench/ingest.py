"""End-to-end ingest of a synthetic world against the raw FalkorDB write ceiling, measured in one run.

``declarations_per_s`` is the declarations file (parse, validate, write the declaration, its overseas
party mention and its relationships) over its wall time; ``raw_nodes_per_s`` is a plain UNWIND MERGE
of 100k nodes on the same server, just before. ``validate_share`` and ``write_share`` say where the
declaration file's time went (they overlap: validation of one batch runs while the previous is written).
"""

from __future__ import annotations

import time
from typing import Any

from bench.common import bench_settings, peak_rss_mb, scratch_store, server_rss_mb, world_dir
from graph.types import Plain
from ingest.loader import Loader

RAW_NODES = 100_000


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


def run(scale: str = "medium") -> dict[str, Any]:
    world = world_dir(scale)
    raw = raw_nodes_per_s("bench_raw")
    store = scratch_store("bench_ingest")
    settings = bench_settings("bench_ingest")
    started = time.perf_counter()
    summary = Loader(store, settings, progress=True).load_dir(world)
    total = time.perf_counter() - started
    decl = next(f for f in summary.files if f.source == "declarations.csv")
    declarations_per_s = decl.loaded / decl.seconds
    nodes = sum(sum(f.nodes.values()) for f in summary.files)
    rels = sum(sum(f.relationships.values()) for f in summary.files)
    result = {
        "benchmark": "ingest",
        "scale": scale,
        "declarations": decl.loaded,
        "declarations_per_s": round(declarations_per_s),
        "raw_nodes_per_s": round(raw),
        "ratio": round(declarations_per_s / raw, 3),
        "graph_ops_per_declaration": round(
            (sum(decl.nodes.values()) + sum(decl.relationships.values())) / max(decl.loaded, 1), 2
        ),
        "ops_per_s": round((sum(decl.nodes.values()) + sum(decl.relationships.values())) / decl.seconds),
        "ops_ratio": round(
            (sum(decl.nodes.values()) + sum(decl.relationships.values())) / decl.seconds / raw, 3
        ),
        "validate_share": round(decl.validate_seconds / decl.seconds, 3),
        "write_share": round(decl.write_seconds / decl.seconds, 3),
        "world_seconds": round(total, 2),
        "world_nodes": nodes,
        "world_relationships": rels,
        "rows_read": summary.read,
        "quarantined": summary.quarantined,
        "peak_rss_mb": peak_rss_mb(),
        "server_rss_mb": server_rss_mb(store),
    }
    store.clear()
    store.close()
    return result
