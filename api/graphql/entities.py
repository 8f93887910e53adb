"""Entities and relations: lookup by key, search, neighbourhoods, profiles, relations of a node."""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry.types import Info

from algorithms.relations import Scope, expand, profile, visible
from api.errors import InvalidInput, LimitExceeded, NotFound
from api.types import Connection, Edge, Node, Subgraph, decode_cursor, page, to_node
from graph.store import GraphStore
from ontology.text import search_key

SEARCHABLE = (
    "Enterprise",
    "Declaration",
    "Gang",
    "Person",
    "OverseasParty",
    "PartyMention",
    "Vehicle",
    "Vessel",
    "Port",
    "Case",
    "Address",
    "Phone",
)
KEYED = ("Enterprise", "Declaration", "Vehicle", "Vessel", "Person", "Port", "Case", "Gang", "Alert")


def need(info: Info, permission: str) -> Any:
    info.context.user.require(permission)
    return info.context


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


def search_nodes(
    store: GraphStore, text: str, labels: list[str], unit: str, limit: int
) -> list[dict[str, Any]]:
    key = search_key(text)
    if len(key) < 2:
        raise InvalidInput("search text needs at least two characters after normalisation")
    raw = text.strip()
    found: dict[str, tuple[int, dict[str, Any]]] = {}
    for label in map(store.label, labels):  # only ontology labels reach the Cypher below
        spec = store.ontology.node(label)
        if label in KEYED or not spec.search_properties:
            rows = store.query(
                f"MATCH (n:{label} {{id: $id}}) WHERE {visible('n')} RETURN n",
                {"id": raw.upper() if label != "Person" else raw, "unit": unit},
                read_only=True,
            )
            for row in rows:
                found[row["n"]["element_id"]] = (0, row["n"])
        if spec.search_properties:
            rows = store.query(
                f"MATCH (n:{label}) WHERE n.search_text CONTAINS $key AND {visible('n')} RETURN n "
                "ORDER BY CASE WHEN n.search_text STARTS WITH $key THEN 1 ELSE 2 END, size(n.search_text), n.id "
                "LIMIT $limit",
                {"key": key, "unit": unit, "limit": limit},
                read_only=True,
            )
            for row in rows:
                node = row["n"]
                text_ = node["properties"].get("search_text", "")
                rank = 1 if text_.startswith(key) else 2
                found.setdefault(node["element_id"], (rank, node))
    ranked = sorted(
        found.values(),
        key=lambda item: (item[0], len(item[1]["properties"].get("search_text", "")), item[1]["id"]),
    )
    return [node for _, node in ranked]


@strawberry.type(description="Behavioural and relational figures of a subject.")
class Profile:
    label: str
    id: strawberry.ID
    declaration_count: int
    total_value_usd: float
    origin_countries: list[str]
    ports: list[str]
    first_declaration: str | None
    last_declaration: str | None
    inspection_count: int
    hit_count: int
    hit_rate: float | None
    relation_counts: strawberry.scalars.JSON
    key_people: strawberry.scalars.JSON
    monthly_value: strawberry.scalars.JSON = strawberry.field(
        description="declared value per month (YYYY-MM)"
    )
    value_fluctuation: float | None = strawberry.field(
        description="coefficient of variation of monthly value"
    )
    node: Node


