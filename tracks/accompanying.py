"""The accompanying-gang view: companion vehicles joined with the graph.

Vehicles linked by TRAVELLED_WITH form convoys (connected components). Each convoy is joined with who uses
its vehicles (USES_VEHICLE), the gangs those enterprises belong to (MEMBER_OF), their highest tag level,
and the premises and ports the vehicles stopped at (VISITED). Convoys that touch a gang come first: a
smuggling vehicle's escorts are most often the gang's own trucks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import igraph as ig

from graph.store import GraphStore
from ingest.keys import stable_id


@dataclass
class Convoy:
    id: str
    vehicles: list[str]
    minutes_together: float
    enterprises: list[dict[str, Any]] = field(default_factory=list)
    gangs: list[dict[str, Any]] = field(default_factory=list)
    places: list[dict[str, Any]] = field(default_factory=list)
    max_tag_level: int = 0

    def as_dict(self) -> dict[str, Any]:
        return self.__dict__.copy()


def convoys(store: GraphStore, *, min_minutes: float = 30.0, first: int = 50) -> list[Convoy]:
    links = store.query(
        "MATCH (a:Vehicle)-[t:TRAVELLED_WITH]->(b:Vehicle) WHERE t.minutes >= $min "
        "RETURN a.id AS a, b.id AS b, t.minutes AS minutes",
        {"min": min_minutes},
        read_only=True,
    )
    if not links:
        return []
    graph = ig.Graph.TupleList(((r["a"], r["b"], r["minutes"]) for r in links), edge_attrs=["minutes"])
    found = []
    for members in graph.connected_components():
        names = sorted(graph.vs[i]["name"] for i in members)
        minutes = max(e["minutes"] for e in graph.es.select(_within=members))
        found.append(Convoy(stable_id("convoy_", *names), names, float(minutes)))
    vehicles = sorted({v for c in found for v in c.vehicles})
    users = store.query(
        "MATCH (e:Enterprise)-[:USES_VEHICLE]->(v:Vehicle) WHERE v.id IN $vehicles "
        "OPTIONAL MATCH (e)-[:MEMBER_OF]->(g:Gang) WHERE coalesce(g.status, 'active') = 'active' "
        "OPTIONAL MATCH (e)-[h:HAS_TAG]->(t:Tag) WHERE h.ended_at IS NULL "
        "RETURN v.id AS vehicle, e.id AS enterprise, e.name AS name, collect(DISTINCT g.id) AS gangs, "
        "collect(DISTINCT g.risk) AS risks, max(t.level) AS level",
        {"vehicles": vehicles},
        read_only=True,
    )
    places = store.query(
        "MATCH (v:Vehicle)-[r:VISITED]->(p) WHERE v.id IN $vehicles "
        "RETURN v.id AS vehicle, labels(p)[0] AS label, p.id AS id, coalesce(p.name, p.id) AS name, r.stops AS stops",
        {"vehicles": vehicles},
        read_only=True,
    )
    by_vehicle: dict[str, list[dict[str, Any]]] = {}
    for row in users:
        by_vehicle.setdefault(row["vehicle"], []).append(row)
    visits: dict[str, list[dict[str, Any]]] = {}
    for row in places:
        visits.setdefault(row["vehicle"], []).append(row)
    for convoy in found:
        enterprises: dict[str, dict[str, Any]] = {}
        gangs: dict[str, dict[str, Any]] = {}
        seen: dict[tuple[str, str], dict[str, Any]] = {}
        for vehicle in convoy.vehicles:
            for row in by_vehicle.get(vehicle, []):
                enterprises.setdefault(
                    row["enterprise"], {"id": row["enterprise"], "name": row["name"], "vehicles": []}
                )["vehicles"].append(vehicle)
                for gang, risk in zip(row["gangs"], row["risks"] or [None] * len(row["gangs"]), strict=False):
                    gangs.setdefault(gang, {"id": gang, "risk": risk, "enterprises": set()})[
                        "enterprises"
                    ].add(row["enterprise"])
                convoy.max_tag_level = max(convoy.max_tag_level, int(row["level"] or 0))
            for row in visits.get(vehicle, []):
                place = seen.setdefault(
                    (row["label"], row["id"]),
                    {"label": row["label"], "id": row["id"], "name": row["name"], "vehicles": []},
                )
                place["vehicles"].append(vehicle)
        convoy.enterprises = sorted(enterprises.values(), key=lambda e: e["id"])
        convoy.gangs = sorted(
            ({**g, "enterprises": sorted(g["enterprises"])} for g in gangs.values()), key=lambda g: g["id"]
        )
        convoy.places = sorted(seen.values(), key=lambda p: (-len(p["vehicles"]), p["id"]))
    found.sort(key=lambda c: (not c.gangs, -c.max_tag_level, -len(c.vehicles), c.id))
    return found[:first]
