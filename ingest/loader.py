"""The loader: source files → validated rows → batched, idempotent upserts, bad rows to quarantine.

Each row is turned into nodes and relationships by its mapping (``ingest/planner.py``); every value is
cleaned by the ontology's value type. A row with a missing key, a value that does not clean, or a
reference to a node that does not exist is quarantined with its reason and line, and the rest loads.
Writes are ``MERGE`` on ids, so re-running a file (after a crash, or by mistake) changes nothing; a first
load into an empty graph creates what it knows to be new instead (the bulk path). After each batch is
acknowledged by the database its last line is appended to the run's journal.

Planning a batch overlaps the database's work on the previous one. A big file (``ingest_worker_rows``
lines or more) is planned in a worker process, so that parsing and validation use the second core.
"""

from __future__ import annotations

import contextlib
import json
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from itertools import islice
from pathlib import Path
from typing import Any

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from graph.store import GraphStore
from ingest.columns import check_columns
from ingest.mapping import Mapping, load_mapping, load_mappings
from ingest.planner import KnownIds, Planned, RowError, RowPlanner, WriteBatch
from ingest.quarantine import Quarantine
from ingest.readers import SourceError, SourceRow, read_rows
from ingest.scope import EVERY_UNIT, UnitScope
from ingest.summary import FileSummary, RunSummary
from ingest.workers import PlanningWorker, PlanTask, chunk_sizes
from tianji.core.clock import graph_now, utc_now
from tianji.core.collector import fewer_collections
from tianji.core.settings import Settings

__all__ = ["FileSummary", "Loader", "Planned", "RowError", "RunSummary", "ingest"]

Pending = tuple[Future[None], WriteBatch]


