"""The analysis centre: gangs with key members and loops, ring search, drift events, paths and strength."""

from __future__ import annotations

import dataclasses
import json

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from algorithms import gangs, paths, rings
from algorithms import timeline as timelines
from algorithms.gang_risk import Reason
from algorithms.visibility import Viewer
from api.errors import InvalidInput, LimitExceeded, NotFound
from api.graphql.entities import need
from api.scalars import as_json
from api.types import Edge, Node, to_edge, to_node

GANG_LISTS = 500  # the most members, drift events or gangs listed for one gang or subject


@strawberry.type(description="A member of a gang with its role and centrality.")
class GangMember:
    node: Node
    role: str | None
    pagerank: float | None
    betweenness: float | None


@strawberry.type(
    description="One factor of a gang's risk (algorithms/gang_risk.yaml): what it measured, scaled to 0–1, "
    "and its contribution (weight × value); the contributions add up to the risk."
)
class GangRiskReason(Reason):
    """The scorecard's own reason (``algorithms.gang_risk.Reason``), its fields served as they are."""


@strawberry.type(description="A gang found by community detection, with provenance.")
class GangView:
    id: strawberry.ID
    size: int | None
    risk: float | None
    risk_reasons: list[GangRiskReason] = strawberry.field(
        description="The risk's reasons, the largest contribution first."
    )
    screened_at: str | None = strawberry.field(
        description="When the risk was last screened: at detection, or by rescreenGang."
    )
    algorithm: str | None
    parameters: str | None
    version: str | None
    computed_at: str | None
    status: str | None
    trade_loops: list[str]
    ownership_loops: list[str]
    members: list[GangMember]
    drift_events: list[JSON]


@strawberry.type
class RingMatch:
    gang: strawberry.ID
    exact: bool
    similarity: float
    size: int


@strawberry.type
class PathView:
    nodes: list[Node]
    types: list[str]
    edges: list[Edge] = strawberry.field(description="The relationships hop by hop, as a canvas draws them.")


@strawberry.type
class RelationStrength:
    score: float
    explanation: list[str]
    paths: list[PathView]


def path_view(path: paths.Path) -> PathView:
    by_element = {n["element_id"]: n for n in path.nodes}
    return PathView(
        nodes=[to_node(n) for n in path.nodes],
        types=path.types,
        edges=[to_edge(e, by_element) for e in path.edges],
    )


def reasons_of(stored: str | None) -> list[GangRiskReason]:
    """The reasons a gang node keeps as JSON (none for a gang written before reasons were kept)."""
    try:
        rows = json.loads(stored or "[]")
    except ValueError:
        return []
    fields = {f.name for f in dataclasses.fields(Reason)}
    return [GangRiskReason(**{k: v for k, v in r.items() if k in fields}) for r in rows if fields <= set(r)]


def _gang(store, gang_id: str, viewer: Viewer) -> GangView:  # type: ignore[no-untyped-def]
    """A gang with the members and drift events ``viewer`` may see (evidence cut to what it may see)."""
    gang = viewer.node(store, "Gang", gang_id)
    if gang is None:
        raise NotFound(f"no Gang with id {gang_id!r}")
    props = gang["properties"]
    members = store.query(
        f"MATCH (m)-[r:MEMBER_OF]->(:Gang {{id: $id}}) WHERE {viewer.where('m')} RETURN m, r "
        "ORDER BY r.pagerank DESC, m.id LIMIT $n",
        {"id": gang_id, "n": GANG_LISTS, **viewer.params},
        read_only=True,
    )
    events = store.query(
        f"MATCH (d:DriftEvent)-[:DRIFT_OF]->(:Gang {{id: $id}}) WHERE {viewer.where('d')} RETURN d "
        "ORDER BY d.detected_at DESC, d.id LIMIT $n",
        {"id": gang_id, "n": GANG_LISTS, **viewer.params},
        read_only=True,
    )
    events = [{"d": d} for d in viewer.redact(store, [e["d"] for e in events])]
    return GangView(
        id=strawberry.ID(gang_id),
        size=props.get("size"),
        risk=props.get("risk"),
        risk_reasons=reasons_of(props.get("risk_reasons")),
        screened_at=props.get("screened_at") or props.get("computed_at"),
        algorithm=props.get("algorithm"),
        parameters=props.get("parameters"),
        version=props.get("version"),
        computed_at=props.get("computed_at"),
        status=props.get("status"),
        trade_loops=list(props.get("trade_loops") or []),
        ownership_loops=list(props.get("ownership_loops") or []),
        members=[
            GangMember(
                node=to_node(m["m"]),
                role=m["r"]["properties"].get("role"),
                pagerank=m["r"]["properties"].get("pagerank"),
                betweenness=m["r"]["properties"].get("betweenness"),
            )
            for m in members
        ],
        drift_events=[e["d"]["properties"] for e in events],
    )


