"""GraphQL types shared by the modules of the schema: Relay-style pages and their cursors, and (from
``api.nodes``) the node types generated from the ontology, edges and subgraphs."""

from __future__ import annotations

import base64
from typing import Generic, TypeVar

import strawberry

from api.errors import InvalidInput
from api.nodes import NODE_TYPES, Edge, Node, Subgraph, to_edge, to_node

__all__ = [
    "NODE_TYPES",
    "Connection",
    "ConnectionEdge",
    "Edge",
    "Node",
    "PageInfo",
    "Subgraph",
    "decode_cursor",
    "encode_cursor",
    "page",
    "to_edge",
    "to_node",
]


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
