"""Planning a big file in a worker process, so that validation runs on one core while the loader writes.

The worker reads the file, plans it chunk by chunk with its own ``RowPlanner`` (given the ids it may
refer to) and sends each ``WriteBatch`` back through a bounded queue: at most ``AHEAD`` batches wait, so
memory stays flat however big the file. A failure in the worker reaches the loader as ``WorkerFailed``
with the worker's message; a worker that dies is noticed within a second.
"""

from __future__ import annotations

import multiprocessing
import queue
import time
import traceback
from collections.abc import Iterator
from itertools import islice
from pathlib import Path
from typing import Any

from ingest.mapping import Mapping
from ingest.planner import KnownIds, RowPlanner, WriteBatch
from ingest.readers import SourceError, read_rows
from ontology import Ontology
from tianji.core.collector import fewer_collections

AHEAD = 3  # batches planned ahead of the writer


class WorkerFailed(RuntimeError):
    """The worker process that planned a file stopped with an error."""


def _plan_file(
    out: Any,
    path: Path,
    mapping: Mapping,
    ontology: Ontology,
    ids: dict[str, set[str]],
    secret: str | None,
    bulk: bool,
    chunk_rows: int,
) -> None:
    try:
        planner = RowPlanner(ontology, KnownIds(ids=ids), secret=secret, bulk=bulk)
        rows = read_rows(path, fmt=mapping.format, encoding=mapping.encoding, delimiter=mapping.delimiter)
        with fewer_collections(freeze=True):  # the ids it was given are never garbage
            while True:
                tick = time.process_time()
                chunk = list(islice(rows, chunk_rows))
                if not chunk:
                    break
                batch = planner.chunk(mapping, chunk)
                out.put(("batch", batch, time.process_time() - tick))
        out.put(("done", None, 0.0))
    except SourceError as exc:
        out.put(("source", str(exc), 0.0))
    except Exception as exc:  # reported to the loader, which raises it
        out.put(("error", f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=4)}", 0.0))


def planned_in_worker(
    path: Path,
    mapping: Mapping,
    ontology: Ontology,
    ids: dict[str, set[str]],
    *,
    secret: str | None,
    bulk: bool,
    chunk_rows: int,
) -> Iterator[tuple[WriteBatch, float]]:
    """The file's batches as a worker process plans them, with the CPU seconds each took to plan."""
    context = multiprocessing.get_context("spawn")  # no fork of a process holding threads and sockets
    out = context.Queue(maxsize=AHEAD)
    worker = context.Process(
        target=_plan_file,
        args=(out, path, mapping, ontology, ids, secret, bulk, chunk_rows),
        name=f"plan-{path.name}",
        daemon=True,
    )
    worker.start()
    try:
        while True:
            try:
                kind, payload, seconds = out.get(timeout=1.0)
            except queue.Empty:
                if not worker.is_alive():
                    raise WorkerFailed(
                        f"the worker planning {path.name} stopped (exit code {worker.exitcode})"
                    ) from None
                continue
            if kind == "batch":
                yield payload, seconds
            elif kind == "done":
                return
            elif kind == "source":
                raise SourceError(payload)
            else:
                raise WorkerFailed(f"planning {path.name} failed: {payload}")
    finally:
        if worker.is_alive():
            worker.terminate()
        worker.join(timeout=5)
        out.close()
