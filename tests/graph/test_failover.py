"""Losing the primary on loopback: kill -9 of the primary during an ingest of the small world.

A primary, two replicas and three Sentinels (a primary silent for 1 s is down); writes are acknowledged
once one replica holds them. While the ingest runs, two client loops read: one from the primary (no
retries through a failover, so that it sees the outage), one with stale reads allowed (replicas). The
test measures the failover window (kill to the first answer of the new primary), the errors of each loop
and where they fall, the acknowledged declaration batches missing on the new primary, and, after the
ingest is run again, compares every label and relationship count with a clean load of the same world.
It prints those figures as one JSON line. It runs twice: with the ingest's bulk path (a first load into
an empty graph creates, and a create cut off is never repeated, so that run may stop at the kill) and
with merges only (retried through the failover, so that run must carry on by itself).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from graph.cluster import LocalCluster
from graph.falkor import FalkorStore
from graph.store import GraphStore
from graph.types import GraphError
from tests.graph.test_cluster import cluster_settings

ROOT = Path(__file__).resolve().parents[2]
WINDOW_GOAL_S = 10.0


@dataclass
class ReadLoop:
    """Reads the declaration count in a loop; records when each read ended and whether it answered."""

    store: FalkorStore
    stale_ok: bool
    results: list[tuple[float, bool]] = field(default_factory=list)
    done: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        while not self.done.is_set():
            try:
                self.store.query(
                    "MATCH (d:Declaration) RETURN count(d) AS c", read_only=True, stale_ok=self.stale_ok
                )
                ok = True
            except GraphError:
                ok = False
            self.results.append((time.monotonic(), ok))
            time.sleep(0.05)

    def errors(self) -> list[float]:
        return [t for t, ok in self.results if not ok]

    def first_answer_after(self, moment: float) -> float | None:
        return next((t for t, ok in self.results if ok and t > moment), None)


def _journal(data_dir: Path) -> list[dict[str, object]]:
    found = list((data_dir / "ingest").glob("*/journal.jsonl"))
    return [json.loads(line) for path in found for line in path.read_text().splitlines()]


def _declarations_between(store: GraphStore, low: int, high: int) -> int:
    rows = store.query(
        "MATCH (d:Declaration) WHERE d.source = $source AND d.source_line > $low AND d.source_line <= $high "
        "RETURN count(d) AS c",
        {"source": "declarations.csv", "low": low, "high": high},
        read_only=True,
    )
    return int(rows[0]["c"])


@pytest.mark.parametrize("bulk", [True, False], ids=["bulk-creates", "merges"])
def test_kill_9_of_the_primary_during_an_ingest(
    tmp_path: Path, small_world: Path, world_store: GraphStore, bulk: bool
) -> None:
    clean = world_store.stats()
    directory = tmp_path / "graph"
    settings = cluster_settings(directory)
    cluster = LocalCluster(directory, settings)
    uri = cluster.start(replicas=2)
    env = {
        **os.environ,
        "TIANJI_GRAPH_URI": uri,
        "TIANJI_GRAPH_MIN_REPLICAS": "1",
        "TIANJI_GRAPH_BATCH_SIZE": "100",
        "TIANJI_INGEST_BULK": str(bulk).lower(),  # a first load into an empty graph creates, or merges
        "TIANJI_DATA_DIR": str(tmp_path / "var"),
        "PYTHONPATH": str(ROOT),
    }
    ingest = [sys.executable, "-m", "tianji.cli.main", "ingest", str(small_world), "--no-progress"]
    primary_reads = ReadLoop(
        FalkorStore.from_sentinel(uri, settings=cluster_settings(directory, graph_failover_wait_s=0)),
        stale_ok=False,
    )
    stale_reads = ReadLoop(FalkorStore.from_sentinel(uri, settings=settings), stale_ok=True)
    threads = [threading.Thread(target=loop.run, daemon=True) for loop in (primary_reads, stale_reads)]
    try:
        loader = subprocess.Popen(
            [*ingest, "--chunk-rows", "100"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            cwd=tmp_path,
        )
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:  # some declaration batches acknowledged, more to come
            if sum(1 for x in _journal(tmp_path / "var") if x["source"] == "declarations.csv") >= 3:
                break
            time.sleep(0.05)
        else:
            raise AssertionError(loader.communicate()[0].decode())
        killed = cluster.primary()
        killed_at = time.monotonic()
        cluster.kill(killed)
        dead_at = time.monotonic()  # a read in flight at the kill may still end with an answer before this
        output = loader.communicate(timeout=600)[0].decode()
        first_run_ok = loader.returncode == 0
        recovered = time.monotonic() + 30
        while primary_reads.first_answer_after(dead_at) is None and time.monotonic() < recovered:
            time.sleep(0.1)
        for loop in (primary_reads, stale_reads):
            loop.done.set()
        for thread in threads:
            thread.join(timeout=30)
        answered = primary_reads.first_answer_after(dead_at)
        assert answered is not None, "the new primary never answered"
        window = answered - killed_at
        assert cluster.primary() != killed

        # every batch the first run saw acknowledged is on the new primary, whole
        store = FalkorStore.from_sentinel(uri, settings=settings)
        batches = [x for x in _journal(tmp_path / "var") if x["source"] == "declarations.csv"]
        lost, low = 0, 1
        for batch in batches:
            high = int(str(batch["through_line"]))
            if _declarations_between(store, low, high) != _declarations_between(world_store, low, high):
                lost += 1
            low = high

        rerun = subprocess.run(ingest, env=env, capture_output=True, cwd=tmp_path, timeout=600)
        assert rerun.returncode == 0, rerun.stdout.decode() + rerun.stderr.decode()
        after = store.stats()
        duplicated = {
            label: n
            - int(store.query(f"MATCH (n:{store.label(label)}) RETURN count(DISTINCT n.id) AS c")[0]["c"])
            for label, n in after["labels"].items()
            if n
        }
        store.close()
        cluster.start()  # the killed member comes back as a replica of the new primary
        rejoined = next(m for m in cluster.status()["members"] if m["name"] == killed.name)
        assert (rejoined["role"], rejoined["link"]) == ("replica", "up")
        figures = {
            "ingest": "bulk creates" if bulk else "merges",
            "failover_window_s": round(window, 2),
            "primary_read_errors": len(primary_reads.errors()),
            "primary_reads": len(primary_reads.results),
            "stale_read_errors": len(stale_reads.errors()),
            "stale_reads": len(stale_reads.results),
            "acknowledged_batches": len(batches),
            "acknowledged_batches_lost": lost,
            "first_run_completed_through_failover": first_run_ok,
            "duplicated_nodes": sum(duplicated.values()),
            "counts_equal_clean_load": after == clean,
        }
        print("\nfailover figures: " + json.dumps(figures))
        assert lost == 0
        assert all(
            killed_at <= t <= answered for t in primary_reads.errors()
        )  # errors only inside the window
        assert all(killed_at <= t <= answered + 1 for t in stale_reads.errors())
        assert sum(duplicated.values()) == 0
        assert after == clean
        assert window <= WINDOW_GOAL_S, figures
        # merges are retried through the failover, so that run carries on; a bulk create cut off is never
        # repeated, so that run may stop there (unacknowledged), and the re-run completes it
        assert first_run_ok or (bulk and "the graph stopped answering" in output), output[-2000:]
    finally:
        for loop in (primary_reads, stale_reads):
            loop.done.set()
        for thread in threads:
            if thread.is_alive():
                thread.join(timeout=30)
        primary_reads.store.close()
        stale_reads.store.close()
        cluster.stop()
