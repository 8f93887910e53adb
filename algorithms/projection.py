"""Projecting a scope of the graph into igraph: enterprises tied by what they share, weighted per kind.

Two enterprises are tied when they share a person in office, an address, a phone, a bank account or a
vehicle, when they trade or hold shares directly, or when their accounts pay each other (or their
vehicles travel together). What counts, and how much, is the ontology's: labels with a
``shared_weight`` and the office and shared ties that reach them, the ties between two enterprises
and between two shared nodes of one label, with their ``tie`` weight. A shared node's weight is
divided by how many enterprises share it (a business-park address or a broker's phone ties many and
proves little: its pairs fall far below the density a gang shows); nodes shared by more than
``max_share`` enterprises are not expanded into pairs at all. The projection keeps, for every shared
node, who shares it, so that a group can tell its own identifiers from a hub it sits in.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from itertools import combinations

import igraph as ig
from pydantic import BaseModel, Field

from algorithms.ties import alternation, direct_ties, flows, shared_ties
from graph.store import GraphStore
from ontology import Ontology, get_ontology


def default_weights(ontology: Ontology) -> dict[str, float]:
    """Shared labels at their ``shared_weight``, direct ties at their ``tie`` weight."""
    weights = {label: ontology.shared_labels()[label] for label in shared_ties(ontology)}
    weights.update({rtype: ontology.tie_weight(rtype) for rtype in direct_ties(ontology)})
    weights.update(
        {rtype: ontology.tie_weight(rtype) for types in flows(ontology).values() for rtype in types}
    )
    return weights


class ProjectionConfig(BaseModel):
    """Which ties count and how much (a shared label or a direct tie type -> weight)."""

    weights: dict[str, float] = Field(default_factory=lambda: default_weights(get_ontology()))
    max_share: int = Field(
        60,
        ge=2,
        le=1000,
        description="a node shared by more enterprises is a hub: its pairs (weight/(n-1) each) are not built",
    )


@dataclass
class Projection:
    graph: ig.Graph
    ids: list[str]
    index: dict[str, int]
    shared: dict[tuple[int, int], set[str]] = field(default_factory=dict)  # pair -> shared node keys
    sharers: dict[str, int] = field(default_factory=dict)  # shared node key -> how many enterprises share it

    def members(self, vertices: list[int]) -> list[str]:
        return [self.ids[v] for v in vertices]


def project(store: GraphStore, config: ProjectionConfig | None = None) -> Projection:
    config = config or ProjectionConfig()
    ids = [r["id"] for r in store.query("MATCH (e:Enterprise) RETURN e.id AS id ORDER BY id", read_only=True)]
    index = {e: i for i, e in enumerate(ids)}
    weights: dict[tuple[int, int], float] = defaultdict(float)
    shared: dict[tuple[int, int], set[str]] = defaultdict(set)
    sharers: dict[str, int] = {}
    for label, types in shared_ties(store.ontology).items():
        if label not in config.weights:
            continue
        rows = store.query(
            f"MATCH (e:Enterprise)-[:{alternation(types)}]-(x:{store.label(label)}) WITH x, collect(DISTINCT e.id) AS ents "
            "WHERE size(ents) >= 2 RETURN x.id AS x, CASE WHEN size(ents) <= $max THEN ents ELSE [] END AS ents, "
            "size(ents) AS n",
            {"max": config.max_share},
            read_only=True,
            timeout_ms=120_000,
        )
        for row in rows:
            key = f"{label}:{row['x']}"
            sharers[key] = row["n"]
            members = sorted(index[e] for e in row["ents"] if e in index)
            if len(members) < 2:
                continue
            w = config.weights[label] / (len(members) - 1)
            for a, b in combinations(members, 2):
                weights[(a, b)] += w
                shared[(a, b)].add(key)
    for label, rels in flows(store.ontology).items():
        for rel in rels:
            if rel not in config.weights:
                continue
            rows = store.query(
                f"MATCH (a:Enterprise)-[:{alternation(shared_ties(store.ontology)[label])}]-(:{store.label(label)})"
                f"-[:{store.rtype(rel)}]->(:{store.label(label)})-[:{alternation(shared_ties(store.ontology)[label])}]-"
                "(b:Enterprise) RETURN DISTINCT a.id AS a, b.id AS b",
                read_only=True,
                timeout_ms=120_000,
            )
            for row in rows:
                a, b = sorted((index[row["a"]], index[row["b"]]))
                if a != b:
                    weights[(a, b)] += config.weights[rel]
                    shared[(a, b)].add(rel)
    for rel in direct_ties(store.ontology):
        if rel not in config.weights:
            continue
        rows = store.query(
            f"MATCH (a:Enterprise)-[:{store.rtype(rel)}]->(b:Enterprise) RETURN a.id AS a, b.id AS b",
            read_only=True,
        )
        for row in rows:
            a, b = sorted((index[row["a"]], index[row["b"]]))
            if a != b:
                weights[(a, b)] += config.weights[rel]
                shared[(a, b)].add(rel)
    edges = list(weights)
    graph = ig.Graph(n=len(ids), edges=edges)
    graph.es["weight"] = [weights[e] for e in edges]
    graph.vs["name"] = ids
    return Projection(graph, ids, index, dict(shared), sharers)
