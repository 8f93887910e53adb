"""Entities and relations: lookup by key, search, neighbourhoods, profiles, relations of a node."""

from __future__ import annotations

import asyncio

import strawberry
from strawberry.types import Info

from algorithms.relations import Scope, expand, profile
from algorithms.search import SearchTextTooShort, search_nodes, search_page
from api.errors import InvalidInput, LimitExceeded, NotFound
from api.graphql.access import need
from api.graphql.selection import selected
from api.nodes import Node, Subgraph, relations_loader, to_node
from api.types import Connection, decode_cursor, page

__all__ = ["Profile", "Query", "need", "relations_loader", "search_nodes"]

#: what a node or an edge answers without its properties: a neighbourhood asking for no more is read light
KEY_FIELDS_OF_NODES = {"__typename", "id", "label", "relations", "comments"}
KEY_FIELDS_OF_EDGES = {"__typename", "id", "type", "source", "sourceLabel", "target", "targetLabel"}


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
        node = await ctx.visible_node(label, str(id))
        ctx.result_size += 1
        return to_node(node)

    @strawberry.field(
        description="Nodes by their canvas keys (`Label|id`), in the order asked: those your unit may see "
        "(a key of an unknown label, a missing node or one you may not see is left out)."
    )
    async def nodes_by_key(self, info: Info, nodes: list[str]) -> list[Node]:
        ctx = need(info, "read")
        wanted = [key.split("|", 1) for key in dict.fromkeys(nodes) if "|" in key]
        known = [(label, nid) for label, nid in wanted if label in ctx.store.ontology.nodes]
        found = await asyncio.gather(
            *(ctx.nodes_loader(label).load(nid) for label, nid in known)
        )  # one query a label
        ctx.result_size += len(found)
        return [to_node(node) for node in found if node is not None]

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
        wanted = ctx.store.ontology.check_labels(labels) if labels else ctx.store.ontology.searchable_labels()
        offset = decode_cursor(after)
        try:
            found = await ctx.run(
                search_page, ctx.store, text, wanted, ctx.user.unit, offset=offset, first=first
            )
        except SearchTextTooShort as exc:
            raise InvalidInput(str(exc)) from None
        ctx.result_size += len(found.nodes)
        return page([to_node(n) for n in found.nodes], first, offset, has_more=found.has_more)

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
        graph = await ctx.run(
            expand,
            ctx.store,
            [(label, str(id))],
            scope,
            unit=ctx.user.unit,
            node_properties=not selected(info, "nodes") <= KEY_FIELDS_OF_NODES,
            edge_properties=not selected(info, "edges") <= KEY_FIELDS_OF_EDGES,
        )
        if not graph.nodes:
            raise NotFound(f"no {label} with id {id!r}")
        ctx.result_size += len(graph.nodes)
        return Subgraph(
            elements=graph.nodes,
            relationships=list(graph.edges.values()),
            truncated=graph.truncated,
            notice=graph.notice or None,
        )

    @strawberry.field(description="A subject's natural, behavioural and relational attributes.")
    async def profile(self, info: Info, label: str, id: strawberry.ID) -> Profile:
        ctx = need(info, "read")
        node = await ctx.visible_node(label, str(id))
        result = await ctx.run(profile, ctx.store, label, str(id), unit=ctx.user.unit)
        if result is None:
            raise NotFound(f"no {label} with id {id!r}")
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
