"""Ring search ("intelligent detection"): find the groups built like a known gang.

A gang's ring is the graph of its enterprises and what ties them (people in office, addresses, phones,
accounts, vehicles, trade and ownership: the ontology's office, shared and direct ties). Its Weisfeiler–Lehman signature, over node kinds, is the
same for rings of the same structure (exact match) and close for similar ones (cosine similarity of
the WL subtree features); other gangs are ranked by both.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass

import networkx as nx
from pydantic import BaseModel, Field

from algorithms.ties import PERSON, SUBJECT, alternation, direct_ties, main_tie, trade
from graph.store import GraphStore
from ontology import get_ontology


def ring(store: GraphStore, members: list[str]) -> nx.Graph:
    graph = nx.Graph()
    for member in members:
        graph.add_node(f"E:{member}", kind=SUBJECT)
    rows = store.query(
        "MATCH (e:Enterprise) WHERE e.id IN $ids WITH e MATCH (e)-[r]-(x) "
        "WHERE type(r) IN $ties RETURN e.id AS e, type(r) AS t, labels(x)[0] AS kind, x.id AS x",
        {"ids": members, "ties": store.ontology.ties("office", "shared")},
        read_only=True,
    )
    counts = Counter(r["x"] for r in rows)
    for row in rows:
        if counts[row["x"]] >= 2 or row["kind"] == PERSON:  # only what is shared, and people
            graph.add_node(f"X:{row['x']}", kind=row["kind"])
            graph.add_edge(f"E:{row['e']}", f"X:{row['x']}", kind=row["t"])
    direct = store.query(
        f"MATCH (a:Enterprise)-[r:{alternation(direct_ties(store.ontology))}]->(b:Enterprise) WHERE a.id IN $ids "
        "AND b.id IN $ids RETURN a.id AS a, b.id AS b, type(r) AS t",
        {"ids": members},
        read_only=True,
    )
    for row in direct:
        graph.add_edge(f"E:{row['a']}", f"E:{row['b']}", kind=row["t"])
    graph.remove_nodes_from([n for n, d in graph.degree() if d == 0 and graph.nodes[n]["kind"] == PERSON])
    return graph


def role_features(graph: nx.Graph, iterations: int = 2) -> Counter[str]:
    """Weisfeiler–Lehman refinement over the *set* of (tie, neighbour label) pairs rather than their
    multiset: a shell that shares an address, a phone and a person and trades with another has the
    same role in a ring of 4 as in a ring of 20, and an address shared by 5 shells the same role as
    one shared by 15. Counted per node, so the mix of roles says what kind of ring it is."""
    labels = {n: str(graph.nodes[n]["kind"]) for n in graph}
    features: Counter[str] = Counter(f"r0:{label}" for label in labels.values())
    for depth in range(1, iterations + 1):
        labels = {
            n: labels[n]
            + "("
            + ",".join(sorted({f"{graph.edges[n, m]['kind']}>{labels[m]}" for m in graph[n]}))
            + ")"
            for n in graph
        }
        features.update(f"r{depth}:{label}" for label in labels.values())
    return features


def signature(graph: nx.Graph) -> tuple[str, Counter[str]]:
    """The exact WL hash, and features for similarity: WL subtree hashes (which see sizes and counts)
    and role features (which do not), so that rings of one structure but different sizes rank close."""
    exact = nx.weisfeiler_lehman_graph_hash(graph, node_attr="kind", edge_attr="kind", iterations=3)
    features: Counter[str] = Counter()
    for hashes in nx.weisfeiler_lehman_subgraph_hashes(
        graph, node_attr="kind", edge_attr="kind", iterations=3
    ).values():
        features.update(hashes)
    features.update(role_features(graph))
    return exact, features


def cosine(a: Counter[str], b: Counter[str]) -> float:
    dot = sum(a[k] * b[k] for k in a.keys() & b.keys())
    norm = math.sqrt(sum(v * v for v in a.values())) * math.sqrt(sum(v * v for v in b.values()))
    return dot / norm if norm else 0.0


@dataclass
class RingMatch:
    gang: str
    exact: bool
    similarity: float
    size: int


def gang_members(store: GraphStore) -> dict[str, list[str]]:
    rows = store.query(
        "MATCH (e:Enterprise)-[:MEMBER_OF]->(g:Gang) WHERE g.status = 'active' "
        "RETURN g.id AS g, collect(e.id) AS m",
        read_only=True,
    )
    return {r["g"]: sorted(r["m"]) for r in rows}


def search_like(store: GraphStore, gang: str, top: int = 10) -> list[RingMatch]:
    """Gangs ranked by structural likeness to ``gang``: exact WL matches first, then by similarity."""
    groups = gang_members(store)
    if gang not in groups:
        raise KeyError(f"no active gang {gang!r}")
    signatures = {g: signature(ring(store, m)) for g, m in groups.items()}
    exact, features = signatures[gang]
    matches = [
        RingMatch(g, s[0] == exact, round(cosine(features, s[1]), 4), len(groups[g]))
        for g, s in signatures.items()
        if g != gang
    ]
    matches.sort(key=lambda m: (not m.exact, -m.similarity, m.gang))
    return matches[:top]


class Pattern(BaseModel):
    """A drawn ring: k shell companies, what they share, and whether they trade in a closed loop."""

    enterprises: int = Field(ge=2, le=30)
    shared: dict[str, int] = Field(
        default_factory=dict, description="node kind -> how many are shared by all"
    )
    trade_loop: bool = False

    def graph(self) -> nx.Graph:
        graph = nx.Graph()
        shells = [f"E:{i}" for i in range(self.enterprises)]
        for shell in shells:
            graph.add_node(shell, kind=SUBJECT)
        ontology = get_ontology()
        for kind, count in self.shared.items():
            tie = main_tie(ontology, kind)  # refuses what cannot be shared
            for n in range(count):
                graph.add_node(f"{kind}:{n}", kind=kind)
                for shell in shells:
                    graph.add_edge(shell, f"{kind}:{n}", kind=tie)
        if self.trade_loop:
            for a, b in zip(shells, shells[1:] + shells[:1], strict=True):
                graph.add_edge(a, b, kind=trade(ontology))
        return graph


def search_pattern(store: GraphStore, pattern: Pattern, top: int = 10) -> list[RingMatch]:
    """Gangs ranked by likeness to a drawn pattern (exact structure first, then by WL similarity)."""
    if pattern.enterprises > 2 and not pattern.shared and not pattern.trade_loop:
        raise ValueError("a pattern with nothing shared and no loop matches every group: draw what ties them")
    exact, features = signature(pattern.graph())
    groups = gang_members(store)
    found = []
    for gang, members in groups.items():
        sig = signature(ring(store, members))
        found.append(RingMatch(gang, sig[0] == exact, round(cosine(features, sig[1]), 4), len(members)))
    found.sort(key=lambda m: (not m.exact, -m.similarity, m.gang))
    return found[:top]