class Loader:
    """Loads files into one store; keeps the ids it has seen so that references are checked cheaply.
    A load for a ``unit`` refuses (quarantines) rows that would change another unit's nodes."""

    def __init__(
        self,
        store: GraphStore,
        settings: Settings,
        *,
        run_id: str | None = None,
        progress: bool = True,
        chunk_rows: int = 10_000,
        unit: str = EVERY_UNIT,
    ) -> None:
        self.store = store
        self.scope = UnitScope(store, unit)
        self.settings = settings
        self.ontology = store.ontology
        self.now = graph_now()
        self.run_id = run_id or f"run-{utc_now():%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:6]}"
        self.run_dir = settings.path("ingest", self.run_id, "x").parent
        self.quarantine = Quarantine(self.run_dir / "quarantine.jsonl")
        self.journal = self.run_dir / "journal.jsonl"
        self.progress = progress
        self.chunk_rows = chunk_rows
        self.bulk = False  # set by load_dir when the graph is empty
        self.ids = KnownIds(self._graph_ids)
        self.planner = RowPlanner(
            self.ontology, self.ids, secret=settings.hash_secret, scope=self.scope, bulk=False
        )
        self.recorder: list[tuple[str, str, Any, bool]] | None = None  # benchmarks replay the writes
        self.planning: PlanningWorker | None = None  # load_dir's, for every big file it loads

    def _graph_ids(self, label: str) -> set[str]:
        rows = self.store.query(f"MATCH (n:{self.store.label(label)}) RETURN n.id AS id", read_only=True)
        return {r["id"] for r in rows}

    def known(self, label: str) -> set[str]:
        return self.ids(label)

    def plan(self, mapping: Mapping, source: SourceRow) -> Planned:
        return self.planner.plan(mapping, source)

    # -- files -----------------------------------------------------------------------------------

    def _in_worker(self, lines: int) -> bool:
        """Whether a file of ``lines`` is planned in a worker process: a big one, in a load for every unit
        (a unit's load checks the graph's owners as it plans, which needs this process's connection)."""
        return lines >= self.settings.ingest_worker_rows and self.scope.unit == EVERY_UNIT

    def _batches(self, path: Path, mapping: Mapping, lines: int) -> Iterator[tuple[WriteBatch, float]]:
        """The file's batches with the seconds spent planning each, from a worker for big files."""
        if self._in_worker(lines):
            labels = {n.label for n in mapping.nodes}
            for rel in mapping.relationships:
                labels.update(rel.start.possible_labels() + rel.end.possible_labels())
            ids = {label: self.ids(label) for label in sorted(labels)}
            task = PlanTask(
                path,
                mapping,
                self.ontology,
                ids,
                secret=self.settings.hash_secret,
                bulk=self.bulk,
                chunk_rows=self.chunk_rows,
                encode=self.store.row_encoder(),
                batch_rows=self.settings.graph_batch_size,
            )
            with contextlib.ExitStack() as own:
                worker = self.planning or own.enter_context(PlanningWorker())
                yield from worker.plan(task)
            return
        rows = read_rows(path, fmt=mapping.format, encoding=mapping.encoding, delimiter=mapping.delimiter)
        for size in chunk_sizes(self.chunk_rows):
            tick = time.perf_counter()
            chunk = list(islice(rows, size))
            if not chunk:
                return
            yield self.planner.chunk(mapping, chunk), time.perf_counter() - tick

    def load_file(self, path: Path, mapping: Mapping, progress: Progress | None = None) -> FileSummary:
        """Load one file. Planning of the next batch overlaps the database's work on the current one;
        a batch's last line goes to the journal only once the database has acknowledged it."""
        started = time.perf_counter()
        check_columns(path, mapping)  # a column the mapping names but the file lacks: refused, with its name
        summary = FileSummary(source=path.name)
        lines = _count_lines(path)
        if self._in_worker(lines):
            summary.planned_in = "worker"
        lineage = {"source": path.name, "run_id": self.run_id}
        task = progress.add_task(path.name, total=lines) if progress else None
        self.planner.bulk = self.bulk
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="ingest-writer") as writer:
            pending: Pending | None = None
            for batch, seconds in self._batches(path, mapping, lines):
                summary.validate_seconds += seconds
                for line, reason, raw in batch.refused:
                    self.quarantine.add(path.name, line, reason, raw)
                if summary.planned_in == "worker":  # the worker's ids, for later files of this run
                    for table, _ in batch.nodes:
                        self.ids(table.label).update(table.ids())
                if pending is not None:
                    self._acknowledge(pending, path, summary, progress, task)
                pending = (writer.submit(self._write, batch, lineage, summary), batch)
            if pending is not None:
                self._acknowledge(pending, path, summary, progress, task)
        summary.quarantined = summary.read - summary.loaded
        summary.seconds = round(time.perf_counter() - started, 3)
        summary.validate_seconds = round(summary.validate_seconds, 3)
        summary.write_seconds = round(summary.write_seconds, 3)
        return summary

    def _acknowledge(
        self,
        pending: Pending,
        path: Path,
        summary: FileSummary,
        progress: Progress | None,
        task: TaskID | None,
    ) -> None:
        future, batch = pending
        future.result()  # re-raises a database failure: nothing after it is journaled
        summary.read += batch.read
        summary.loaded += batch.loaded
        with self.journal.open("a", encoding="utf-8") as journal:
            record = {"source": path.name, "through_line": batch.last_line, "loaded": summary.loaded}
            journal.write(json.dumps(record) + "\n")
        if progress is not None and task is not None:
            progress.update(task, advance=batch.read)

    def _write(self, batch: WriteBatch, lineage: dict[str, Any], summary: FileSummary) -> None:
        tick = time.perf_counter()
        # stamped when the batch is written, not when the run began: a watch scan that ran during a long
        # load has already seen everything stamped before its watermark
        lineage = {**lineage, "ingested_at": graph_now()}
        for table, create in batch.nodes:
            self.store.write_nodes(table, on_create=lineage, create=create)
            summary.nodes[table.label] = summary.nodes.get(table.label, 0) + len(table)
            if self.recorder is not None:
                self.recorder.append((lineage["source"], "nodes", table, create))
        for rels, create in batch.relationships:
            result = self.store.write_relationships(rels, on_create=lineage, create=create)
            if result.missing:
                raise RuntimeError(f"{rels.type}: {len(result.missing)} endpoints vanished during the load")
            summary.relationships[rels.type] = summary.relationships.get(rels.type, 0) + len(rels)
            if self.recorder is not None:
                self.recorder.append((lineage["source"], "relationships", rels, create))
        summary.write_seconds += time.perf_counter() - tick

    def load_dir(self, directory: Path, mappings: list[Mapping] | None = None) -> RunSummary:
        """Load every file of ``directory`` that a mapping names, in the mappings' order."""
        if not directory.is_dir():
            raise SourceError(f"{directory} is not a directory")
        mappings = mappings if mappings is not None else load_mappings(ontology=self.ontology)
        run = RunSummary(run_id=self.run_id, started_at=self.now, quarantine_file=str(self.quarantine.path))
        todo = [(directory / m.source, m) for m in mappings if (directory / m.source).exists()]
        if not todo:
            raise SourceError(
                f"{directory} holds none of the files the mappings name "
                f"({', '.join(m.source for m in mappings)})"
            )
        self.bulk = run.bulk = self.settings.ingest_bulk and self.store.is_empty()
        with _progress(self.progress) as progress, fewer_collections(), PlanningWorker() as planning:
            if any(self._in_worker(_count_lines(path)) for path, _ in todo):
                planning.start()  # while the small files load, so the first big one need not wait for it
            self.planning = planning
            try:
                for path, mapping in todo:
                    try:
                        run.files.append(self.load_file(path, mapping, progress))
                    except SourceError as exc:
                        run.errors.append(str(exc))
            finally:
                self.planning = None
        self.quarantine.close()
        self.store.compact()  # a bulk load's log is replayed after a crash: keep it short
        run.denied = self.scope.denied
        (self.run_dir / "summary.json").write_text(json.dumps(run.as_dict(), indent=2, ensure_ascii=False))
        return run


def _count_lines(path: Path) -> int:
    try:
        with path.open("rb") as handle:
            return max(sum(block.count(b"\n") for block in iter(lambda: handle.read(1 << 20), b"")) - 1, 0)
    except OSError:
        return 0


class _NoProgress:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


def _progress(enabled: bool) -> Any:
    if not enabled:
        return _NoProgress()
    return Progress(
        TextColumn("{task.description:<22}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        transient=False,
    )


def ingest(
    store: GraphStore,
    settings: Settings,
    directory: Path,
    *,
    mapping_file: Path | None = None,
    progress: bool = True,
) -> RunSummary:
    """Load a directory (or, with ``mapping_file``, just that mapping's file) into the store."""
    loader = Loader(store, settings, progress=progress)
    mappings = [load_mapping(mapping_file, store.ontology)] if mapping_file else None
    return loader.load_dir(directory, mappings)
