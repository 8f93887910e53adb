"""What replication costs and how long a failover takes, measured in one run on this machine.

Two graphs on loopback, each in a scratch directory under the data directory: one embedded server alone
(the baseline), and a primary with two replicas and three Sentinels whose writes are acknowledged after
``WAIT`` for one replica. On both: a raw UNWIND MERGE of nodes in batches of 5,000 and of 500 (``WAIT`` is
per batch), and the world's ingest end to end. Then the replicated primary is killed (kill -9) and the
time until a write is acknowledged again through the Sentinels is the failover window.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path
from typing import Any

from bench.common import world_dir
from graph.cluster import LocalCluster
from graph.embedded import EmbeddedServer
from graph.falkor import FalkorStore
from graph.store import GraphStore
from graph.types import GraphError, Plain
from ingest.loader import Loader
from tianji.core.settings import Settings, get_settings

RAW_NODES = {"small": 20_000, "medium": 100_000, "large": 200_000}


def _merge_nodes_per_s(store: GraphStore, count: int, batch: int) -> float:
    rows = Plain([[f"raw{batch}_{i}", f"text {i}"] for i in range(count)])
    started = time.perf_counter()
    for start in range(0, count, batch):
        store.query(
            "UNWIND $rows AS row MERGE (n:Address {id: row[0]}) SET n.text = row[1]",
            {"rows": Plain(rows[start : start + batch])},
        )
    return count / (time.perf_counter() - started)


def _measure(store: GraphStore, settings: Settings, world: Path, count: int) -> dict[str, int]:
    store.clear()
    store.apply_schema()
    found = {
        "merge_nodes_per_s_batch_5000": round(_merge_nodes_per_s(store, count, 5000)),
        "merge_nodes_per_s_batch_500": round(_merge_nodes_per_s(store, count // 4, 500)),
    }
    store.clear()
    store.apply_schema()
    run = Loader(store, settings, progress=False).load_dir(world)
    declarations = next(f for f in run.files if f.source == "declarations.csv")
    found["ingest_declarations_per_s"] = round(declarations.loaded / declarations.seconds)
    return found


def _failover_window(cluster: LocalCluster, store: GraphStore) -> float:
    """kill -9 of the primary to the first write acknowledged by the new primary and a replica."""
    cluster.kill(cluster.primary())
    killed = time.monotonic()
    while True:
        try:
            store.query("MERGE (n:Address {id: 'failover-probe'}) RETURN n.id AS id")
            return time.monotonic() - killed
        except GraphError:
            if time.monotonic() - killed > 120:
                raise
            time.sleep(0.05)


def run(scale: str = "small") -> dict[str, Any]:
    world = world_dir(scale)
    count = RAW_NODES.get(scale, RAW_NODES["small"])
    root = get_settings().data_dir / "bench" / "replication"
    shutil.rmtree(root, ignore_errors=True)
    base = get_settings().model_copy(
        update={
            "graph_name": "bench_replication",
            "data_dir": root / "var",
            "graph_port": 0,
        }
    )
    alone_settings = base.model_copy(update={"graph_min_replicas": 0})
    replicated_settings = base.model_copy(update={"graph_min_replicas": 1})
    server = EmbeddedServer(root / "alone", alone_settings)
    cluster = LocalCluster(root / "replicated", replicated_settings)
    try:
        alone = FalkorStore("127.0.0.1", server.start(), settings=alone_settings, server=server)
        alone_figures = _measure(alone, alone_settings, world, count)
        alone.close()
        uri = cluster.start(replicas=2)
        replicated = FalkorStore.from_sentinel(uri, settings=replicated_settings)
        replicated_figures = _measure(replicated, replicated_settings, world, count)
        window = _failover_window(cluster, replicated)
        replicated.close()
    finally:
        cluster.stop()
        server.stop()
        shutil.rmtree(root, ignore_errors=True)
    result: dict[str, Any] = {"bench": "replication", "scale": scale, "raw_nodes": count}
    for key, value in alone_figures.items():
        result[f"alone_{key}"] = value
        result[f"replicated_{key}"] = replicated_figures[key]
        result[f"ratio_{key}"] = round(replicated_figures[key] / value, 3)
    result["failover_window_s"] = round(window, 2)
    result["sentinel_down_after_ms"] = replicated_settings.graph_sentinel_down_after_ms
    return result
