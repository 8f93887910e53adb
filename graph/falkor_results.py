"""FalkorDB's compact result sets read straight into plain values (``to_plain``'s dicts for nodes and
edges), in one pass.

The client's ``QueryResult`` builds a ``Node`` or ``Edge`` object per entity through a call per value, and
``to_plain`` then walks them again; on a 2-hop neighbourhood of 200 nodes that was most of the Python time
of a request. This reader keeps the client's semantics: the same errors (a schema version mismatch raises
``SchemaVersionMismatchException``, so the caller refreshes and repeats), the schema's names refreshed
when an id is new, and every value type it does not read itself (paths, maps, points, vectors, temporal
values) handed to the client's own parser.
"""

from __future__ import annotations

from typing import Any

from falkordb import Graph
from falkordb.exceptions import SchemaVersionMismatchException
from falkordb.query_result import parse_scalar
from redis.exceptions import ResponseError

from graph.falkor_values import to_plain

NULL, STRING, INTEGER, BOOLEAN, DOUBLE, ARRAY, EDGE, NODE = 1, 2, 3, 4, 5, 6, 7, 8


def _check(response: list[Any]) -> None:
    """Raise what the server answered instead of a result, as the client's ``QueryResult`` does."""
    if isinstance(response[0], ResponseError):
        if str(response[0]) == "version mismatch":
            raise SchemaVersionMismatchException(response[1])
        raise response[0]
    if isinstance(response[-1], ResponseError):
        raise response[-1]


class _Names:
    """The graph's label, relationship type and property names by id, refreshed once an id is new."""

    def __init__(self, graph: Graph) -> None:
        self.schema = graph.schema

    def prop(self, idx: int) -> str:
        return str(self.schema.get_property(idx))

    def label(self, idx: int) -> str:
        return str(self.schema.get_label(idx))

    def relation(self, idx: int) -> str:
        return str(self.schema.get_relation(idx))


def plain_result(graph: Graph, response: list[Any]) -> tuple[list[str], list[list[Any]]]:
    """The column names and rows of a ``--compact`` answer, every value plain."""
    _check(response)
    if len(response) == 1:  # statistics only: a write that returns nothing
        return [], []
    names = [h[1] if isinstance(h, list | tuple) else h for h in response[0]]
    names = [n.decode() if isinstance(n, bytes) else str(n) for n in names]
    if not names:
        return names, []
    schema = _Names(graph)
    props: list[str] = list(schema.schema.properties)

    def prop(idx: int) -> str:
        nonlocal props
        if idx < len(props):
            return props[idx]
        name = schema.prop(idx)  # refreshes the schema's names
        props = list(schema.schema.properties)
        return name

    def properties(raw: list[Any]) -> dict[str, Any]:
        found = {}
        for idx, kind, cell in raw:
            name = props[idx] if idx < len(props) else prop(idx)
            found[name] = cell if kind == STRING and cell.__class__ is str else value(kind, cell)
        return found

    def value(kind: int, raw: Any) -> Any:
        if kind == STRING:
            return raw.decode() if isinstance(raw, bytes) else raw if isinstance(raw, str) else str(raw)
        if kind == INTEGER:
            return int(raw)
        if kind == NULL:
            return None
        if kind == DOUBLE:
            return float(raw)
        if kind == BOOLEAN:
            return (raw.decode() if isinstance(raw, bytes) else raw) == "true"
        if kind == NODE:
            props_ = properties(raw[2])
            return {
                "id": props_.get("id"),
                "element_id": str(int(raw[0])),
                "labels": [schema.label(i) for i in raw[1]],
                "properties": props_,
            }
        if kind == EDGE:
            return {
                "element_id": str(int(raw[0])),
                "type": schema.relation(raw[1]),
                "start": str(int(raw[2])),
                "end": str(int(raw[3])),
                "properties": properties(raw[4]),
            }
        if kind == ARRAY:
            return [value(cell[0], cell[1]) for cell in raw]
        return to_plain(parse_scalar([kind, raw], graph))  # paths, maps, points, vectors, time

    return names, [[value(cell[0], cell[1]) for cell in row] for row in response[1]]
