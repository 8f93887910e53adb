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
from graph.values import MEMO_LIMIT, memoised
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


class Refusal:
    """Why a value of a row does not convert or clean: kept in place of the value, raised when the row is
    planned (so a row is refused for its first failing value, in the mapping's order)."""

    __slots__ = ("reason",)

    def __init__(self, reason: str) -> None:
        self.reason = reason


@dataclass(slots=True)
class _Row:
    """One row while it is planned: its values, and where it sits in the chunk's computed columns."""

    values: dict[str, str]
    columns: dict[int, list[Any]]
    at: int


def _then(extract: Extractor, clean: Callable[[Any], Any]) -> Extractor:
    return lambda row: clean(extract(row))


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
        self._compiled: dict[int, list[tuple[str, ValueSpec, bool, str]]] = {}
        self._mapping_fields: dict[int, tuple[Mapping, list[tuple[int, list[str], Extractor]]]] = {}
        self._memo: dict[int, dict[Any, Any]] = {}
        self._id_cleaners: dict[str, Any] = {}
        self._used_columns: dict[str, set[str]] = {}

    # -- values, column by column -----------------------------------------------------------------

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

    def _fields(self, mapping: Mapping) -> list[tuple[int, list[str], Extractor]]:
        """Every value the mapping reads from a row: (key, its source columns, row -> value). A property's
        value is extracted and cleaned by its type in one step; a key or endpoint id is only extracted."""
        cached = self._mapping_fields.get(id(mapping))
        if cached is not None and cached[0] is mapping:
            return cached[1]
        fields: list[tuple[int, list[str], Extractor]] = []
        for node in mapping.nodes:
            fields.append((id(node.id), node.id.source_columns, self._fn(node.id)))
            spec = self.ontology.node(node.label)
            for name, vspec in node.properties.items():
                extract, clean = self._fn(vspec), spec.prop(name).clean
                fields.append((id(vspec), vspec.source_columns, _then(extract, clean)))
        for rel in mapping.relationships:
            for end in (rel.start, rel.end):
                if end.id is None:
                    continue
                fields.append((id(end.id), end.id.source_columns, self._fn(end.id)))
                if end.label is not None and not end.label_column:  # its id cleaned once per value too
                    from_column = end.id.column is not None and end.id.derive is None
                    cleaned = self._endpoint_id(end.label, self._fn(end.id), from_column)
                    fields.append((id(end), end.id.source_columns, cleaned))
            if rel.properties and rel.type_column is None:
                rspec = self.ontology.relationship(rel.type)
                for name, vspec in rel.properties.items():
                    fields.append(
                        (id(vspec), vspec.source_columns, _then(self._fn(vspec), rspec.prop(name).clean))
                    )
        # the mapping is kept: the ids its specs key the memos by stay theirs while this planner lives
        self._mapping_fields[id(mapping)] = (mapping, fields)
        return fields

    def _endpoint_id(self, label: str, extract: Extractor, from_column: bool) -> Extractor:
        """Row -> the endpoint's clean id (None when empty); a refusal of the key's type says so."""

        def clean(row: dict[str, str]) -> Any:
            raw = extract(row)
            if raw is None:
                return None
            try:
                return self._clean_id(label, raw, from_column)
            except RowError as exc:
                return Refusal(str(exc))  # the whole message: raised as it is

        return clean

    def _columns(self, mapping: Mapping, rows: list[dict[str, str]]) -> dict[int, list[Any]]:
        """Each field's value for every row, or the ``Refusal`` of its conversion or type. A value is a pure
        function of its source columns, so each distinct combination is computed once (remembered across
        chunks, up to ``MEMO_LIMIT`` per field): most columns of an export repeat their values."""
        out: dict[int, list[Any]] = {}
        for key, columns, fn in self._fields(mapping):
            memo = self._memo.setdefault(key, {})
            if len(memo) > MEMO_LIMIT:
                memo.clear()
            if len(columns) == 1:
                column = columns[0]
                keys: list[Any] = [row.get(column) for row in rows]
            else:
                keys = [tuple(row.get(c) for c in columns) for row in rows]
            values: list[Any] = []
            for k, row in zip(keys, rows, strict=True):
                try:
                    values.append(memo[k])
                    continue
                except KeyError:
                    pass
                value: Any
                try:
                    value = fn(row)
                except ValueError as exc:  # a conversion, the identifier's scheme or the type refused it
                    value = Refusal(str(exc))
                memo[k] = value
                values.append(value)
            out[key] = values
        return out

    def _used(self, mapping: Mapping) -> set[str]:
        if mapping.source not in self._used_columns:
            self._used_columns[mapping.source] = mapping.used_columns()
        return self._used_columns[mapping.source]

    # -- one row ---------------------------------------------------------------------------------

    def _raw(self, spec: ValueSpec, row: _Row) -> Any:
        value = row.columns[id(spec)][row.at]
        if isinstance(value, Refusal):
            raise RowError(f"{', '.join(spec.source_columns)}: {value.reason}")
        return value

    def _node(self, node: NodeMapping, row: _Row) -> tuple[str, dict[str, Any]] | None:
        raw_id = self._raw(node.id, row)
        if raw_id is None:
            if node.optional:
                return None
            raise RowError(
                f"missing key for {node.label}: column {', '.join(node.id.source_columns)} is empty"
            )
        props: dict[str, Any] = {}
        for name, vspec, required, columns in self._compiled_node(node):
            value = row.columns[id(vspec)][row.at]
            if isinstance(value, Refusal):
                raise RowError(f"{columns}: {value.reason}")
            if value is None and required:
                raise RowError(f"missing required {node.label}.{name} (column {columns})")
            props[name] = value
        # a derived id is checked by the key's type too, unless the key property came from its own column
        id_from = self.ontology.node(node.label).id_from
        key_given = any(props.get(name) is not None for name in id_from if name != "id")
        from_column = node.id.column is not None and node.id.derive is None
        node_id = self._clean_id(node.label, raw_id, from_column or not key_given)
        for name in id_from:
            if name != "id" and props.get(name) is None:
                props[name] = node_id
        return node_id, props

    def _compiled_node(self, node: NodeMapping) -> list[tuple[str, ValueSpec, bool, str]]:
        if id(node) not in self._compiled:
            spec = self.ontology.node(node.label)
            self._compiled[id(node)] = [
                (name, vspec, spec.prop(name).required, ", ".join(vspec.source_columns) or name)
                for name, vspec in node.properties.items()
            ]
        return self._compiled[id(node)]

    def _endpoint(
        self, end: EndpointMapping, row: _Row, own: dict[str, tuple[str, str]]
    ) -> tuple[str, str] | None:
        if end.node is not None:
            return own.get(end.node)
        assert end.id is not None
        raw = self._raw(end.id, row)
        if raw is None:
            return None
        if end.label is not None and not end.label_column:
            clean = row.columns[id(end)][row.at]
            if isinstance(clean, Refusal):
                raise RowError(clean.reason)
            return end.label, clean
        label = end.label
        if end.label_column:
            label = (row.values.get(end.label_column) or "").strip()
            if label not in end.labels:
                raise RowError(f"{end.label_column}: {label!r} is not one of {', '.join(end.labels)}")
        assert label is not None
        return label, self._clean_id(label, raw, end.id.column is not None and end.id.derive is None)

    def plan(self, mapping: Mapping, source: SourceRow) -> Planned:
        """One row's nodes and relationships, or ``RowError`` with the first reason it cannot load."""
        return self._plan(mapping, source, _Row(source.values, self._columns(mapping, [source.values]), 0))

    def _plan(self, mapping: Mapping, source: SourceRow, row: _Row) -> Planned:
        own: dict[str, tuple[str, str]] = {}
        nodes: list[PlannedNode] = []
        for node in mapping.nodes:
            made = self._node(node, row)
            if made is not None:
                own[node.name] = (node.label, made[0])
                nodes.append((node.label, made[0], made[1]))
        if mapping.keep_unmapped and nodes:
            used = self._used(mapping)
            extra = {k: v for k, v in row.values.items() if k and k not in used and v not in (None, "")}
            if extra:
                label, node_id, props = nodes[0]
                raw = json.dumps(extra, ensure_ascii=False, sort_keys=True)
                nodes[0] = (label, node_id, {**props, "raw": raw})
        own_nodes = set(own.values())
        known = self.known
        rels: list[PlannedRelationship] = []
        for rel in mapping.relationships:
            rtype = rel.type
            if rel.type_column:
                key = (row.values.get(rel.type_column) or "").strip()
                if key not in rel.types:
                    raise RowError(f"{rel.type_column}: {key!r} is not one of {', '.join(sorted(rel.types))}")
                rtype = rel.types[key]
            start = own.get(rel.start.node) if rel.start.node else self._endpoint(rel.start, row, own)
            end = own.get(rel.end.node) if rel.end.node else self._endpoint(rel.end, row, own)
            if start is None or end is None:
                if rel.optional:
                    continue
                missing = rel.start if start is None else rel.end
                cols = ", ".join(missing.id.source_columns) if missing.id else missing.node
                raise RowError(f"missing {rtype} endpoint: {cols} is empty")
            for endpoint in (start, end):
                if endpoint not in own_nodes and endpoint[1] not in known(endpoint[0]):
                    raise RowError(f"{rtype}: {endpoint[0]} {endpoint[1]!r} does not exist")
            rel_props: dict[str, Any] = {}
            if rel.properties:
                rspec = self.ontology.relationship(rtype)
                for name, vspec in rel.properties.items():
                    if rel.type_column is None:  # computed with the chunk's columns
                        value = row.columns[id(vspec)][row.at]
                        if isinstance(value, Refusal):
                            raise RowError(f"{', '.join(vspec.source_columns)}: {value.reason}")
                        rel_props[name] = value
                        continue
                    try:  # the type, and so the property's value type, depends on the row
                        rel_props[name] = rspec.prop(name).clean(self._fn(vspec)(row.values))
                    except ValueError as exc:
                        raise RowError(f"{', '.join(vspec.source_columns)}: {exc}") from None
            rels.append((rtype, start[0], start[1], end[0], end[1], rel_props))
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
        items = list(rows)
        good = [item for item in items if not isinstance(item, BadRow)]
        columns = self._columns(mapping, [item.values for item in good])
        at = 0
        for item in items:
            batch.read += 1
            batch.last_line = item.line
            if isinstance(item, BadRow):
                batch.refused.append((item.line, item.reason, item.raw))
                continue
            row = _Row(item.values, columns, at)
            at += 1
            try:
                made = self._plan(mapping, item, row)
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
                if props:
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
