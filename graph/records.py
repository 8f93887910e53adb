"""Typed batches of writes: the rows of one label or one relationship type, values already clean.

A ``NodeTable`` or ``RelationshipTable`` is what a generic write sends to the graph: property names
checked against the ontology and, per row, the key (or endpoints) followed by one value per name, each
already cleaned by its property's value type. They are made by ``ValueCleaner.node_table`` and
``relationship_table`` (from plain rows) or by the loader's planner (which cleans every value as it reads
it), so that ``GraphStore.write_nodes`` and ``write_relationships`` send them without cleaning again.
``None`` in a row means "no value": an existing value is kept.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass
class NodeTable:
    """Nodes of one label: each row is ``[id, *values]`` in the order of ``names``."""

    label: str
    names: list[str]
    rows: list[list[Any]] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.rows)


@dataclass
class RelationshipTable:
    """Relationships of one type between two labels: each row is ``[start id, end id, *values]``."""

    type: str
    start_label: str
    end_label: str
    names: list[str]
    rows: list[list[Any]] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.rows)


def table_rows(records: Mapping[Any, dict[str, Any]], key_width: int) -> tuple[list[str], list[list[Any]]]:
    """Rows of clean properties keyed by id (or endpoint pair) as ``(names, [[*key, *values]])``:
    the names that hold a value in some row, sorted; ``None`` where a row has none."""
    names = sorted({name for props in records.values() for name, v in props.items() if v is not None})
    rows = []
    for key, props in records.items():
        head = list(key) if key_width > 1 else [key]
        rows.append(head + [props.get(name) for name in names])
    return names, rows
