"""The loader: source files → validated rows → batched, idempotent upserts, bad rows to quarantine.

Each row is turned into nodes and relationships by its mapping; every value is cleaned by the
ontology's value type. A row with a missing key, a value that does not clean, or a reference to a
node that does not exist is quarantined with its reason and line, and the rest loads. Writes are
``MERGE`` on ids, so re-running a file (after a crash, or by mistake) changes nothing. After each
batch is acknowledged by the database its last line is appended to the run's journal.
"""

from __future__ import annotations

import json
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from graph.store import GraphStore
from ingest.mapping import EndpointMapping, Mapping, NodeMapping, ValueSpec, load_mappings
from ingest.quarantine import Quarantine
from ingest.readers import BadRow, SourceError, SourceRow, read_rows
from ingest.scope import EVERY_UNIT, UnitScope
from ontology.text import search_text
from tianji.core.clock import graph_now, utc_now
from tianji.core.settings import Settings


class RowError(ValueError):
    """Why one row cannot load."""


def memoised(clean: Callable[[Any], Any], limit: int = 200_000) -> Callable[[Any], Any]:
    """A value type's ``clean`` with a bounded memo: source columns repeat (ports, dates, codes, parties)."""
    cache: dict[Any, Any] = {}

    def cached(value: Any) -> Any:
        try:
            return cache[value]
        except KeyError:
            pass
        except TypeError:  # unhashable
            return clean(value)
        result = clean(value)  # a ValueError propagates and is not remembered
        if len(cache) >= limit:
            cache.clear()
        cache[value] = result
        return result

    return cached


@dataclass
class FileSummary:
    source: str
    read: int = 0
    loaded: int = 0
    quarantined: int = 0
    nodes: dict[str, int] = field(default_factory=dict)
    relationships: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    validate_seconds: float = 0.0  # parsing and validation
    write_seconds: float = 0.0  # waiting on the database (overlaps validation of the next batch)


@dataclass
class RunSummary:
    run_id: str
    started_at: str
    files: list[FileSummary] = field(default_factory=list)
    quarantine_file: str = ""
    errors: list[str] = field(default_factory=list)
    denied: list[dict[str, Any]] = field(default_factory=list)  # rows refused: another unit's nodes

    @property
    def read(self) -> int:
        return sum(f.read for f in self.files)

    @property
    def loaded(self) -> int:
        return sum(f.loaded for f in self.files)

    @property
    def quarantined(self) -> int:
        return sum(f.quarantined for f in self.files)

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "read": self.read, "loaded": self.loaded, "quarantined": self.quarantined}


@dataclass
class Planned:
    """What one row becomes: nodes by label and relationships by (type, start label, end label)."""

    line: int
    nodes: list[tuple[str, str, dict[str, Any]]]
    relationships: list[tuple[str, str, str, str, str, dict[str, Any]]]


