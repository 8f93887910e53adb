"""Planning a big file in a worker process, so that validation runs on one core while the loader writes.

The worker reads the file, plans it chunk by chunk with its own ``RowPlanner`` (given the ids it may
refer to), encodes its tables as the graph takes them where the store can say how (``graph.records``:
the loader then unpickles a few strings, not a hundred thousand values, while the graph waits for its
next query) and sends each ``WriteBatch`` back through a bounded queue: at most ``AHEAD`` batches wait, so
memory stays flat however big the file. A failure in the worker reaches the loader as ``WorkerFailed``
with the worker's message; a worker that dies is noticed within a second.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import queue
import time
import traceback
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any

from graph.records import RowEncoder, encode_table
from ingest.mapping import Mapping
from ingest.planner import KnownIds, RowPlanner, WriteBatch
from ingest.readers import SourceError, read_rows
from ontology import Ontology
from tianji.core.collector import fewer_collections

AHEAD = 3  # batches planned ahead of the writer
FIRST_SHARE = 10  # the first chunk is this much smaller, so the writer starts soon after the file does
GROWTH = 1.5  # each chunk after it this much bigger, up to the full size


def chunk_sizes(chunk_rows: int) -> Iterator[int]:
    """Rows per chunk as a file is planned: a small first chunk (the writer waits for it with nothing to
    do), then chunks that grow while the writer writes the one before (planning a row costs less than
    writing it), up to ``chunk_rows``."""
    size = max(1, chunk_rows // FIRST_SHARE)
    while size < chunk_rows:
        yield size
        size = int(size * GROWTH) + 1
    while True:
        yield chunk_rows


class WorkerFailed(RuntimeError):
    """The worker process that planned a file stopped with an error."""


def encode_batch(batch: WriteBatch, encode: RowEncoder, batch_rows: int) -> WriteBatch:
    """The batch with every table encoded as the graph takes it, in chunks of ``batch_rows`` rows."""
    batch.nodes = [(encode_table(table, encode, batch_rows), create) for table, create in batch.nodes]
    batch.relationships = [
        (encode_table(table, encode, batch_rows), create) for table, create in batch.relationships
    ]
    return batch


@dataclass
class PlanTask:
    """One file for the worker to plan, with everything its planner needs."""

    path: Path
    mapping: Mapping
    ontology: Ontology
    ids: dict[str, set[str]]
    secret: str | None
    bulk: bool
    chunk_rows: int
    encode: RowEncoder | None
    batch_rows: int


def _plan_file(out: Any, task: PlanTask) -> None:
    try:
        planner = RowPlanner(task.ontology, KnownIds(ids=task.ids), secret=task.secret, bulk=task.bulk)
        mapping = task.mapping
        rows = read_rows(
            task.path, fmt=mapping.format, encoding=mapping.encoding, delimiter=mapping.delimiter
        )
        with fewer_collections(freeze=True):  # the ids it was given are never garbage
            for size in chunk_sizes(task.chunk_rows):
                tick = time.process_time()
                chunk = list(islice(rows, size))
                if not chunk:
                    break
                batch = planner.chunk(mapping, chunk)
                if task.encode is not None:
                    batch = encode_batch(batch, task.encode, task.batch_rows)
                out.put(("batch", batch, time.process_time() - tick))
        out.put(("done", None, 0.0))
    except SourceError as exc:
        out.put(("source", str(exc), 0.0))
    except Exception as exc:  # reported to the loader, which raises it
        out.put(("error", f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=4)}", 0.0))


def _serve(tasks: Any, out: Any) -> None:
    """The worker process: plan each file it is given, until it is given None."""
    for task in iter(tasks.get, None):
        _plan_file(out, task)


class PlanningWorker:
    """A process that plans big files, one after another, for one load. Started before the first big
    file (``start``), it has imported everything by the time that file begins, so the writer waits only
    for the first small chunk. A file left unfinished (the writer failed) stops the process; the next
    file starts a new one."""

    def __init__(self) -> None:
        self._context = multiprocessing.get_context("spawn")  # no fork of a process holding threads
        self._process: Any = None

    @property
    def pid(self) -> int | None:
        """The process's id while it runs."""
        return self._process.pid if self._process is not None else None

    def start(self) -> None:
        if self._process is not None and self._process.is_alive():
            return
        self._tasks = self._context.Queue()
        self._out = self._context.Queue(maxsize=AHEAD)
        self._process = self._context.Process(
            target=_serve, args=(self._tasks, self._out), name="tianji-planner", daemon=True
        )
        self._process.start()

    def plan(self, task: PlanTask) -> Generator[tuple[WriteBatch, float], None, None]:
        """The file's batches as the process plans them, with the CPU seconds each took to plan (and to
        encode: with ``task.encode``, the store's ``row_encoder``, every table arrives encoded)."""
        self.start()
        self._tasks.put(task)
        finished = False
        try:
            while True:
                try:
                    kind, payload, seconds = self._out.get(timeout=1.0)
                except queue.Empty:
                    if not self._process.is_alive():
                        raise WorkerFailed(
                            f"the worker planning {task.path.name} stopped "
                            f"(exit code {self._process.exitcode})"
                        ) from None
                    continue
                if kind == "batch":
                    yield payload, seconds
                    continue
                finished = True  # the process ended the file and waits for the next one
                if kind == "done":
                    return
                if kind == "source":
                    raise SourceError(payload)
                raise WorkerFailed(f"planning {task.path.name} failed: {payload}")
        finally:
            if not finished:  # the process is still planning a file nobody reads
                self.close()

    def close(self) -> None:
        """Stop the process (at once, if it is planning)."""
        if self._process is None:
            return
        if self._process.is_alive():
            with contextlib.suppress(OSError, ValueError):  # a queue already broken: terminated below
                self._tasks.put(None)
            self._process.join(timeout=0.5)
        if self._process.is_alive():
            self._process.terminate()
        self._process.join(timeout=5)
        for channel in (self._tasks, self._out):
            channel.close()
            channel.cancel_join_thread()
        self._process = None

    def __enter__(self) -> PlanningWorker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
