"""Drift tracking: a gang that changes vest (new shell companies) or moves to another port.

For each active gang, the reference date is the first case opened against one of its members (the
moment it had reason to move). Change of vest: enterprises registered after that date, in the gang or
tied to its members through people in office, addresses, phones, bank accounts or vehicles. Port
drift: declarations after that date, by members or those new shells, at ports the gang never used
before it. Each finding is a ``DriftEvent`` node linked to its gang and its evidence.

An event is dated when the drift happened (``occurred_on``: the first new shell's registration, the
first declaration at the new port); ``detected_at`` is metadata, set when a scan first finds the event
and left alone by later scans.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from algorithms.ties import linking, lodged, office
from graph.store import GraphStore
from ingest.keys import stable_id
from tianji.core.clock import graph_now


@dataclass
class DriftEvent:
    gang: str
    kind: str
    reference_date: str
    enterprises: list[str]
    port: str | None = None
    declarations: list[str] = field(default_factory=list)
    evidence: list[str] = field(default_factory=list)
    occurred_on: str | None = None  # when the drift happened (the facts' own date)

    @property
    def id(self) -> str:
        return stable_id("drift_", self.gang, self.kind, self.port or "")


def _members(store: GraphStore, gang: str) -> list[str]:
    rows = store.query(
        "MATCH (e:Enterprise)-[:MEMBER_OF]->(:Gang {id: $g}) RETURN e.id AS id", {"g": gang}, read_only=True
    )
    return [r["id"] for r in rows]


def scan_gang(store: GraphStore, gang: str) -> list[DriftEvent]:
    members = _members(store, gang)
    cases = store.query(
        "MATCH (e:Enterprise) WHERE e.id IN $ids WITH e MATCH (e)-[:INVOLVED_IN]->(c:Case) "
        "RETURN min(c.opened_on) AS d",
        {"ids": members},
        read_only=True,
    )
    reference = cases[0]["d"] if cases else None
    if not reference:
        return []
    shells = store.query(
        "MATCH (m:Enterprise) WHERE m.id IN $ids AND m.registered_on > $ref "
        "RETURN m.id AS id, m.registered_on AS registered",
        {"ids": members, "ref": reference},
        read_only=True,
    )
    ties, in_office = linking(store.ontology), office(store.ontology)
    shells += store.query(
        f"MATCH (m:Enterprise) WHERE m.id IN $ids WITH m MATCH (m)-[:{ties}]-(x)-[:{ties}]-(n:Enterprise) "
        "WHERE n.registered_on > $ref RETURN DISTINCT n.id AS id, n.registered_on AS registered",
        {"ids": members, "ref": reference},
        read_only=True,
    )
    shells += store.query(
        f"MATCH (m:Enterprise) WHERE m.id IN $ids WITH m MATCH (m)<-[:{in_office}]-(p:Person)-[:{in_office}]->(n:Enterprise) "
        "WHERE n.registered_on > $ref RETURN DISTINCT n.id AS id, n.registered_on AS registered",
        {"ids": members, "ref": reference},
        read_only=True,
    )
    new = sorted({r["id"] for r in shells})
    events = []
    if new:
        first = min((str(r["registered"]) for r in shells if r.get("registered")), default=None)
        events.append(
            DriftEvent(
                gang,
                "change_of_vest",
                reference,
                new,
                evidence=[f"Enterprise:{e}" for e in new],
                occurred_on=first,
            )
        )
    old = sorted(set(members) - set(new))
    used = {
        r["port"]
        for r in store.query(
            f"MATCH (e:Enterprise) WHERE e.id IN $ids WITH e MATCH (e)<-[:{lodged(store.ontology)}]-(d:Declaration) "
            "WHERE d.date <= $ref "
            "RETURN DISTINCT d.port AS port",
            {"ids": old, "ref": reference},
            read_only=True,
        )
    }
    later = store.query(
        "MATCH (e:Enterprise) WHERE e.id IN $ids WITH e MATCH (e)<-[:CONSIGNEE]-(d:Declaration) WHERE d.date > $ref "
        "RETURN d.port AS port, d.id AS entry, e.id AS enterprise, d.date AS day",
        {"ids": sorted(set(members) | set(new)), "ref": reference},
        read_only=True,
    )
    by_port: dict[str, DriftEvent] = {}
    for row in later:
        if row["port"] in used or not row["port"]:
            continue
        event = by_port.setdefault(
            row["port"], DriftEvent(gang, "port_drift", reference, [], port=row["port"])
        )
        if row["enterprise"] not in event.enterprises:
            event.enterprises.append(row["enterprise"])
        event.declarations.append(row["entry"])
        if row.get("day") and (event.occurred_on is None or str(row["day"]) < event.occurred_on):
            event.occurred_on = str(row["day"])
    for event in by_port.values():
        if len(event.declarations) >= 2:  # one stray declaration is not a move
            event.enterprises.sort()
            event.evidence = [f"Port:{event.port}"] + [f"Enterprise:{e}" for e in event.enterprises]
            events.append(event)
    return events


def scan_all(store: GraphStore) -> list[DriftEvent]:
    gangs = [
        r["id"]
        for r in store.query(
            "MATCH (g:Gang) WHERE g.status = 'active' RETURN g.id AS id ORDER BY id", read_only=True
        )
    ]
    return [event for gang in gangs for event in scan_gang(store, gang)]


def write_back(store: GraphStore, events: list[DriftEvent]) -> int:
    now = graph_now()
    store.merge_nodes(
        "DriftEvent",
        [
            {
                "id": e.id,
                "kind": e.kind,
                "occurred_on": e.occurred_on,
                "port": e.port,
                "evidence": e.evidence + [f"Declaration:{d}" for d in e.declarations[:20]],
                "score": float(len(e.enterprises)),
                "source": "algorithms.drift",
            }
            for e in events
        ],
        on_create={"detected_at": now},  # detection is metadata: the first scan that found it
    )
    store.merge_relationships(
        "DRIFT_OF", "DriftEvent", "Gang", [{"start": e.id, "end": e.gang} for e in events]
    )
    evidence: dict[str, list[dict[str, Any]]] = {"Enterprise": [], "Port": []}
    for e in events:
        evidence["Enterprise"] += [{"start": e.id, "end": x} for x in e.enterprises]
        if e.port:
            evidence["Port"].append({"start": e.id, "end": e.port})
    for label, rows in evidence.items():
        store.merge_relationships("DRIFT_EVIDENCE", "DriftEvent", label, rows)
    return len(events)
