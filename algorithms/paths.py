"""Paths between two subjects and the strength of their relation, with its explanation.

Paths are searched on the union of both subjects' neighbourhoods (hubs such as ports and countries are
not walked through), shortest first, up to six hops. Relation strength adds up, for every path, how
short it is, how rare its intermediate nodes are (a shared phone used by two enterprises says more
than a business-park address used by fifty) and how recent it is, plus a bonus for diverse kinds of tie.
Strength walks only the relationship types that tie subjects (the ontology's ``ties()``): two enterprises
carrying the same tag, in the same gang or named by the same drift event are not thereby related.
Both walk only what the reader's unit may see (the expansion's visibility), rarity counts included.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

import networkx as nx

from algorithms.relations import Scope, expand
from algorithms.visibility import Viewer
from graph.store import GraphStore


@dataclass
class Path:
    nodes: list[dict[str, Any]]
    types: list[str]
    edges: list[dict[str, Any]] = field(default_factory=list)  # the store's relationships, hop by hop

    @property
    def length(self) -> int:
        return len(self.types)


@dataclass
class Strength:
    score: float
    paths: list[Path] = field(default_factory=list)
    explanation: list[str] = field(default_factory=list)


def paths_between(
    store: GraphStore,
    a: tuple[str, str],
    b: tuple[str, str],
    *,
    k: int = 5,
    max_len: int = 6,
    types: list[str] | None = None,
    unit: str = "*",
) -> list[Path]:
    half = max(1, (max_len + 1) // 2)
    scope = Scope(depth=half, types=types or [], max_nodes=4000)
    left = expand(store, [a], scope, unit=unit)
    right = expand(store, [b], scope, unit=unit)
    nodes = {**left.nodes, **right.nodes}
    graph = nx.Graph()
    for edge in list(left.edges.values()) + list(right.edges.values()):
        graph.add_edge(edge["start"], edge["end"], type=edge["type"], edge=edge)
    start = next((e for e, n in nodes.items() if (n["labels"][0], n["id"]) == a), None)
    end = next((e for e, n in nodes.items() if (n["labels"][0], n["id"]) == b), None)
    if (
        start is None
        or end is None
        or start not in graph
        or end not in graph
        or not nx.has_path(graph, start, end)
    ):
        return []
    found = []
    for hops in islice(nx.shortest_simple_paths(graph, start, end), k):
        if len(hops) - 1 > max_len:
            break
        steps = list(zip(hops, hops[1:], strict=False))
        found.append(
            Path(
                [nodes[h] for h in hops],
                [graph.edges[u, v]["type"] for u, v in steps],
                [graph.edges[u, v]["edge"] for u, v in steps],
            )
        )
    return found


def strength(store: GraphStore, a: tuple[str, str], b: tuple[str, str], *, unit: str = "*") -> Strength:
    # only ties between subjects count: a shared tag, gang or drift event is a finding, not a relation
    paths = paths_between(store, a, b, k=10, types=store.ontology.ties(), unit=unit)
    if not paths:
        return Strength(0.0, [], ["no path within six hops"])
    total = 0.0
    explanation = []
    kinds: set[str] = set()
    viewer = Viewer(store.ontology, unit)
    for path in paths:
        rarity = 1.0
        for node in path.nodes[1:-1]:
            degree = store.query(
                f"MATCH (n:{store.label(node['labels'][0])} {{id: $id}})--(m) WHERE {viewer.where('m')} "
                "RETURN count(*) AS d",
                {"id": node["id"], **viewer.params},
                read_only=True,
            )[0]["d"]
            rarity *= 1.0 / math.log2(1 + max(int(degree), 1))
        contribution = rarity / path.length
        total += contribution
        kinds.update(path.types)
        via = " → ".join(f"{n['labels'][0]}:{n['properties'].get('name') or n['id']}" for n in path.nodes)
        explanation.append(
            f"{contribution:.3f} from a {path.length}-hop path {via} ({', '.join(path.types)})"
        )
    diversity = len(kinds)
    score = round(1 - math.exp(-total * (1 + 0.1 * (diversity - 1))), 4)  # 0..1, grows with every path
    explanation.insert(0, f"{len(paths)} path(s), {diversity} kind(s) of tie: {', '.join(sorted(kinds))}")
    return Strength(score, paths, explanation)
