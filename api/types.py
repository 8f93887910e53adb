"""GraphQL types generated from the ontology: one object type per label, all implementing ``Node``.

The ontology is the one source of truth: a label's GraphQL type has exactly its properties (typed),
so a change to ``ontology/schema`` changes the schema, and the exported SDL test notices.
"""

from __future__ import annotations

import base64
from typing import Any, Generic, TypeVar

import strawberry
from strawberry.scalars import JSON

from ontology import NodeType, get_ontology

SCALARS: dict[str, Any] = {
    "int": int,
    "float": float,
    "bool": bool,
    "string[]": list[str],
    "float[]": list[float],
}


@strawberry.interface(
    description="Any node of the graph: a subject, an event, evidence or an analytic result."
)
class Node:
    id: strawberry.ID = strawberry.field(description="key of the node within its label")
    label: str = strawberry.field(description="the node's label in the ontology")
    caption: str | None = strawberry.field(description="what to show for it (its name, number…)")
    properties: JSON = strawberry.field(description="every stored property, as a JSON object")

    @strawberry.field(description="This node's relations (batched across the request with a DataLoader).")
    async def relations(
        self, info: strawberry.Info, types: list[str] | None = None, first: int = 20
    ) -> Subgraph:
        from api.graphql.entities import need, relations_loader

        ctx = need(info, "read")
        return await relations_loader(ctx, self.label, tuple(types or ()), first).load(str(self.id))  # type: ignore[no-any-return]


def _python_name(name: str) -> str:
    return name if name not in ("id", "label", "caption", "properties") else f"{name}_"


def make_type(node: NodeType) -> type:
    annotations: dict[str, Any] = {}
    namespace: dict[str, Any] = {"__doc__": node.description}
    for prop in node.properties.values():
        if prop.name in ("id",):
            continue
        py = SCALARS.get(prop.type.name, str)
        annotations[_python_name(prop.name)] = py | None
        namespace[_python_name(prop.name)] = strawberry.field(
            default=None, description=prop.description or None
        )
    namespace["__annotations__"] = annotations
    cls = type(node.label, (Node,), namespace)
    return strawberry.type(cls, description=f"{node.name_zh} {node.description}".strip())


NODE_TYPES: dict[str, type] = {label: make_type(spec) for label, spec in sorted(get_ontology().nodes.items())}


def to_node(node: dict[str, Any]) -> Node:
    """A store node (plain dict) as the GraphQL object of its label."""
    label = node["labels"][0]
    spec = get_ontology().node(label)
    props = node["properties"]
    kwargs = {_python_name(k): v for k, v in props.items() if k in spec.properties and k != "id"}
    caption = props.get(spec.caption)
    return NODE_TYPES[label](
        id=node["id"],
        label=label,
        caption=None if caption is None else str(caption),
        properties=props,
        **kwargs,
    )


@strawberry.type(description="A relationship between two nodes, with its provenance properties.")
class Edge:
    id: strawberry.ID
    type: str
    source: strawberry.ID = strawberry.field(description="id of the start node")
    source_label: str
    target: strawberry.ID = strawberry.field(description="id of the end node")
    target_label: str
    properties: JSON


@strawberry.type(description="Nodes and edges around one or more subjects, with a notice when a cap was hit.")
class Subgraph:
    nodes: list[Node]
    edges: list[Edge]
    truncated: bool
    notice: str | None


@strawberry.type
class PageInfo:
    has_next_page: bool
    end_cursor: str | None


T = TypeVar("T")


@strawberry.type
class Connection(Generic[T]):
    """A Relay-style page: ``edges { cursor node }`` and ``pageInfo``; ask for the next page with ``after``."""

    edges: list[ConnectionEdge[T]]
    page_info: PageInfo
    total_count: int | None = None


@strawberry.type
class ConnectionEdge(Generic[T]):
    cursor: str
    node: T


def encode_cursor(offset: int) -> str:
    return base64.b64encode(f"o:{offset}".encode()).decode()


def decode_cursor(cursor: str | None) -> int:
    if not cursor:
        return 0
    try:
        text = base64.b64decode(cursor.encode()).decode()
        if not text.startswith("o:"):
            raise ValueError
        return int(text[2:]) + 1
    except ValueError:
        from api.errors import InvalidInput

        raise InvalidInput(
            f"cursor {cursor!r} is not one this API issued; pass an endCursor back unchanged"
        ) from None


def page(
    items: list[T], first: int, offset: int, *, has_more: bool, total: int | None = None
) -> Connection[T]:
    edges = [
        ConnectionEdge(cursor=encode_cursor(offset + i), node=item) for i, item in enumerate(items[:first])
    ]
    return Connection(
        edges=edges,
        page_info=PageInfo(has_next_page=has_more, end_cursor=edges[-1].cursor if edges else None),
        total_count=total,
    )
