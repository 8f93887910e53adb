"""Helpers shared by benchmarks: a scratch graph on the configured server, the world on disk, memory."""

from __future__ import annotations

import resource
from pathlib import Path

import psutil

from graph.open import open_store
from graph.store import GraphStore
from tianji.core.settings import Settings, get_settings


def bench_settings(graph_name: str) -> Settings:
    """The configured settings with a graph of the benchmark's own, so the demo graph is left alone."""
    return get_settings().model_copy(update={"graph_name": graph_name})


def scratch_store(graph_name: str) -> GraphStore:
    store = open_store(settings=bench_settings(graph_name))
    store.clear()
    store.apply_schema()
    return store


def world_dir(scale: str, seed: int = 1, difficulty: str = "medium", need: tuple[str, ...] = ()) -> Path:
    """The synthetic world of this scale and difficulty, generated once under the data directory (again
    when it lacks a file in ``need``: a world an older generator wrote)."""
    from ingest.synthetic import generate_world

    out = get_settings().data_dir / "bench" / f"world-{scale}-{difficulty}-{seed}"
    if not (out / "manifest.json").exists() or not all((out / f).exists() for f in need):
        generate_world(scale, seed, out, difficulty=difficulty)
    return out


def peak_rss_mb() -> float:
    """Peak resident memory of this process (MB)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def server_rss_mb(store: GraphStore) -> float | None:
    server = getattr(store, "server", None)
    pid = server.pid() if server is not None else None
    return round(psutil.Process(pid).memory_info().rss / 2**20, 1) if pid else None
