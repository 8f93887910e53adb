"""Typed batches of writes: the rows of one label or one relationship type, values already clean.

A ``NodeTable`` or ``RelationshipTable`` is what a generic write sends to the graph: property names
checked against the ontology and, per row, the key (or endpoints) followed by one value per name, each
already cleaned by its property's value type. They are made by ``ValueCleaner.node_table`` and
``relationship_table`` (from plain rows) or by the loader's planner (which cleans every value as it reads
it), so that ``GraphStore.write_nodes`` and ``write_relationships`` send them without cleaning again.
``None`` in a row means "no value": an existing value is kept.

A table can also travel *encoded* (``encoded``): its rows already written, chunk by chunk, as the graph
backend sends them (``GraphStore.row_encoder``). The loader's planning worker sends big tables so: a few
long strings cross between processes at almost no cost, where unpickling the rows would hold the
writer's interpreter (and so the graph, waiting for its next query) for a tenth of a second per batch.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar


@dataclass
class Encoded:
    """A table's rows as its backend sends them: ``chunks[i]`` holds ``sizes[i]`` rows; ``keys`` are the
    rows' first values (a node table's ids), for whoever must know what was written."""

    chunks: list[str]
    sizes: list[int]
    keys: list[Any]


@dataclass
class NodeTable:
    """Nodes of one label: each row is ``[id, *values]`` in the order of ``names`` (or, ``encoded``, no
    rows but their encoded chunks)."""

    label: str
    names: list[str]
    rows: list[list[Any]] = field(default_factory=list)
    encoded: Encoded | None = None

    def __len__(self) -> int:
        return len(self.rows) if self.encoded is None else sum(self.encoded.sizes)

    def ids(self) -> list[Any]:
        """The ids of the table's nodes, in order."""
        return [row[0] for row in self.rows] if self.encoded is None else self.encoded.keys


@dataclass
class RelationshipTable:
    """Relationships of one type between two labels: each row is ``[start id, end id, *values]`` (or,
    ``encoded``, no rows but their encoded chunks)."""

    type: str
    start_label: str
    end_label: str
    names: list[str]
    rows: list[list[Any]] = field(default_factory=list)
    encoded: Encoded | None = None

    def __len__(self) -> int:
        return len(self.rows) if self.encoded is None else sum(self.encoded.sizes)


Table = TypeVar("Table", NodeTable, RelationshipTable)
RowEncoder = Callable[[list[list[Any]]], str]


def encode_table(table: Table, encode: RowEncoder, batch_rows: int) -> Table:
    """``table`` with its rows encoded by ``encode`` in chunks of ``batch_rows``, and no rows."""
    if table.encoded is not None:
        return table
    chunks, sizes = [], []
    for start in range(0, len(table.rows), batch_rows):
        chunk = table.rows[start : start + batch_rows]
        chunks.append(encode(chunk))
        sizes.append(len(chunk))
    keys = [row[0] for row in table.rows] if isinstance(table, NodeTable) else []
    return dataclasses.replace(table, rows=[], encoded=Encoded(chunks, sizes, keys))


def chunks(
    table: NodeTable | RelationshipTable, batch_rows: int
) -> Iterator[tuple[list[list[Any]] | str, int]]:
    """The table's rows in the chunks it is written in, each with its number of rows: lists of
    ``batch_rows`` rows, or its encoded chunks (as they were cut)."""
    if table.encoded is not None:
        yield from zip(table.encoded.chunks, table.encoded.sizes, strict=True)
        return
    for start in range(0, len(table.rows), batch_rows):
        chunk = table.rows[start : start + batch_rows]
        yield chunk, len(chunk)


def table_rows(records: Mapping[Any, dict[str, Any]], key_width: int) -> tuple[list[str], list[list[Any]]]:
    """Rows of clean properties keyed by id (or endpoint pair) as ``(names, [[*key, *values]])``:
    the names that hold a value in some row, sorted; ``None`` where a row has none."""
    names = sorted({name for props in records.values() for name, v in props.items() if v is not None})
    rows = []
    for key, props in records.items():
        head = list(key) if key_width > 1 else [key]
        rows.append(head + [props.get(name) for name in names])
    return names, rows
