"""GraphQL types generated from the ontology: one object type per label, all implementing ``Node``, with
the edges and subgraphs that join them and the DataLoader behind every node's ``relations``.

The ontology is the one source of truth: a label's GraphQL type has exactly its properties (typed),
so a change to ``ontology/schema`` changes the schema, and the exported SDL test notices.
"""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry.scalars import JSON

from algorithms.visibility import Viewer
from api.graphql.access import need
from graph.search_index import SEARCH_TOKENS
from graph.store import GraphStore
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

    @classmethod
    def resolve_type(cls, obj: Any, info: Any, abstract: Any) -> str:
        """The GraphQL type of a node is its label's (``to_node`` makes it): named at once, not searched
        for among every label's type for each node of a list."""
        return str(obj.label)

    @strawberry.field(description="This node's relations (batched across the request with a DataLoader).")
    async def relations(
        self, info: strawberry.Info, types: list[str] | None = None, first: int = 20
    ) -> Subgraph:
        ctx = need(info, "read")
        return await relations_loader(ctx, self.label, tuple(types or ()), first).load(str(self.id))


def _python_name(name: str) -> str:
    return name if name not in ("id", "label", "caption", "properties") else f"{name}_"


def make_type(node: NodeType, extra: dict[str, Any] | None = None) -> type:
    """The GraphQL type of a label: its properties, typed, and the ``extra`` fields given (resolvers)."""
    annotations: dict[str, Any] = {}
    namespace: dict[str, Any] = {"__doc__": node.description, **(extra or {})}
    for prop in node.properties.values():
        if prop.name in ("id", SEARCH_TOKENS):  # tokens are the index's, not something to show
            continue
        py = SCALARS.get(prop.type.name, str)
        annotations[_python_name(prop.name)] = py | None
        namespace[_python_name(prop.name)] = strawberry.field(
            default=None, description=prop.description or None
        )
    namespace["__annotations__"] = annotations
    cls = type(node.label, (Node,), namespace)
    return strawberry.type(cls, description=f"{node.name_zh} {node.description}".strip())


#: the relationship joining officers' comments to what they are written on: each label it reaches gets a
#: ``comments`` field (which labels take comments is the ontology's say, ``ontology/schema/relationships``)
COMMENTS = "COMMENT_ON"


def _comments_field(comment_type: type, comment_label: str) -> Any:
    async def comments(self: Any, info: strawberry.Info) -> list[Any]:
        ctx = need(info, "read")
        return await comments_loader(ctx, self.label, comment_label).load(str(self.id))

    return strawberry.field(
        resolver=comments,
        graphql_type=list[comment_type],  # type: ignore[valid-type]
        description="Officers' comments on it, oldest first (batched across the request).",
    )


def _node_types() -> dict[str, type]:
    """One type per label; the comment type first, so that the types taking comments can name it."""
    onto = get_ontology()
    rel = onto.relationships.get(COMMENTS)
    commented = {end: start for start, end in rel.endpoints} if rel is not None else {}
    types: dict[str, type] = {}
    for label, spec in sorted(onto.nodes.items(), key=lambda item: (item[0] in commented, item[0])):
        by = commented.get(label)
        types[label] = make_type(spec, {"comments": _comments_field(types[by], by)} if by else None)
    return dict(sorted(types.items()))


NODE_TYPES: dict[str, type] = _node_types()


_FIELDS: dict[str, dict[str, str]] = {}  # per label: stored property -> its field's Python name


def _fields(label: str) -> dict[str, str]:
    fields = _FIELDS.get(label)
    if fields is None:
        spec = get_ontology().node(label)
        fields = _FIELDS[label] = {
            k: _python_name(k) for k in spec.properties if k not in ("id", SEARCH_TOKENS)
        }
    return fields


def to_node(node: dict[str, Any]) -> Node:
    """A store node (plain dict) as the GraphQL object of its label."""
    label = node["labels"][0]
    spec = get_ontology().node(label)
    props = node["properties"]
    if SEARCH_TOKENS in props:
        props = {k: v for k, v in props.items() if k != SEARCH_TOKENS}
    fields = _fields(label)
    kwargs = {fields[k]: v for k, v in props.items() if k in fields}
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


def to_edge(edge: dict[str, Any], by_element: dict[str, dict[str, Any]]) -> Edge:
    start, end = by_element[edge["start"]], by_element[edge["end"]]
    return Edge(
        id=strawberry.ID(edge["element_id"]),
        type=edge["type"],
        source=start["id"],
        source_label=start["labels"][0],
        target=end["id"],
        target_label=end["labels"][0],
        properties=edge["properties"],
    )


