"""Values between Python and FalkorDB: query parameters as a ``CYPHER`` header, results as plain values."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from falkordb import Edge, Node, Path
from falkordb.helpers import stringify_param_value

from graph.types import GraphError, Plain

IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def to_plain(value: Any) -> Any:
    """FalkorDB client values to plain Python: nodes, edges and paths become dicts."""
    if isinstance(value, Node):
        props = dict(value.properties)
        return {
            "id": props.get("id"),
            "element_id": str(value.id),
            "labels": list(value.labels or []),
            "properties": props,
        }
    if isinstance(value, Edge):
        src = value.src_node.id if isinstance(value.src_node, Node) else value.src_node
        dst = value.dest_node.id if isinstance(value.dest_node, Node) else value.dest_node
        return {
            "element_id": str(value.id),
            "type": value.relation,
            "start": str(src),
            "end": str(dst),
            "properties": dict(value.properties),
        }
    if isinstance(value, Path):
        return {
            "nodes": [to_plain(n) for n in value.nodes()],
            "relationships": [to_plain(e) for e in value.edges()],
        }
    if isinstance(value, list):
        return [to_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: to_plain(v) for k, v in value.items()}
    return value


class ParamText(str):
    """A parameter's value already written as ``params_header`` writes it (``param_text``): sent as is.
    The loader's planning worker encodes big tables so, where the text costs little to move between
    processes, instead of the rows, whose unpickling would hold the writer's interpreter for tens of ms."""


def param_text(value: Any) -> str:
    """The text of one parameter's value in a ``CYPHER`` header. ``Plain`` values (no maps) are JSON,
    which is much faster than the client's encoder and reads back identically, except for control
    characters (those fall back to the client's encoder)."""
    if isinstance(value, ParamText):
        return value
    if isinstance(value, Plain):
        text = json.dumps(value, ensure_ascii=False, allow_nan=False)
        if "\\u00" not in text:  # an escaped control character: FalkorDB would not unescape it
            return text
    return str(stringify_param_value(value))


def encode_rows(rows: list[list[Any]]) -> str:
    """A chunk of table rows as the text of a ``$rows`` parameter (``GraphStore.row_encoder``)."""
    return param_text(Plain(rows))


def params_header(params: Mapping[str, Any]) -> str:
    """``CYPHER a=… b=…``, each value as ``param_text`` writes it."""
    parts = []
    for key, value in params.items():
        if not IDENTIFIER.fullmatch(key):
            raise GraphError(f"parameter name {key!r} is not an identifier")
        parts.append(f"{key}={param_text(value)}")
    return "CYPHER " + " ".join(parts) + " "
