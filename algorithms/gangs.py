"""Gang analysis: communities of tied enterprises (Leiden, CPM objective), key members, closed loops,
risk screened by a scorecard over the members' tags, cases and inspections (``algorithms.gang_risk``),
and write-back as ``Gang`` nodes whose identity survives re-runs.

DESIGN.md measured why CPM and not modularity: gangs are small groups in a big graph, and modularity's
resolution limit swallows them. Weights come from ``algorithms.projection``.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import igraph as ig
import leidenalg
import networkx as nx
from pydantic import BaseModel, Field

from algorithms import gang_risk, ties
from algorithms.projection import Projection, ProjectionConfig, project
from algorithms.ties import office
from graph.store import GraphStore
from ontology import Ontology
from tianji.core.clock import graph_now

VERSION = "gangs-1.0"


class GangConfig(BaseModel):
    """Parameters of one gang detection run (recorded on every Gang node it writes)."""

    resolution: float = Field(
        0.25, gt=0, description="CPM resolution: the weight density a group must exceed"
    )
    min_size: int = Field(3, ge=2)
    min_tie_kinds: int = Field(
        2,
        ge=1,
        le=9,
        description="a gang's members are tied in at least this many ways of their own "
        "(person, address, phone, account, vehicle, trade, ownership, payments, travel)",
    )
    require_identifier: bool = Field(True, description="members share an address, phone, account or vehicle")
    require_loop: bool = Field(
        True, description="members' trade, payments or shareholdings close a loop among them"
    )
    max_size: int = Field(40, ge=3)
    seed: int = 42
    max_loop: int = Field(6, ge=2, le=6)
    projection: ProjectionConfig = Field(default_factory=ProjectionConfig)


@dataclass
class Gang:
    id: str
    members: list[str]
    pagerank: dict[str, float]
    betweenness: dict[str, float]
    articulation: set[str]
    trade_loops: list[list[str]] = field(default_factory=list)
    ownership_loops: list[list[str]] = field(default_factory=list)
    risk: float = 0.0
    controllers: list[str] = field(default_factory=list)
    risk_explained: gang_risk.GangRisk | None = None


@dataclass
class GangRun:
    gangs: list[Gang]
    timings: dict[str, float]
    config: GangConfig
    projection: Projection | None = None


def tie_kinds(projection: Projection, groups: list[list[int]]) -> list[set[str]]:
    """For each group, the kinds of tie (Person, Address, …, TRADES_WITH, PAYS) that are its own: a direct
    tie between two members, or a shared node at least half of whose sharers are members (a park's
    address or a broker's phone that a group merely sits in is not evidence about the group)."""
    group_of = {v: i for i, group in enumerate(groups) for v in group}
    holders: list[dict[str, set[int]]] = [defaultdict(set) for _ in groups]
    for (a, b), keys in projection.shared.items():
        ga = group_of.get(a)
        if ga is not None and ga == group_of.get(b):
            for key in keys:
                holders[ga][key].update((a, b))
    kinds: list[set[str]] = []
    for found in holders:
        own = {
            key.split(":", 1)[0]
            for key, members in found.items()
            if ":" not in key or 2 * len(members) >= projection.sharers.get(key, len(members))
        }
        kinds.append(own)
    return kinds


def closes_loop(projection: Projection, groups: list[list[int]], dealings: set[str]) -> list[bool]:
    """For each group, whether its members' dealings (trade, payments, shareholdings, either direction)
    close a loop: circular trade and round-tripped money are what rings do, a sale or two between
    neighbours in a park is not."""
    group_of = {v: i for i, group in enumerate(groups) for v in group}
    edges: list[list[tuple[int, int]]] = [[] for _ in groups]
    for (a, b), keys in projection.shared.items():
        ga = group_of.get(a)
        if ga is not None and ga == group_of.get(b) and keys & dealings:
            edges[ga].append((a, b))
    out = []
    for found in edges:
        vertices = {v for pair in found for v in pair}
        pieces = nx.number_connected_components(nx.Graph(found)) if found else 0
        out.append(len(found) > len(vertices) - pieces)  # more edges than a forest has
    return out


def evidence_ok(kinds: set[str], loop: bool, config: GangConfig, identifiers: set[str]) -> bool:
    """Enough independent kinds of tie, with a common identifier (people in office alone are what
    families and corporate groups share) and dealings that close a loop (shelf companies registered
    alike by one agent do not deal with one another; one sale between neighbours is not a ring)."""
    if len(kinds) < config.min_tie_kinds:
        return False
    if config.require_identifier and not kinds & identifiers:
        return False
    return loop or not config.require_loop


def communities(projection: Projection, config: GangConfig, ontology: Ontology) -> list[list[int]]:
    """Leiden (CPM) groups of the right size whose members are tied in several independent ways."""
    graph = projection.graph
    partition = leidenalg.find_partition(
        graph,
        leidenalg.CPMVertexPartition,
        weights="weight",
        resolution_parameter=config.resolution,
        seed=config.seed,
    )
    groups = [sorted(c) for c in partition if config.min_size <= len(c) <= config.max_size]
    kinds = tie_kinds(projection, groups)
    identifiers = set(ties.identifiers(ontology))
    dealings = set(ties.direct_ties(ontology)) | {t for types in ties.flows(ontology).values() for t in types}
    loops = closes_loop(projection, groups, dealings)
    return [
        g
        for g, k, loop in zip(groups, kinds, loops, strict=True)
        if evidence_ok(k, loop, config, identifiers)
    ]


def key_members(
    graph: ig.Graph, members: list[int], ids: list[str]
) -> tuple[dict[str, float], dict[str, float], set[str]]:
    sub = graph.subgraph(members)
    weights = sub.es["weight"] if sub.ecount() else None
    pagerank = sub.pagerank(weights=weights)
    betweenness = sub.betweenness(weights=[1.0 / w for w in weights] if weights else None)
    norm = max(betweenness) or 1.0
    names = [ids[m] for m in members]
    articulation = {names[v] for v in sub.articulation_points()}
    return (
        {n: round(p, 4) for n, p in zip(names, pagerank, strict=True)},
        {n: round(b / norm, 4) for n, b in zip(names, betweenness, strict=True)},
        articulation,
    )


def closed_loops(store: GraphStore, members: list[str], rel: str, max_len: int) -> list[list[str]]:
    """Directed cycles of 2..max_len enterprises among the members, over TRADES_WITH or SHAREHOLDER_OF."""
    rows = store.query(
        f"MATCH (a:Enterprise)-[:{store.rtype(rel)}]->(b:Enterprise) WHERE a.id IN $ids AND b.id IN $ids "
        "RETURN a.id AS a, b.id AS b",
        {"ids": members},
        read_only=True,
    )
    graph = nx.DiGraph([(r["a"], r["b"]) for r in rows])
    loops = []
    for cycle in nx.simple_cycles(graph, length_bound=max_len):
        if len(cycle) >= 2:
            start = cycle.index(min(cycle))
            loops.append(cycle[start:] + cycle[:start])
    return sorted(loops)


def screen(store: GraphStore, gang: Gang) -> gang_risk.GangRisk:
    """The gang's risk and its reasons from its members' tags, cases and inspections, its loops and its
    controllers (the scorecard in ``gang_risk.yaml``)."""
    return gang_risk.assess(
        gang_risk.facts(
            store,
            gang.members,
            trade_loops=len(gang.trade_loops),
            ownership_loops=len(gang.ownership_loops),
            controllers=len(gang.controllers),
        )
    )


def rescreen(store: GraphStore, gang_id: str) -> tuple[float | None, gang_risk.GangRisk]:
    """Screen a written gang again by what its members' records say now (after tags, cases or
    inspections changed), without detecting again; write the new risk and reasons and return the old
    risk with the new one."""
    rows = store.query(
        f"MATCH (g:{store.label('Gang')} {{id: $id}}) "
        f"OPTIONAL MATCH (e:{store.label('Enterprise')})-[:{store.rtype('MEMBER_OF')}]->(g) "
        f"WITH g, collect(e.id) AS members OPTIONAL MATCH (p:{store.label('Person')})-[:{store.rtype('MEMBER_OF')}]->(g) "
        "RETURN g.risk AS risk, g.trade_loops AS trade, g.ownership_loops AS own, members, "
        "count(p) AS controllers",
        {"id": gang_id},
        read_only=True,
    )
    if not rows:
        raise KeyError(gang_id)
    row = rows[0]
    risk = gang_risk.assess(
        gang_risk.facts(
            store,
            list(row["members"]),
            trade_loops=len(row["trade"] or []),
            ownership_loops=len(row["own"] or []),
            controllers=int(row["controllers"] or 0),
        )
    )
    store.merge_nodes(
        "Gang",
        [
            {
                "id": gang_id,
                "risk": risk.score,
                "risk_reasons": reasons_json(risk),
                "record_risk": risk.record,
                "screened_at": graph_now(),
            }
        ],
    )
    return row["risk"], risk


def reasons_json(risk: gang_risk.GangRisk) -> str:
    return json.dumps([r.as_dict() for r in risk.reasons], ensure_ascii=False)


def controllers(store: GraphStore, members: list[str], layers: int = 3) -> list[str]:
    """People in office in at least two member enterprises, or in office in an enterprise that holds
    at least two members through up to ``layers`` ownership layers (a controller hidden behind a
    holding company and its intermediates): they control the ring."""
    rows = store.query(
        f"MATCH (p:Person)-[:{office(store.ontology)}]->(e:Enterprise) WHERE e.id IN $ids "
        "WITH p, count(DISTINCT e) AS n WHERE n >= 2 RETURN p.id AS id",
        {"ids": members},
        read_only=True,
    )
    hidden = store.query(
        f"MATCH (p:Person)-[:{office(store.ontology)}]->(:Enterprise)-[:{ties.holding(store.ontology)}*1..{int(layers)}]->"
        "(e:Enterprise) WHERE e.id IN $ids WITH p, count(DISTINCT e) AS n WHERE n >= 2 RETURN p.id AS id",
        {"ids": members},
        read_only=True,
    )
    return sorted({r["id"] for r in rows} | {r["id"] for r in hidden})


def detect(store: GraphStore, config: GangConfig | None = None) -> GangRun:
    config = config or GangConfig()
    timings: dict[str, float] = {}
    started = time.perf_counter()
    projection = project(store, config.projection)
    timings["projection_s"] = round(time.perf_counter() - started, 3)
    started = time.perf_counter()
    groups = communities(projection, config, store.ontology)
    timings["community_s"] = round(time.perf_counter() - started, 3)
    gangs = []
    started = time.perf_counter()
    for group in groups:
        members = projection.members(group)
        pagerank, betweenness, articulation = key_members(projection.graph, group, projection.ids)
        gangs.append(Gang("", members, pagerank, betweenness, articulation))
    timings["centrality_s"] = round(time.perf_counter() - started, 3)
    started = time.perf_counter()
    for gang in gangs:
        gang.trade_loops = closed_loops(store, gang.members, "TRADES_WITH", config.max_loop)
        gang.ownership_loops = closed_loops(store, gang.members, "SHAREHOLDER_OF", config.max_loop)
        gang.controllers = controllers(store, gang.members)
        gang.risk_explained = screen(store, gang)
        gang.risk = gang.risk_explained.score
    timings["loops_s"] = round(time.perf_counter() - started, 3)
    return GangRun(gangs, timings, config, projection)


def _new_id(members: list[str]) -> str:
    return "GANG-" + hashlib.sha1("|".join(sorted(members)).encode()).hexdigest()[:10].upper()


def assign_ids(store: GraphStore, gangs: list[Gang], min_overlap: float = 0.5) -> None:
    """Keep the id of the previous gang with the largest member overlap (Jaccard ≥ min_overlap)."""
    rows = store.query(
        "MATCH (e:Enterprise)-[:MEMBER_OF]->(g:Gang) WHERE g.status = 'active' "
        "RETURN g.id AS gang, collect(e.id) AS members",
        read_only=True,
    )
    previous = {r["gang"]: set(r["members"]) for r in rows}
    taken: set[str] = set()
    for gang in sorted(gangs, key=lambda g: -len(g.members)):
        members = set(gang.members)
        best, score = None, 0.0
        for gid, old in previous.items():
            if gid in taken:
                continue
            jaccard = len(members & old) / len(members | old)
            if jaccard > score:
                best, score = gid, jaccard
        if best is not None and score >= min_overlap:
            gang.id = best
            taken.add(best)
        else:
            gang.id = _new_id(gang.members)


def write_back(store: GraphStore, run: GangRun) -> dict[str, Any]:
    """Gang nodes with provenance, MEMBER_OF with role and centrality; gangs no longer found are dissolved."""
    started = time.perf_counter()
    assign_ids(store, run.gangs)
    now = graph_now()
    params = json.dumps(run.config.model_dump(), sort_keys=True)
    live = [g.id for g in run.gangs]
    store.query(
        "MATCH (g:Gang) WHERE g.status = 'active' AND NOT g.id IN $live SET g.status = 'dissolved'",
        {"live": live},
    )
    store.query("MATCH (m)-[r:MEMBER_OF]->(g:Gang) WHERE g.id IN $live DELETE r", {"live": live})
    store.merge_nodes(
        "Gang",
        [
            {
                "id": g.id,
                "size": len(g.members),
                "risk": g.risk,
                "risk_reasons": reasons_json(g.risk_explained) if g.risk_explained else "[]",
                "record_risk": g.risk_explained.record if g.risk_explained else g.risk,
                "screened_at": now,
                "algorithm": "leiden-cpm",
                "parameters": params,
                "version": VERSION,
                "computed_at": now,
                "status": "active",
                "trade_loops": [" > ".join(loop) for loop in g.trade_loops],
                "ownership_loops": [" > ".join(loop) for loop in g.ownership_loops],
                "source": "algorithms.gangs",
            }
            for g in run.gangs
        ],
        on_create={"first_detected_at": now},
    )
    rows = []
    for g in run.gangs:
        top = max(g.pagerank.values(), default=0)
        for member in g.members:
            role = "core" if member in g.articulation or g.pagerank.get(member) == top else "member"
            rows.append(
                {
                    "start": member,
                    "end": g.id,
                    "role": role,
                    "centrality": g.betweenness.get(member, 0.0),
                    "pagerank": g.pagerank.get(member, 0.0),
                    "betweenness": g.betweenness.get(member, 0.0),
                }
            )
    store.merge_relationships("MEMBER_OF", "Enterprise", "Gang", rows)
    people = [{"start": p, "end": g.id, "role": "controller"} for g in run.gangs for p in g.controllers]
    store.merge_relationships("MEMBER_OF", "Person", "Gang", people)
    run.timings["write_back_s"] = round(time.perf_counter() - started, 3)
    return {"gangs": len(run.gangs), "members": len(rows), "controllers": len(people), **run.timings}