@strawberry.type(description="Nodes and edges around one or more subjects, with a notice when a cap was hit.")
class Subgraph:
    """Holds the store's nodes and edges as they came: each becomes a GraphQL object only when the query
    selects it (a client asking for the nodes' ids does not pay for the edges)."""

    truncated: bool
    notice: str | None
    elements: strawberry.Private[dict[str, dict[str, Any]]]  # store nodes by element id
    relationships: strawberry.Private[list[dict[str, Any]]]  # store edges between them

    @strawberry.field
    def nodes(self) -> list[Node]:
        return [to_node(n) for n in self.elements.values()]

    @strawberry.field
    def edges(self) -> list[Edge]:
        return [to_edge(e, self.elements) for e in self.relationships]

    @property
    def size(self) -> int:
        return len(self.elements)


def comments_loader(ctx: Any, label: str, comment_label: str) -> Any:
    """This request's loader of the comments on ``label`` nodes by key, oldest first: those the user may
    see, on nodes the user may see (a hidden node has no comments, as a missing one)."""
    store: GraphStore = ctx.store
    label, comment_label = store.label(label), store.label(comment_label)
    viewer = Viewer(store.ontology, ctx.user.unit)
    when = store.prop(comment_label, store.ontology.node(comment_label).temporal or "id")

    def fetch(keys: list[str]) -> list[list[Node]]:
        rows = store.query(
            f"UNWIND $ids AS key MATCH (c:{store.label(comment_label)})-[:{store.rtype(COMMENTS)}]->"
            f"(a:{store.label(label)} {{id: key}}) "
            f"WHERE {viewer.where_label(label, 'a')} AND {viewer.where_label(comment_label, 'c')} "
            f"RETURN key, c ORDER BY c.{when}, c.id",
            {"ids": keys, **viewer.params},
            read_only=True,
        )
        grouped: dict[str, list[Node]] = {key: [] for key in keys}
        for row in rows:
            grouped[row["key"]].append(to_node(row["c"]))
        ctx.result_size += len(rows)
        return [grouped[key] for key in keys]

    async def batch(keys: list[str]) -> list[list[Node]]:
        return await ctx.run(fetch, keys)

    return ctx.loader(f"comments:{label}", batch)


def relations_loader(ctx: Any, label: str, types: tuple[str, ...], first: int) -> Any:
    """One DataLoader per (label, types, first): all keys asked for in one request cost one query. Start
    nodes and neighbours alike are only those the user may see (a hidden start node has no relations, as a
    missing one)."""
    store: GraphStore = ctx.store
    label = store.label(label)
    checked = store.ontology.check_types(types)

    viewer = Viewer(store.ontology, ctx.user.unit)

    async def batch(keys: list[str]) -> list[Subgraph]:
        # each key's relations are cut to first + 1 inside the query (a port's declarations are never all
        # read), and the extra one says whether there were more
        rows = await ctx.run(
            store.query,
            f"UNWIND $ids AS key MATCH (a:{store.label(label)} {{id: key}}) "
            f"WHERE {viewer.where_label(label, 'a')} CALL {{ WITH a MATCH (a)-[r]-(b) "
            f"WHERE ($types = [] OR type(r) IN $types) AND {viewer.where('b')} "
            "RETURN r, b LIMIT $more } "
            "RETURN key, a, r, b",
            {"ids": keys, "types": checked, "more": first + 1, **viewer.params},
            read_only=True,
        )
        cut = iter(await ctx.run(viewer.redact, store, [row[k] for row in rows for k in ("a", "r", "b")]))
        rows = [{"key": row["key"], "a": next(cut), "r": next(cut), "b": next(cut)} for row in rows]
        grouped: dict[str, list[dict[str, Any]]] = {k: [] for k in keys}
        for row in rows:
            if len(grouped[row["key"]]) < first:
                grouped[row["key"]].append(row)
        out = []
        for key in keys:
            elements: dict[str, dict[str, Any]] = {}
            for row in grouped[key]:
                elements[row["a"]["element_id"]] = row["a"]
                elements[row["b"]["element_id"]] = row["b"]
            truncated = len([r for r in rows if r["key"] == key]) > first
            out.append(
                Subgraph(
                    elements=elements,
                    relationships=[row["r"] for row in grouped[key]],
                    truncated=truncated,
                    notice=f"showing the first {first} relations" if truncated else None,
                )
            )
        ctx.result_size += sum(s.size for s in out)
        return out

    return ctx.loader(f"relations:{label}:{','.join(checked)}:{first}", batch)
