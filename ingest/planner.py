"""From one source row to what it writes: every value cleaned, every reference checked, or a reason.

``RowPlanner.plan`` turns a row into a ``Planned`` (its nodes and relationships, values cleaned by
their ontology types) or raises ``RowError``; ``RowPlanner.chunk`` plans a chunk of rows into one
``WriteBatch`` of clean tables plus the rows it refused. The planner holds the ids it knows of each
label (the graph's, read once, and those planned so far), so that a reference to a node that does not
exist is refused without a query; it needs no connection once the ids it may check are given, which is
what lets a worker process plan while the loader writes.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from graph.records import NodeTable, RelationshipTable, table_rows
from graph.search_index import add_search_columns
from graph.values import memoised
from ingest.mapping import EndpointMapping, Mapping, NodeMapping, ValueSpec
from ingest.readers import BadRow, SourceRow
from ingest.scope import UnitScope
from ontology import Ontology

Extractor = Callable[[dict[str, str]], str | None]
PlannedNode = tuple[str, str, dict[str, Any]]
PlannedRelationship = tuple[str, str, str, str, str, dict[str, Any]]


class RowError(ValueError):
    """Why one row cannot load."""


@dataclass
class Planned:
    """What one row becomes: nodes by label and relationships by (type, start label, end label)."""

    line: int
    nodes: list[PlannedNode]
    relationships: list[PlannedRelationship]


@dataclass
class WriteBatch:
    """One chunk's writes as clean tables (nodes first), each flagged ``create`` when the planner knows
    none of its rows exists yet (bulk loads), and the chunk's refused rows ``(line, reason, raw)``."""

    last_line: int = 0
    read: int = 0
    loaded: int = 0
    nodes: list[tuple[NodeTable, bool]] = field(default_factory=list)
    relationships: list[tuple[RelationshipTable, bool]] = field(default_factory=list)
    refused: list[tuple[int, str, object]] = field(default_factory=list)


class KnownIds:
    """The ids of each label the planner may refer to: read on first use (``load``), then kept up to date
    with what is planned."""

    def __init__(self, load: Callable[[str], set[str]] | None = None, ids: dict[str, set[str]] | None = None):
        self._load = load
        self.ids: dict[str, set[str]] = ids if ids is not None else {}

    def __call__(self, label: str) -> set[str]:
        known = self.ids.get(label)
        if known is None:
            if self._load is None:
                raise RuntimeError(f"the ids of {label} were not given to this planner")
            known = self.ids[label] = self._load(label)
        return known