@strawberry.type
class Query:
    @strawberry.field(
        description="One node by label and key (USCC, entry number, plate, id…). NOT_FOUND if absent."
    )
    async def node(self, info: Info, label: str, id: strawberry.ID) -> Node:
        ctx = need(info, "read")
        label = ctx.store.label(label)
        rows = await ctx.run(
            ctx.store.query,
            f"MATCH (n:{label} {{id: $id}}) WHERE {visible('n')} RETURN n",
            {"id": str(id), "unit": ctx.user.unit},
            read_only=True,
        )
        if not rows:
            raise NotFound(f"no {label} with id {id!r}")
        ctx.result_size += 1
        return to_node(rows[0]["n"])

    @strawberry.field(
        description="Search names (Chinese or English; spacing, case, full-width and legal-suffix "
        "variants tolerated), plates, codes and entry numbers."
    )
    async def search(
        self,
        info: Info,
        text: str,
        labels: list[str] | None = None,
        first: int = 20,
        after: str | None = None,
    ) -> Connection[Node]:
        ctx = need(info, "search")
        if not 1 <= first <= 100:
            raise LimitExceeded("first must be between 1 and 100")
        wanted = ctx.store.ontology.check_labels(labels) if labels else list(SEARCHABLE)
        offset = decode_cursor(after)
        nodes = await ctx.run(search_nodes, ctx.store, text, wanted, ctx.user.unit, offset + first + 1)
        window = nodes[offset : offset + first + 1]
        ctx.result_size += len(window)
        return page([to_node(n) for n in window], first, offset, has_more=len(window) > first)

    @strawberry.field(
        description="Expand from a subject layer by layer within a scope; says when it was truncated."
    )
    async def neighbourhood(
        self,
        info: Info,
        label: str,
        id: strawberry.ID,
        depth: int = 1,
        types: list[str] | None = None,
        labels: list[str] | None = None,
        since: str | None = None,
        until: str | None = None,
        max_nodes: int | None = None,
        tags: list[str] | None = None,
        min_level: int = 0,
    ) -> Subgraph:
        ctx = need(info, "read")
        max_nodes = max_nodes or min(500, ctx.settings.api_max_nodes)
        if max_nodes > ctx.settings.api_max_nodes:
            raise LimitExceeded(f"maxNodes may be at most {ctx.settings.api_max_nodes}")
        if not 1 <= depth <= 4:
            raise LimitExceeded("depth must be between 1 and 4")
        scope = Scope(
            depth=depth,
            types=types or [],
            labels=labels or [],
            since=since,
            until=until,
            max_nodes=max_nodes,
            tags=tags or [],
            min_level=min_level,
        )
        graph = await ctx.run(expand, ctx.store, [(label, str(id))], scope, unit=ctx.user.unit)
        if not graph.nodes:
            raise NotFound(f"no {label} with id {id!r}")
        ctx.result_size += len(graph.nodes)
        return Subgraph(
            nodes=[to_node(n) for n in graph.nodes.values()],
            edges=[to_edge(e, graph.nodes) for e in graph.edges.values()],
            truncated=graph.truncated,
            notice=graph.notice or None,
        )

    @strawberry.field(description="A subject's natural, behavioural and relational attributes.")
    async def profile(self, info: Info, label: str, id: strawberry.ID) -> Profile:
        ctx = need(info, "read")
        result = await ctx.run(profile, ctx.store, label, str(id), unit=ctx.user.unit)
        if result is None:
            raise NotFound(f"no {label} with id {id!r}")
        node = await ctx.run(ctx.store.node, label, str(id))
        return Profile(
            label=result.label,
            id=strawberry.ID(result.id),
            declaration_count=result.declaration_count,
            total_value_usd=result.total_value_usd,
            origin_countries=result.origin_countries,
            ports=result.ports,
            first_declaration=result.first_declaration,
            last_declaration=result.last_declaration,
            inspection_count=result.inspection_count,
            hit_count=result.hit_count,
            hit_rate=result.hit_rate,
            relation_counts=result.relations,
            key_people=result.key_people,
            monthly_value=result.monthly_value,
            value_fluctuation=result.value_fluctuation,
            node=to_node(node),
        )

    @strawberry.field(
        description="One-hop relations of several nodes at once (batched: one query per label)."
    )
    async def relations(
        self,
        info: Info,
        label: str,
        ids: list[strawberry.ID],
        types: list[str] | None = None,
        first: int = 20,
    ) -> list[Subgraph]:
        ctx = need(info, "read")
        if len(ids) > 200:
            raise LimitExceeded("at most 200 ids per call")
        loader = relations_loader(ctx, label, tuple(types or ()), first)
        return list(await loader.load_many([str(i) for i in ids]))


def relations_loader(ctx: Any, label: str, types: tuple[str, ...], first: int) -> Any:
    """One DataLoader per (label, types, first): all keys asked for in one request cost one query."""
    store: GraphStore = ctx.store
    label = store.label(label)
    checked = store.ontology.check_types(types)

    async def batch(keys: list[str]) -> list[Subgraph]:
        rows = await ctx.run(
            store.query,
            f"UNWIND $ids AS key MATCH (a:{label} {{id: key}}) WITH a, key MATCH (a)-[r]-(b) "
            f"WHERE ($types = [] OR type(r) IN $types) AND {visible('b')} "
            "WITH key, a, collect([r, b])[..$more] AS found UNWIND found AS pair "
            "RETURN key, a, pair[0] AS r, pair[1] AS b LIMIT $cap",
            {
                "ids": keys,
                "types": checked,
                "unit": ctx.user.unit,
                "more": first + 1,
                "cap": len(keys) * (first + 1),
            },
            read_only=True,
        )
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
            edges = [to_edge(row["r"], elements) for row in grouped[key]]
            truncated = len([r for r in rows if r["key"] == key]) > first
            out.append(
                Subgraph(
                    nodes=[to_node(n) for n in elements.values()],
                    edges=edges,
                    truncated=truncated,
                    notice=f"showing the first {first} relations" if truncated else None,
                )
            )
        ctx.result_size += sum(len(s.nodes) for s in out)
        return out

    return ctx.loader(f"relations:{label}:{','.join(checked)}:{first}", batch)
