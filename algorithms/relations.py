"""Relation queries: a subject's neighbourhood, expanded layer by layer within a scope, and its profile.

Expansion is breadth-first, one parameterised query per layer, so that depth and node caps are
enforced as the graph is read (a port with a hundred thousand declarations cannot blow up a query):
reference hubs (ports, countries, HS headings) are not expanded through unless asked for, and a
result that hit a cap says so (``truncated`` with a notice).

Visibility follows the ontology's rules through ``algorithms.visibility.Viewer``: restricted cases,
watches and alerts of another customs unit, and their relationships, are never returned, whether as a
start node or a neighbour, and evidence lists naming them are cut (``unit='*'`` sees every unit). Hubs, dates and subjects are the ontology's too (``hubs``, ``temporal_properties``, roles).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, Field, field_validator

from algorithms.ties import alternation
from algorithms.visibility import Viewer, predicate
from graph.store import GraphStore
from ontology import Ontology

MAX_DEPTH = 4
KEY_PEOPLE = 50  # the most office holders and contacts a profile lists


def visible(ontology: Ontology, var: str) -> str:
    """Cypher predicate: the reader's unit (``$unit``, which the query must bind) may see ``var``
    (``algorithms.visibility.predicate``; a ``Viewer`` carries it with its parameters)."""
    return predicate(ontology, var)


class Scope(BaseModel):
    """Which relationships and labels an expansion may follow, how deep, and in which time window."""

    depth: int = Field(1, ge=1, le=MAX_DEPTH)
    types: list[str] = Field(default_factory=list)
    labels: list[str] = Field(default_factory=list)
    since: str | None = None
    until: str | None = None
    max_nodes: int = Field(500, ge=1, le=20_000)
    through_hubs: bool = False
    tags: list[str] = Field(default_factory=list, description="subjects must hold one of these tags (open)")
    min_level: int = Field(0, ge=0, le=5, description="subjects must hold an open tag of at least this level")

    @field_validator("since", "until")
    @classmethod
    def _iso(cls, value: str | None) -> str | None:
        if value is not None and len(value) < 10:
            raise ValueError("dates are ISO text, e.g. 2025-03-01")
        return value


@dataclass
class Subgraph:
    nodes: dict[str, dict[str, Any]] = field(default_factory=dict)  # element id -> node
    edges: dict[str, dict[str, Any]] = field(default_factory=dict)
    truncated: bool = False
    notice: str = ""
    layers: list[int] = field(default_factory=list)


def _window(ontology: Ontology, var: str) -> str:
    """Nodes dated outside [since, until] are left out; undated nodes stay. A node's date is its
    label's temporal property (each label has at most one)."""
    date = f"coalesce({', '.join(f'{var}.{p}' for p in ontology.temporal_properties())})"
    return f"(($since IS NULL OR {date} IS NULL OR {date} >= $since) AND ($until IS NULL OR {date} IS NULL OR {date} <= $until))"


def start_nodes(store: GraphStore, seeds: list[tuple[str, str]], unit: str) -> list[dict[str, Any]]:
    """The seeds that exist and that ``unit`` may see."""
    viewer = Viewer(store.ontology, unit)
    return [node for label, node_id in seeds if (node := viewer.node(store, label, node_id)) is not None]