class RowPlanner:
    """Plans rows of any mapping against one ontology. ``bulk``: the graph was empty when the load began,
    so a node id not yet planned is new and can be created rather than merged."""

    def __init__(
        self,
        ontology: Ontology,
        known: KnownIds,
        *,
        secret: str | None,
        scope: UnitScope | None = None,
        bulk: bool = False,
    ) -> None:
        self.ontology = ontology
        self.known = known
        self.secret = secret
        self.scope = scope
        self.bulk = bulk
        self._extractors: dict[int, Extractor] = {}
        self._compiled: dict[int, list[tuple[str, Extractor, Any, bool, str]]] = {}
        self._id_cleaners: dict[str, Any] = {}
        self._used_columns: dict[str, set[str]] = {}

    # -- values ----------------------------------------------------------------------------------

    def _fn(self, spec: ValueSpec) -> Extractor:
        fn = self._extractors.get(id(spec))
        if fn is None:
            fn = self._extractors[id(spec)] = spec.compile(self.secret)
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

    def _compiled_node(self, node: NodeMapping) -> list[tuple[str, Extractor, Any, bool, str]]:
        if id(node) not in self._compiled:
            spec = self.ontology.node(node.label)
            self._compiled[id(node)] = [
                (
                    name,
                    vspec.compile(self.secret),
                    memoised(spec.prop(name).clean),
                    spec.prop(name).required,
                    ", ".join(vspec.source_columns) or name,
                )
                for name, vspec in node.properties.items()
            ]
        return self._compiled[id(node)]

    def _used(self, mapping: Mapping) -> set[str]:
        if mapping.source not in self._used_columns:
            self._used_columns[mapping.source] = mapping.used_columns()
        return self._used_columns[mapping.source]

    # -- one row ---------------------------------------------------------------------------------

    def _raw(self, spec: ValueSpec, row: dict[str, str]) -> Any:
        try:
            return self._fn(spec)(row)
        except ValueError as exc:  # a conversion or the identifier's scheme refused it
            raise RowError(f"{', '.join(spec.source_columns)}: {exc}") from None

    def _node(self, node: NodeMapping, row: dict[str, str]) -> tuple[str, dict[str, Any]] | None:
        raw_id = self._raw(node.id, row)
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
        # a derived id is checked by the key's type too, unless the key property came from its own column
        id_from = self.ontology.node(node.label).id_from
        key_given = any(props.get(name) is not None for name in id_from if name != "id")
        from_column = node.id.column is not None and node.id.derive is None
        node_id = self._clean_id(node.label, raw_id, from_column or not key_given)
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
        raw = self._raw(end.id, row)
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
        nodes: list[PlannedNode] = []
        for node in mapping.nodes:
            made = self._node(node, row)
            if made is not None:
                own[node.name] = (node.label, made[0])
                nodes.append((node.label, made[0], made[1]))
        if mapping.keep_unmapped and nodes:
            used = self._used(mapping)
            extra = {k: v for k, v in row.items() if k and k not in used and v not in (None, "")}
            if extra:
                label, node_id, props = nodes[0]
                raw = json.dumps(extra, ensure_ascii=False, sort_keys=True)
                nodes[0] = (label, node_id, {**props, "raw": raw})
        own_nodes = set(own.values())
        rels: list[PlannedRelationship] = []
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
        if self.scope is not None:
            refusal = self.scope.refusal(nodes, rels)
            if refusal is not None:
                raise RowError(self.scope.refuse(mapping.source, source.line, refusal))
        return Planned(source.line, nodes, rels)

    # -- one chunk -------------------------------------------------------------------------------

    def chunk(self, mapping: Mapping, rows: Iterable[SourceRow | BadRow]) -> WriteBatch:
        """Plan a chunk of rows into one batch of writes; the ids it plans become known to later chunks."""
        batch = WriteBatch()
        planned: list[Planned] = []
        fresh: set[tuple[str, str]] = set()  # nodes no earlier row planned and the graph did not hold
        for item in rows:
            batch.read += 1
            batch.last_line = item.line
            if isinstance(item, BadRow):
                batch.refused.append((item.line, item.reason, item.raw))
                continue
            try:
                made = self.plan(mapping, item)
            except RowError as exc:
                batch.refused.append((item.line, str(exc), item.values))
                continue
            planned.append(made)
            for label, node_id, _ in made.nodes:  # later rows may refer to this row's nodes
                known = self.known(label)
                if node_id not in known:
                    known.add(node_id)
                    fresh.add((label, node_id))
        batch.loaded = len(planned)
        nodes: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
        for p in planned:
            for label, node_id, props in p.nodes:
                merged = nodes[label].setdefault(node_id, {"source_line": p.line})
                merged.update({k: v for k, v in props.items() if v is not None})
        if not self.bulk:
            fresh.clear()  # the graph may hold ids the planner was not given: merge everything
        for label, by_id in nodes.items():
            new = {i: props for i, props in by_id.items() if (label, i) in fresh}
            old = {i: props for i, props in by_id.items() if (label, i) not in fresh} if new else by_id
            for part, create in ((new, True), (old, False)):
                if part:
                    names, table = table_rows(part, 1)
                    # search text and tokens made here, in the worker for big files, not by the writer
                    batch.nodes.append(
                        (add_search_columns(self.ontology, NodeTable(label, names, table)), create)
                    )
        rels: dict[tuple[str, str, str], dict[tuple[str, str], dict[str, Any]]] = defaultdict(dict)
        for p in planned:
            for rtype, sl, sid, el, eid, props in p.relationships:
                merged = rels[(rtype, sl, el)].setdefault((sid, eid), {})
                merged.update({k: v for k, v in props.items() if v is not None})
        for (rtype, sl, el), by_pair in rels.items():
            # a relationship touching a node created by this chunk cannot exist yet
            new_pairs = {k: v for k, v in by_pair.items() if (sl, k[0]) in fresh or (el, k[1]) in fresh}
            old_pairs = {k: v for k, v in by_pair.items() if k not in new_pairs}
            for pairs, create in ((new_pairs, True), (old_pairs, False)):
                if pairs:
                    names, table = table_rows(pairs, 2)
                    batch.relationships.append((RelationshipTable(rtype, sl, el, names, table), create))
        return batch
