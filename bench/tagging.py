"""Tagging: a full re-tag of the world, and an incremental re-tag after 1,000 new declarations."""

from __future__ import annotations

import csv
import time
from pathlib import Path
from typing import Any

from bench.common import bench_settings, scratch_store, world_dir
from ingest.loader import Loader
from tagging.engine import apply_all
from tagging.rules import load_hierarchy


def run(scale: str = "medium") -> dict[str, Any]:
    world = world_dir(scale)
    store = scratch_store("bench_tagging")
    settings = bench_settings("bench_tagging")
    Loader(store, settings, progress=True).load_dir(world)
    hierarchy = load_hierarchy()
    started = time.perf_counter()
    first = apply_all(store, hierarchy)
    full_s = time.perf_counter() - started
    batch = settings.path("bench", "tag-batch", "x").parent
    with (world / "declarations.csv").open(encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        rows = [row for _, row in zip(range(1000), reader, strict=False)]
    for i, row in enumerate(rows):
        row["entry_no"] = f"9999{2026}{i:010d}"
        row["date"] = "2025-12-31"
    with (batch / "declarations.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    Loader(store, settings, progress=False).load_dir(Path(batch))
    started = time.perf_counter()
    second = apply_all(store, hierarchy)
    incremental_s = time.perf_counter() - started
    result = {
        "benchmark": "tagging",
        "scale": scale,
        "tags": len(hierarchy.tags),
        "full_retag_s": round(full_s, 2),
        "tagged": sum(len(c.add) for c in first),
        "incremental_after_1000_declarations_s": round(incremental_s, 2),
        "incremental_changes": sum(len(c.add) + len(c.remove) for c in second),
    }
    store.clear()
    store.close()
    return result