def expand(
    store: GraphStore,
    seeds: list[tuple[str, str]],
    scope: Scope,
    *,
    unit: str,
    node_properties: bool = True,
    edge_properties: bool = True,
) -> Subgraph:
    """Expand from the seeds layer by layer; every node and edge returned is visible to ``unit``.

    Each layer is one query from the frontier's nodes by element id, reading the neighbours light (key,
    labels, element id): which of them are kept is decided on those, and only the kept nodes are then
    read whole, in one query, so a layer cut at its cap costs no more than its rows' keys.
    ``node_properties``/``edge_properties`` False: the nodes (but the seeds) or the edges come back
    without their properties (empty), for a caller that shows keys and labels only."""
    types = store.ontology.check_types(scope.types)
    labels = store.ontology.check_labels(scope.labels)
    viewer = Viewer(store.ontology, unit)
    graph = Subgraph()
    frontier: list[str] = []  # element ids of the nodes the next layer expands from
    for node in start_nodes(store, seeds, unit):
        graph.nodes[node["element_id"]] = node
        frontier.append(node["element_id"])
    seeded = set(graph.nodes)
    hubs = [h for h in store.ontology.hubs() if h not in labels] if not scope.through_hubs else []
    eid = store.element_id
    edge = (
        "r"
        if edge_properties
        else f"{eid('r')} AS r_id, type(r) AS r_type, {eid('startNode(r)')} AS r_start, {eid('endNode(r)')} AS r_end"
    )
    for _layer in range(scope.depth):
        if not frontier:
            break
        room = scope.max_nodes - len(graph.nodes)
        if room <= 0:
            graph.truncated = True
            break
        cap = room * 4 + 50
        rows = store.query(
            f"UNWIND $frontier AS at {store.match_element('a', 'at')} WITH a MATCH (a)-[r]-(b) "
            "WHERE ($types = [] OR type(r) IN $types) AND ($labels = [] OR any(l IN labels(b) WHERE l IN $labels)) "
            f"AND {viewer.where('b')} AND {_window(store.ontology, 'b')} "
            f"RETURN {edge}, {eid('b')} AS b_id, b.id AS b_key, labels(b) AS b_labels, "
            "any(l IN labels(b) WHERE l IN $hubs) AS hub LIMIT $cap",
            {
                "frontier": store.element_param(frontier),
                "types": types,
                "labels": labels,
                **viewer.params,
                "since": scope.since,
                "until": scope.until,
                "hubs": hubs,
                "cap": cap,
            },
            read_only=True,
            timeout_ms=20_000,
        )
        if len(rows) >= cap:
            graph.truncated = True
        if scope.tags or scope.min_level:
            rows = _tag_filter(store, rows, scope)
        nxt: list[str] = []
        for row in rows:
            key = store.element_key(row["b_id"])
            if key not in graph.nodes:
                if len(graph.nodes) >= scope.max_nodes:
                    graph.truncated = True
                    continue
                graph.nodes[key] = {
                    "id": row["b_key"],
                    "element_id": key,
                    "labels": row["b_labels"],
                    "properties": {},
                }
                if not row["hub"]:
                    nxt.append(key)
            if edge_properties:
                graph.edges[row["r"]["element_id"]] = row["r"]
            else:
                graph.edges[store.element_key(row["r_id"])] = {
                    "element_id": store.element_key(row["r_id"]),
                    "type": row["r_type"],
                    "start": store.element_key(row["r_start"]),
                    "end": store.element_key(row["r_end"]),
                    "properties": {},
                }
        graph.layers.append(len(graph.nodes))
        frontier = nxt
    if node_properties:
        _read_whole(store, graph, [key for key in graph.nodes if key not in seeded])
    # keep only edges whose two ends are in the result
    graph.edges = {
        k: e for k, e in graph.edges.items() if e["start"] in graph.nodes and e["end"] in graph.nodes
    }
    graph.edges = dict(zip(graph.edges, viewer.redact(store, list(graph.edges.values())), strict=True))
    graph.nodes = dict(zip(graph.nodes, viewer.redact(store, list(graph.nodes.values())), strict=True))
    if graph.truncated:
        graph.notice = (
            f"result truncated at {scope.max_nodes} nodes; narrow the scope (types, labels, time "
            "window) or lower the depth"
        )
    return graph


def _read_whole(store: GraphStore, graph: Subgraph, keys: list[str]) -> None:
    """Replace the light nodes of ``keys`` by the whole nodes, in one query; a node deleted since its
    layer was read is left out."""
    if not keys:
        return
    rows = store.query(
        f"UNWIND $keys AS at {store.match_element('n', 'at')} RETURN n",
        {"keys": store.element_param(keys)},
        read_only=True,
    )
    whole = {row["n"]["element_id"]: row["n"] for row in rows}
    for key in keys:
        if key in whole:
            graph.nodes[key] = whole[key]
        else:
            del graph.nodes[key]


def principal_subjects(ontology: Ontology) -> list[str]:
    """The subjects an officer follows (enterprises, people, vehicles…): subjects that can be watched,
    as opposed to the addresses, phones and accounts they share."""
    return [label for label in ontology.labels("subject") if ontology.node(label).watchable]


