"""Property values cleaned where they are written, as the loader cleans them where they are read.

Every value a generic write sends goes through its property's value type (``ontology/types.py``):
a value the type refuses raises ``OntologyError`` naming the label or type, the property, the value
and the reason; a value it accepts is stored in its clean form (ISO dates, upper-case codes, …).
Cleaning an already clean value returns it unchanged, so rows from the loader pass through at the
cost of a memo lookup for the types whose cleaning is dear (dates, codes with check digits).
"""

from __future__ import annotations

from collections.abc import Callable, Container, Mapping, Sequence
from typing import Any

from graph.records import NodeTable, RelationshipTable
from ontology import Ontology, OntologyError
from ontology.model import Property
from ontology.types import BoolType, FloatType, IntType, StringType, TextType

#: types cheaper to clean again than to look up
_CHEAP = (StringType, TextType, IntType, FloatType, BoolType)
MEMO_LIMIT = 100_000

Cleaner = Callable[[Any], Any]


def memoised(clean: Cleaner) -> Cleaner:
    cache: dict[tuple[type, Any], Any] = {}

    def cached(value: Any) -> Any:
        key = (type(value), value)
        try:
            return cache[key]
        except KeyError:
            pass
        except TypeError:  # unhashable (lists)
            return clean(value)
        result = clean(value)  # a refusal propagates and is not remembered
        if len(cache) >= MEMO_LIMIT:
            cache.clear()
        cache[key] = result
        return result

    return cached


class ValueCleaner:
    """Cleans the properties of one ontology's labels and relationship types."""

    def __init__(self, ontology: Ontology) -> None:
        self.ontology = ontology
        self._cleaners: dict[tuple[str, str], Cleaner] = {}

    def _properties(self, owner: str) -> Mapping[str, Property]:
        spec = self.ontology.nodes.get(owner) or self.ontology.relationships.get(owner)
        if spec is None:
            raise OntologyError(f"unknown label or relationship type {owner!r}")
        return spec.properties

    def _cleaner(self, owner: str, name: str, properties: Mapping[str, Property]) -> Cleaner:
        key = (owner, name)
        cleaner = self._cleaners.get(key)
        if cleaner is None:
            prop = properties.get(name)
            if prop is None:
                raise OntologyError(
                    f"{owner} has no property {name!r}; it has: {', '.join(sorted(properties))}"
                )
            clean = prop.type.clean
            cleaner = self._cleaners[key] = clean if isinstance(prop.type, _CHEAP) else memoised(clean)
        return cleaner

    def clean(self, owner: str, props: Mapping[str, Any]) -> dict[str, Any]:
        """The clean properties of one row; ``None`` (or a value that cleans to nothing) is left out."""
        names, rows = self.table(owner, [props])
        return dict(zip(names, rows[0], strict=True)) if names else {}

    def table(
        self, owner: str, rows: Sequence[Mapping[str, Any]], *, skip: Container[str] = ()
    ) -> tuple[list[str], list[list[Any]]]:
        """The rows as columns cleaned one property at a time: the property names that hold a value in
        some row (sorted) and, per row, its clean value of each (``None`` where it has none). Names in
        ``skip`` are left out (a node's key, a relationship's endpoints: the caller handles them)."""
        properties = self._properties(owner)
        names = sorted({name for row in rows for name in row if name not in skip})
        kept: list[str] = []
        columns: list[list[Any]] = []
        for name in names:
            clean = self._cleaner(owner, name, properties)
            try:
                column = [None if (v := row.get(name)) is None else clean(v) for row in rows]
            except ValueError:
                column = [self._one(owner, name, clean, row.get(name)) for row in rows]
            if any(v is not None for v in column):
                kept.append(name)
                columns.append(column)
        if not kept:
            return [], [[] for _ in rows]
        return kept, [list(values) for values in zip(*columns, strict=True)]

    def _one(self, owner: str, name: str, clean: Cleaner, value: Any) -> Any:
        if value is None:
            return None
        try:
            return clean(value)
        except ValueError as exc:
            kind = self._properties(owner)[name].type.name
            raise OntologyError(f"{owner}.{name} refuses {value!r} (a {kind}): {exc}") from None

    def node_table(self, label: str, rows: Sequence[Mapping[str, Any]]) -> NodeTable:
        """Plain node rows ``{"id": ..., **properties}`` as a clean ``NodeTable``."""
        for row in rows:
            if not row.get("id"):
                raise OntologyError(f"{label} row without id: {row!r}")
        names, values = self.table(label, rows, skip=("id",))
        return NodeTable(
            label, names, [[str(row["id"]), *clean] for row, clean in zip(rows, values, strict=True)]
        )

    def relationship_table(
        self, rtype: str, start_label: str, end_label: str, rows: Sequence[Mapping[str, Any]]
    ) -> RelationshipTable:
        """Plain relationship rows ``{"start": id, "end": id, **properties}`` as a clean table."""
        names, values = self.table(rtype, rows, skip=("start", "end"))
        return RelationshipTable(
            rtype,
            start_label,
            end_label,
            names,
            [[str(row["start"]), str(row["end"]), *clean] for row, clean in zip(rows, values, strict=True)],
        )
