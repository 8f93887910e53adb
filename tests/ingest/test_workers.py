"""The planning worker: one process for a load's big files, tables encoded as the graph takes them, a
small first chunk, and a file left unfinished never leaking its batches into the next one."""

from __future__ import annotations

from itertools import islice
from pathlib import Path

import pytest

from graph.falkor_values import encode_rows
from ingest.mapping import Mapping, load_mappings
from ingest.readers import SourceError
from ingest.workers import PlanningWorker, PlanTask, WorkerFailed, chunk_sizes
from ontology import get_ontology
from tests.ingest.builders import tiny_world


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("world")
    tiny_world(out, declarations=60)
    return out


def task(world: Path, source: str, *, encode: bool, chunk_rows: int = 10) -> PlanTask:
    mapping: Mapping = next(m for m in load_mappings(ontology=get_ontology()) if m.source == source)
    labels = {n.label for n in mapping.nodes}
    for rel in mapping.relationships:
        labels.update(rel.start.possible_labels() + rel.end.possible_labels())
    return PlanTask(
        world / source,
        mapping,
        get_ontology(),
        {label: set() for label in labels},  # nothing known: rows that refer to others are refused
        secret=None,
        bulk=False,
        chunk_rows=chunk_rows,
        encode=encode_rows if encode else None,
        batch_rows=4,
    )


def test_chunks_start_small_and_grow_to_the_full_size() -> None:
    sizes = list(islice(chunk_sizes(10_000), 10))
    assert sizes == [1000, 1501, 2252, 3379, 5069, 7604, 10_000, 10_000, 10_000, 10_000]  # by half each time
    assert list(islice(chunk_sizes(3), 4)) == [1, 2, 3, 3]


def test_one_process_plans_the_files_of_a_load_and_encodes_their_tables(world: Path) -> None:
    with PlanningWorker() as worker:
        worker.start()
        first = worker.pid
        plain = [batch for batch, _ in worker.plan(task(world, "enterprises.csv", encode=False))]
        encoded = [batch for batch, _ in worker.plan(task(world, "enterprises.csv", encode=True))]
        assert worker.pid == first  # the same process, already started when the first file came
    assert worker.pid is None  # closed with the load
    assert [b.read for b in plain] == [b.read for b in encoded] and sum(b.read for b in plain) == 5
    for a, b in zip(plain, encoded, strict=True):
        for (table, _), (sent, _) in zip(a.nodes, b.nodes, strict=True):
            assert sent.rows == [] and sent.encoded is not None and len(sent) == len(table)
            assert sent.ids() == table.ids()
            assert sent.encoded.chunks == [
                encode_rows(table.rows[i : i + 4]) for i in range(0, len(table), 4)
            ]
        assert all(t.rows and t.encoded is None for t, _ in a.nodes + a.relationships)


def test_a_file_left_unfinished_stops_the_process_and_the_next_file_starts_clean(world: Path) -> None:
    with PlanningWorker() as worker:
        batches = worker.plan(task(world, "declarations.csv", encode=True, chunk_rows=2))
        next(batches)  # the writer failed after the first batch: the rest is never read
        batches.close()
        assert worker.pid is None
        again = [
            batch for batch, _ in worker.plan(task(world, "declarations.csv", encode=True, chunk_rows=2))
        ]
        assert sum(b.read for b in again) == 60  # the whole file again, none of the abandoned one's batches
        assert [b.last_line for b in again] == sorted({b.last_line for b in again})


def test_a_planning_failure_names_the_file(world: Path, tmp_path: Path) -> None:
    broken = task(world, "enterprises.csv", encode=True)
    broken.path = tmp_path / "missing.csv"
    with PlanningWorker() as worker, pytest.raises(SourceError, match="missing.csv"):
        list(worker.plan(broken))
    unknown = task(world, "declarations.csv", encode=True)
    unknown.ids = {}  # a planner that was not given the ids its rows refer to
    with PlanningWorker() as worker, pytest.raises(WorkerFailed, match="planning declarations.csv failed"):
        list(worker.plan(unknown))