def _tag_filter(store: GraphStore, rows: list[dict[str, Any]], scope: Scope) -> list[dict[str, Any]]:
    """Keep non-subjects (addresses, declarations…) and the subjects that hold the tags or level asked for.
    Subjects are matched by label and key, which every backend shares (internal ids differ)."""
    principal = set(principal_subjects(store.ontology))
    by_label: dict[str, set[str]] = {}
    for row in rows:
        label = row["b_labels"][0]
        if label in principal:
            by_label.setdefault(label, set()).add(row["b_key"])
    if not by_label:
        return rows
    keep: set[tuple[str, str]] = set()
    for label, ids in sorted(by_label.items()):
        held = store.query(
            f"MATCH (s:{store.label(label)})-[h:HAS_TAG]->(t:Tag) WHERE s.id IN $ids AND h.ended_at IS NULL "
            "AND ($tags = [] OR t.id IN $tags) AND t.level >= $level RETURN DISTINCT s.id AS s",
            {"ids": sorted(ids), "tags": scope.tags, "level": scope.min_level},
            read_only=True,
        )
        keep.update((label, r["s"]) for r in held)
    return [r for r in rows if r["b_labels"][0] not in principal or (r["b_labels"][0], r["b_key"]) in keep]


@dataclass
class Profile:
    label: str
    id: str
    natural: dict[str, Any]
    declaration_count: int = 0
    total_value_usd: float = 0.0
    origin_countries: list[str] = field(default_factory=list)
    ports: list[str] = field(default_factory=list)
    first_declaration: str | None = None
    last_declaration: str | None = None
    inspection_count: int = 0
    hit_count: int = 0
    relations: dict[str, int] = field(default_factory=dict)
    key_people: list[dict[str, str]] = field(default_factory=list)
    monthly_value: dict[str, float] = field(default_factory=dict)  # declared value per month
    value_fluctuation: float | None = None  # coefficient of variation of the monthly values

    @property
    def hit_rate(self) -> float | None:
        return self.hit_count / self.inspection_count if self.inspection_count else None


def profile(store: GraphStore, label: str, node_id: str, *, unit: str) -> Profile | None:
    """Natural, behavioural and relational attributes of a subject, visible to ``unit``."""
    label = store.label(label)
    nodes = start_nodes(store, [(label, node_id)], unit)
    if not nodes:
        return None
    result = Profile(label, node_id, nodes[0]["properties"])
    if label == "Enterprise":
        rows = store.query(
            "MATCH (e:Enterprise {id: $id})<-[:CONSIGNEE]-(d:Declaration) "
            "OPTIONAL MATCH (i:Inspection)-[:INSPECTION_OF]->(d) "
            "RETURN count(DISTINCT d) AS n, sum(d.value_usd) AS value, collect(DISTINCT d.origin) AS origins, "
            "collect(DISTINCT d.port) AS ports, min(d.date) AS first, max(d.date) AS last, count(i) AS inspections, "
            "sum(CASE WHEN i.outcome = 'hit' THEN 1 ELSE 0 END) AS hits",
            {"id": node_id},
            read_only=True,
        )
        if rows:
            row = rows[0]
            result.declaration_count = int(row["n"] or 0)
            result.total_value_usd = float(row["value"] or 0.0)
            result.origin_countries = sorted(o for o in row["origins"] if o)
            result.ports = sorted(p for p in row["ports"] if p)
            result.first_declaration, result.last_declaration = row["first"], row["last"]
            result.inspection_count, result.hit_count = int(row["inspections"] or 0), int(row["hits"] or 0)
        months = store.query(
            "MATCH (e:Enterprise {id: $id})<-[:CONSIGNEE]-(d:Declaration) RETURN substring(d.date, 0, 7) AS month, "
            "sum(d.value_usd) AS value ORDER BY month",
            {"id": node_id},
            read_only=True,
        )
        result.monthly_value = {m["month"]: round(float(m["value"] or 0), 2) for m in months}
        values = list(result.monthly_value.values())
        if len(values) >= 2 and any(values):
            mean = sum(values) / len(values)
            result.value_fluctuation = round(
                (sum((v - mean) ** 2 for v in values) / len(values)) ** 0.5 / mean, 3
            )
        people = store.query(
            f"MATCH (p:Person)-[r:{alternation(store.ontology.ties('office', 'contact', start='Person', end='Enterprise'))}]"
            "->(e:Enterprise {id: $id}) "
            "RETURN p.id AS id, p.name AS name, type(r) AS role ORDER BY role, id LIMIT $n",
            {"id": node_id, "n": KEY_PEOPLE},
            read_only=True,
        )
        result.key_people = [{"id": p["id"], "name": p["name"], "role": p["role"]} for p in people]
    rels = store.query(
        f"MATCH (n:{store.label(label)} {{id: $id}}) WITH n MATCH (n)-[r]-(m) WHERE {Viewer(store.ontology, unit).where('m')} "
        "RETURN type(r) AS type, count(r) AS c",
        {"id": node_id, "unit": unit},
        read_only=True,
    )
    result.relations = {r["type"]: int(r["c"]) for r in rels}
    return result