def _stamp() -> str:
    return graph_now()


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
        self._known: dict[str, set[str]] = {}
        self._id_cleaners: dict[str, Any] = {}
        self._search_props: dict[str, list[str]] = {}
        self._extractors: dict[int, Callable[[dict[str, str]], str | None]] = {}
        self._compiled: dict[int, list[tuple[str, Any, Any, bool, str]]] = {}
        self._used_columns: dict[str, set[str]] = {}

    # -- reference checks ------------------------------------------------------------------------

    def known(self, label: str) -> set[str]:
        if label not in self._known:
            rows = self.store.query(f"MATCH (n:{self.store.label(label)}) RETURN n.id AS id", read_only=True)
            self._known[label] = {r["id"] for r in rows}
        return self._known[label]

    # -- one row ---------------------------------------------------------------------------------

    def _fn(self, spec: ValueSpec) -> Callable[[dict[str, str]], str | None]:
        key = id(spec)
        fn = self._extractors.get(key)
        if fn is None:
            fn = self._extractors[key] = spec.compile(self.settings.hash_secret)
        return fn

    def _id_cleaner(self, label: str) -> Any:
        """The value type that cleans ``label``'s key column (its single ``id_from`` property), if any."""
        if label not in self._id_cleaners:
            spec = self.ontology.node(label)
            key = spec.id_from[0] if len(spec.id_from) == 1 and spec.id_from[0] != "id" else None
            self._id_cleaners[label] = memoised(spec.prop(key).clean) if key else None
        return self._id_cleaners[label]

    def _clean_id(self, label: str, raw: str, from_column: bool) -> str:
        cleaner = self._id_cleaner(label) if from_column else None
        if cleaner is None:
            return " ".join(str(raw).split())
        try:
            return str(cleaner(raw))
        except ValueError as exc:
            raise RowError(f"{label} key: {exc}") from None

    def _searchable(self, label: str) -> list[str]:
        if label not in self._search_props:
            self._search_props[label] = self.ontology.node(label).search_properties
        return self._search_props[label]

    def _compiled_node(self, node: NodeMapping) -> list[tuple[str, Any, Any, bool, str]]:
        key = id(node)
        if key not in self._compiled:
            spec = self.ontology.node(node.label)
            self._compiled[key] = [
                (
                    name,
                    vspec.compile(self.settings.hash_secret),
                    memoised(spec.prop(name).clean),
                    spec.prop(name).required,
                    ", ".join(vspec.source_columns) or name,
                )
                for name, vspec in node.properties.items()
            ]
        return self._compiled[key]

    def _used(self, mapping: Mapping) -> set[str]:
        if mapping.source not in self._used_columns:
            self._used_columns[mapping.source] = mapping.used_columns()
        return self._used_columns[mapping.source]

    def _node(self, node: NodeMapping, row: dict[str, str]) -> tuple[str, dict[str, Any]] | None:
        raw_id = self._fn(node.id)(row)
        if raw_id is None:
            if node.optional:
                return None
            raise RowError(
                f"missing key for {node.label}: column {', '.join(node.id.source_columns)} is empty"
            )
        props: dict[str, Any] = {}
        for name, extract, clean, required, columns in self._compiled_node(node):
            try:
                value = clean(extract(row))
            except ValueError as exc:
                raise RowError(f"{columns}: {exc}") from None
            if value is None and required:
                raise RowError(f"missing required {node.label}.{name} (column {columns})")
            props[name] = value
        node_id = self._clean_id(node.label, raw_id, node.id.column is not None and node.id.derive is None)
        props["id"] = node_id
        searchable = self._searchable(node.label)
        if searchable:
            props["search_text"] = search_text(*(props.get(name) for name in searchable))
        for name in self.ontology.node(node.label).id_from:
            if name != "id" and props.get(name) is None:
                props[name] = node_id
        return node_id, props

    def _endpoint(
        self, end: EndpointMapping, row: dict[str, str], own: dict[str, tuple[str, str]]
    ) -> tuple[str, str] | None:
        if end.node is not None:
            return own.get(end.node)
        assert end.id is not None
        raw = self._fn(end.id)(row)
        if raw is None:
            return None
        label = end.label
        if end.label_column:
            label = (row.get(end.label_column) or "").strip()
            if label not in end.labels:
                raise RowError(f"{end.label_column}: {label!r} is not one of {', '.join(end.labels)}")
        assert label is not None
        return label, self._clean_id(label, raw, end.id.column is not None and end.id.derive is None)

    def plan(self, mapping: Mapping, source: SourceRow) -> Planned:
        row = source.values
        own: dict[str, tuple[str, str]] = {}
        nodes = []
        for node in mapping.nodes:
            made = self._node(node, row)
            if made is not None:
                own[node.name] = (node.label, made[0])
                nodes.append((node.label, made[0], made[1]))
        if mapping.keep_unmapped and nodes:
            extra = {
                k: v for k, v in row.items() if k and k not in self._used(mapping) and v not in (None, "")
            }
            if extra:
                label, node_id, props = nodes[0]
                nodes[0] = (
                    label,
                    node_id,
                    {**props, "raw": json.dumps(extra, ensure_ascii=False, sort_keys=True)},
                )
        own_nodes = set(own.values())
        rels = []
        for rel in mapping.relationships:
            rtype = rel.type
            if rel.type_column:
                key = (row.get(rel.type_column) or "").strip()
                if key not in rel.types:
                    raise RowError(f"{rel.type_column}: {key!r} is not one of {', '.join(sorted(rel.types))}")
                rtype = rel.types[key]
            start = self._endpoint(rel.start, row, own)
            end = self._endpoint(rel.end, row, own)
            if start is None or end is None:
                if rel.optional:
                    continue
                missing = rel.start if start is None else rel.end
                cols = ", ".join(missing.id.source_columns) if missing.id else missing.node
                raise RowError(f"missing {rtype} endpoint: {cols} is empty")
            for endpoint in (start, end):
                if endpoint not in own_nodes and endpoint[1] not in self.known(endpoint[0]):
                    raise RowError(f"{rtype}: {endpoint[0]} {endpoint[1]!r} does not exist")
            props = {}
            if rel.properties:
                rspec = self.ontology.relationship(rtype)
                for name, vspec in rel.properties.items():
                    try:
                        props[name] = rspec.prop(name).clean(self._fn(vspec)(row))
                    except ValueError as exc:
                        raise RowError(f"{', '.join(vspec.source_columns)}: {exc}") from None
            rels.append((rtype, start[0], start[1], end[0], end[1], props))
        refusal = self.scope.refusal(nodes, rels)
        if refusal is not None:
            raise RowError(self.scope.refuse(mapping.source, source.line, refusal))
        return Planned(source.line, nodes, rels)

    # -- files -----------------------------------------------------------------------------------

    def _chunks(self, rows: Iterable[SourceRow | BadRow], size: int) -> Iterator[list[SourceRow | BadRow]]:
        chunk: list[SourceRow | BadRow] = []
        for row in rows:
            chunk.append(row)
            if len(chunk) >= size:
                yield chunk
                chunk = []
        if chunk:
            yield chunk

    def load_file(self, path: Path, mapping: Mapping, progress: Progress | None = None) -> FileSummary:
        """Load one file. Validation of the next batch overlaps the database's work on the current one;
        a batch's last line goes to the journal only once the database has acknowledged it."""
        started = time.perf_counter()
        summary = FileSummary(source=path.name)
        lineage = {"source": path.name, "run_id": self.run_id}
        task = progress.add_task(path.name, total=_count_lines(path)) if progress else None
        rows = read_rows(path, fmt=mapping.format, encoding=mapping.encoding, delimiter=mapping.delimiter)
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="ingest-writer") as writer:
            pending: tuple[Future[None], int, int, int] | None = None
            for chunk in self._chunks(rows, self.chunk_rows):
                tick = time.perf_counter()
                planned: list[Planned] = []
                for item in chunk:
                    if isinstance(item, BadRow):
                        self.quarantine.add(path.name, item.line, item.reason, item.raw)
                        continue
                    try:
                        planned.append(self.plan(mapping, item))
                    except RowError as exc:
                        self.quarantine.add(path.name, item.line, str(exc), item.values)
                for p in planned:  # later rows of this file may refer to nodes of earlier ones
                    for label, node_id, _ in p.nodes:
                        self.known(label).add(node_id)
                summary.validate_seconds += time.perf_counter() - tick
                if pending is not None:
                    self._acknowledge(pending, path, summary, progress, task)
                future = writer.submit(self._write, planned, lineage, summary)
                pending = (future, chunk[-1].line, len(chunk), len(planned))
            if pending is not None:
                self._acknowledge(pending, path, summary, progress, task)
        summary.quarantined = summary.read - summary.loaded
        summary.seconds = round(time.perf_counter() - started, 3)
        summary.validate_seconds = round(summary.validate_seconds, 3)
        summary.write_seconds = round(summary.write_seconds, 3)
        return summary

    def _acknowledge(
        self,
        pending: tuple[Future[None], int, int, int],
        path: Path,
        summary: FileSummary,
        progress: Progress | None,
        task: TaskID | None,
    ) -> None:
        future, last_line, read, loaded = pending
        future.result()  # re-raises a database failure: nothing after it is journaled
        summary.read += read
        summary.loaded += loaded
        with self.journal.open("a", encoding="utf-8") as journal:
            journal.write(
                json.dumps({"source": path.name, "through_line": last_line, "loaded": summary.loaded}) + "\n"
            )
        if progress is not None and task is not None:
            progress.update(task, advance=read)

    def _write(self, planned: list[Planned], lineage: dict[str, Any], summary: FileSummary) -> None:
        tick = time.perf_counter()
        # stamped when the batch is written, not when the run began: a watch scan that ran during a long
        # load has already seen everything stamped before its watermark
        lineage = {**lineage, "ingested_at": _stamp()}
        nodes: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
        for p in planned:
            for label, node_id, props in p.nodes:
                merged = nodes[label].setdefault(node_id, {"source_line": p.line})
                merged.update({k: v for k, v in props.items() if v is not None})
        for label, by_id in nodes.items():
            self.store.merge_nodes(label, list(by_id.values()), on_create=lineage)
            summary.nodes[label] = summary.nodes.get(label, 0) + len(by_id)
        rels: dict[tuple[str, str, str], dict[tuple[str, str], dict[str, Any]]] = defaultdict(dict)
        for p in planned:
            for rtype, sl, sid, el, eid, props in p.relationships:
                merged = rels[(rtype, sl, el)].setdefault((sid, eid), {"start": sid, "end": eid})
                merged.update({k: v for k, v in props.items() if v is not None})
        for (rtype, sl, el), by_pair in rels.items():
            result = self.store.merge_relationships(rtype, sl, el, list(by_pair.values()), on_create=lineage)
            if result.missing:
                raise RuntimeError(f"{rtype}: {len(result.missing)} endpoints vanished during the load")
            summary.relationships[rtype] = summary.relationships.get(rtype, 0) + len(by_pair)
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
        with _progress(self.progress) as progress:
            for path, mapping in todo:
                try:
                    run.files.append(self.load_file(path, mapping, progress))
                except SourceError as exc:
                    run.errors.append(str(exc))
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
    from ingest.mapping import load_mapping

    loader = Loader(store, settings, progress=progress)
    mappings = [load_mapping(mapping_file, store.ontology)] if mapping_file else None
    return loader.load_dir(directory, mappings)
