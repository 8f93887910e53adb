"""The load pipeline's fast paths give the graph the slow path gives: a worker process planning the rows,
and the bulk path (CREATE for what a first load knows to be new)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from graph.store import GraphStore
from ingest.loader import Loader
from ingest.quarantine import read_quarantine
from tests.ingest.builders import tiny_world
from tianji.core.settings import Settings

LINEAGE = {"ingested_at", "run_id"}


def snapshot(store: GraphStore) -> tuple[list[Any], list[Any]]:
    """Every node and relationship with its properties, lineage of the run left out."""
    nodes = store.query("MATCH (n) RETURN labels(n)[0] AS label, n.id AS id, properties(n) AS p")
    rels = store.query("MATCH (a)-[r]->(b) RETURN type(r) AS type, a.id AS a, b.id AS b, properties(r) AS p")

    def plain(rows: list[dict[str, Any]], key: tuple[str, ...]) -> list[Any]:
        return sorted(
            (tuple(r[k] for k in key), sorted((k, str(v)) for k, v in r["p"].items() if k not in LINEAGE))
            for r in rows
        )

    return plain(nodes, ("label", "id")), plain(rels, ("type", "a", "b"))


@pytest.fixture
def world(tmp_path: Path) -> Path:
    tiny_world(tmp_path / "world")
    with (tmp_path / "world" / "declarations.csv").open("a", encoding="utf-8") as handle:
        handle.write("bad-entry,2024-13-45,import,9999,,,,,,,,,,,,,,,,,,,\n")  # quarantined on any path
    return tmp_path / "world"


def test_a_worker_process_and_the_bulk_path_load_what_the_merge_path_loads(
    store: GraphStore, settings: Settings, world: Path
) -> None:
    slow = settings.model_copy(update={"ingest_worker_rows": 10**9, "ingest_bulk": False})
    first = Loader(store, slow, progress=False, chunk_rows=7).load_dir(world)
    expected = snapshot(store)
    assert not first.bulk and {f.planned_in for f in first.files} == {"process"}
    store.clear()
    store.apply_schema()
    fast = settings.model_copy(update={"ingest_worker_rows": 0, "ingest_bulk": True})
    second = Loader(store, fast, progress=False, chunk_rows=7).load_dir(world)
    assert second.bulk and {f.planned_in for f in second.files} == {"worker"}
    assert snapshot(store) == expected
    assert (second.read, second.loaded, second.quarantined) == (first.read, first.loaded, first.quarantined)
    assert second.quarantined >= 1
    reasons = [r["reason"] for r in read_quarantine(Path(second.quarantine_file))]
    assert reasons == [r["reason"] for r in read_quarantine(Path(first.quarantine_file))]

    # a second run finds the graph full: it merges, so nothing is duplicated
    third = Loader(store, fast, progress=False, chunk_rows=7).load_dir(world)
    assert not third.bulk
    assert snapshot(store) == expected
