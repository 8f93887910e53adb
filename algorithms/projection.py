"""Projecting a scope of the graph into igraph: enterprises tied by what they share, weighted per kind.

Two enterprises are tied when they share a person in office, an address, a phone, a bank account or a
vehicle, or trade or hold shares directly. A shared node's weight is divided by how many enterprises
share it (a business-park address or a broker's phone ties many and proves little); nodes shared by
more than ``max_share`` enterprises are ignored altogether.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from itertools import combinations

import igraph as ig
from pydantic import BaseModel, Field

from graph.store import GraphStore

OFFICE = "LEGAL_REP_OF|SHAREHOLDER_OF|MANAGER_OF"


class ProjectionConfig(BaseModel):
    """Which ties count and how much."""

    weights: dict[str, float] = Field(
        default_factory=lambda: {
            "Person": 3.0,
            "Address": 2.0,
            "Phone": 2.0,
            "BankAccount": 3.0,
            "Vehicle": 2.0,
            "TRADES_WITH": 1.0,
            "SHAREHOLDER_OF": 2.0,
        }
    )
    max_share: int = Field(12, ge=2, le=1000)


SHARED = {  # shared node label -> the relationship that ties an enterprise to it
    "Person": OFFICE,
    "Address": "LOCATED_AT",
    "Phone": "HAS_PHONE",
    "BankAccount": "HAS_ACCOUNT",
    "Vehicle": "USES_VEHICLE",
}


@dataclass
class Projection:
    graph: ig.Graph
    ids: list[str]
    index: dict[str, int]
    shared: dict[tuple[int, int], set[str]] = field(default_factory=dict)  # pair -> shared node keys

    def members(self, vertices: list[int]) -> list[str]:
        return [self.ids[v] for v in vertices]


def _types(store: GraphStore, alternatives: str) -> str:
    """``A|B|C`` with every type checked against the ontology."""
    return "|".join(store.ontology.check_types(alternatives.split("|")))


def project(store: GraphStore, config: ProjectionConfig | None = None) -> Projection:
    config = config or ProjectionConfig()
    ids = [r["id"] for r in store.query("MATCH (e:Enterprise) RETURN e.id AS id ORDER BY id", read_only=True)]
    index = {e: i for i, e in enumerate(ids)}
    weights: dict[tuple[int, int], float] = defaultdict(float)
    shared: dict[tuple[int, int], set[str]] = defaultdict(set)
    for label, rel in SHARED.items():
        rows = store.query(
            f"MATCH (e:Enterprise)-[:{_types(store, rel)}]-(x:{store.label(label)}) WITH x, collect(DISTINCT e.id) AS ents "
            "WHERE size(ents) >= 2 AND size(ents) <= $max RETURN x.id AS x, ents",
            {"max": config.max_share},
            read_only=True,
            timeout_ms=120_000,
        )
        for row in rows:
            members = sorted(index[e] for e in row["ents"] if e in index)
            w = config.weights[label] / (len(members) - 1)
            for a, b in combinations(members, 2):
                weights[(a, b)] += w
                shared[(a, b)].add(f"{label}:{row['x']}")
    for rel in ("TRADES_WITH", "SHAREHOLDER_OF"):
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
    return Projection(graph, ids, index, dict(shared))