@strawberry.type
class Query:
    @strawberry.field(description="Active gangs, riskiest first.")
    async def gangs(self, info: Info, first: int = 50, min_risk: float = 0.0) -> list[GangView]:
        ctx = need(info, "read")
        rows = await ctx.run(
            ctx.store.query,
            "MATCH (g:Gang) WHERE g.status = 'active' AND g.risk >= $r "
            "RETURN g.id AS id ORDER BY g.risk DESC, g.id LIMIT $n",
            {"r": min_risk, "n": min(first, 500)},
            read_only=True,
        )
        return [await ctx.run(_gang, ctx.store, r["id"], ctx.viewer) for r in rows]

    @strawberry.field(description="One gang: members with roles and centrality, closed loops, drift events.")
    async def gang(self, info: Info, id: strawberry.ID) -> GangView:
        ctx = need(info, "read")
        return await ctx.run(_gang, ctx.store, str(id), ctx.viewer)

    @strawberry.field(description="Gangs of your unit's subject, if it belongs to any.")
    async def gangs_of(self, info: Info, label: str, id: strawberry.ID) -> list[strawberry.ID]:
        ctx = need(info, "read")
        rows = await ctx.run(
            ctx.store.query,
            f"MATCH (s:{ctx.store.label(label)} {{id: $id}})-[:MEMBER_OF]->(g:Gang) "
            f"WHERE {ctx.viewer.where('s')} RETURN g.id AS id ORDER BY id LIMIT $n",
            {"id": str(id), "n": GANG_LISTS, **ctx.viewer.params},
            read_only=True,
        )
        return [strawberry.ID(r["id"]) for r in rows]

    @strawberry.field(description="Ring search: other gangs built like this one (exact structure first).")
    async def similar_gangs(self, info: Info, id: strawberry.ID, first: int = 10) -> list[RingMatch]:
        ctx = need(info, "read")
        try:
            found = await ctx.run(rings.search_like, ctx.store, str(id), min(first, 50))
        except KeyError as exc:
            raise NotFound(str(exc.args[0])) from None
        return [
            RingMatch(gang=strawberry.ID(m.gang), exact=m.exact, similarity=m.similarity, size=m.size)
            for m in found
        ]

    @strawberry.field(
        description="Ring search by a drawn pattern: {enterprises: 5, shared: {Person: 1, Address: 1}, "
        "tradeLoop: true}; gangs of that structure first."
    )
    async def ring_search(
        self, info: Info, enterprises: int, shared: JSON, trade_loop: bool = False, first: int = 10
    ) -> list[RingMatch]:
        ctx = need(info, "read")
        pattern = rings.Pattern(enterprises=enterprises, shared=shared, trade_loop=trade_loop)
        found = await ctx.run(rings.search_pattern, ctx.store, pattern, min(first, 50))
        return [
            RingMatch(gang=strawberry.ID(m.gang), exact=m.exact, similarity=m.similarity, size=m.size)
            for m in found
        ]

    @strawberry.field(
        description="A subject's timeline (enterprise, person or vehicle): declarations, inspections, cases, "
        "tags, alerts and drift events, oldest first; each names its node (label, id) for the canvas."
    )
    async def timeline(self, info: Info, label: str, id: strawberry.ID, first: int = 500) -> list[JSON]:
        ctx = need(info, "read")
        label = ctx.store.ontology.check_label(label)
        try:
            events = await ctx.run(
                timelines.timeline, ctx.store, label, str(id), unit=ctx.user.unit, limit=min(first, 2000)
            )
        except ValueError as exc:
            raise InvalidInput(str(exc)) from None
        ctx.result_size += len(events)
        return [e.as_dict() for e in events]

    @strawberry.field(
        description="For canvas styling: the highest active tag level and risk level of each node "
        "(nodes given as Label|id), in one call."
    )
    async def risk_marks(self, info: Info, nodes: list[str]) -> JSON:
        ctx = need(info, "read")
        by_label: dict[str, list[str]] = {}
        for key in nodes[:2000]:
            label, _, node_id = key.partition("|")
            by_label.setdefault(ctx.store.label(label), []).append(node_id)
        marks: dict[str, dict[str, int]] = {}
        for label, ids in by_label.items():
            rows = await ctx.run(
                ctx.store.query,
                f"UNWIND $ids AS id MATCH (n:{ctx.store.label(label)} {{id: id}}) "
                f"WHERE {ctx.viewer.where('n')} OPTIONAL MATCH (n)-[h:HAS_TAG]->(t:Tag) "
                "WHERE h.ended_at IS NULL OPTIONAL MATCH (r:RiskScore)-[:SCORED]->(n) "
                "RETURN id, max(t.level) AS tag, max(r.level) AS risk",
                {"ids": ids, **ctx.viewer.params},
                read_only=True,
            )
            for row in rows:
                if row["tag"] or row["risk"]:
                    marks[f"{label}|{row['id']}"] = {
                        "tag": int(row["tag"] or 0),
                        "risk": int(row["risk"] or 0),
                    }
        return as_json(marks)

    @strawberry.field(description="Drift events (change of vest, port drift), newest first.")
    async def drift_events(self, info: Info, first: int = 50) -> list[JSON]:
        ctx = need(info, "read")
        rows = await ctx.run(
            ctx.store.query,
            f"MATCH (d:DriftEvent)-[:DRIFT_OF]->(g:Gang) WHERE {ctx.viewer.where('d')} RETURN d, g.id AS gang "
            "ORDER BY coalesce(d.occurred_on, d.detected_at) DESC LIMIT $n",
            {"n": min(first, 500), **ctx.viewer.params},
            read_only=True,
        )
        events = await ctx.redact([r["d"] for r in rows])
        return [as_json({**d["properties"], "gang": r["gang"]}) for d, r in zip(events, rows, strict=True)]

    @strawberry.field(
        description="Relation strength between two subjects, with the paths and an explanation."
    )
    async def relation_strength(
        self, info: Info, from_label: str, from_id: strawberry.ID, to_label: str, to_id: strawberry.ID
    ) -> RelationStrength:
        ctx = need(info, "read")
        result = await ctx.run(
            paths.strength,
            ctx.store,
            (ctx.store.label(from_label), str(from_id)),
            (ctx.store.label(to_label), str(to_id)),
            unit=ctx.user.unit,
        )
        return RelationStrength(
            score=result.score,
            explanation=result.explanation,
            paths=[path_view(p) for p in result.paths],
        )

    @strawberry.field(
        description="The shortest paths between two nodes (up to `first`, each at most `maxLength` hops), "
        "over the relationship types that tie subjects unless `types` names others; hubs such as ports "
        "and countries are not walked through, and only what your unit may see is."
    )
    async def paths(
        self,
        info: Info,
        from_label: str,
        from_id: strawberry.ID,
        to_label: str,
        to_id: strawberry.ID,
        first: int = 5,
        max_length: int = 6,
        types: list[str] | None = None,
    ) -> list[PathView]:
        ctx = need(info, "read")
        if not 1 <= first <= 10:
            raise LimitExceeded("first must be between 1 and 10")
        if not 1 <= max_length <= 6:
            raise LimitExceeded("maxLength must be between 1 and 6")
        chosen = [ctx.store.rtype(t) for t in types] if types else ctx.store.ontology.ties()
        a = (ctx.store.label(from_label), str(from_id))
        b = (ctx.store.label(to_label), str(to_id))
        await ctx.visible_node(*a)
        await ctx.visible_node(*b)
        found = await ctx.run(
            paths.paths_between,
            ctx.store,
            a,
            b,
            k=first,
            max_len=max_length,
            types=chosen,
            unit=ctx.user.unit,
        )
        ctx.result_size += sum(len(p.nodes) for p in found)
        return [path_view(p) for p in found]


@strawberry.type(description="A gang screened again: its risk before and now, with the new reasons.")
class GangScreening:
    previous_risk: float | None
    gang: GangView


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Screen a gang's risk again by what its members' tags, cases and inspections say now "
        "(after a tag was added or retired), without detecting gangs again."
    )
    async def rescreen_gang(self, info: Info, id: strawberry.ID) -> GangScreening:
        ctx = need(info, "rescreen")
        await ctx.visible_node("Gang", str(id))  # the gang exists and the caller sees it
        previous, _ = await ctx.run(gangs.rescreen, ctx.store, str(id))
        return GangScreening(
            previous_risk=previous, gang=await ctx.run(_gang, ctx.store, str(id), ctx.viewer)
        )
