"""Drift tracking: a gang that changes vest (new shell companies) or moves to another port.

For each active gang, the reference date is the first case opened against one of its members (the
moment it had reason to move). Change of vest: enterprises that came into being for customs after that
date (registered, or dormant until their first declaration), in the gang or tied to its members
through a node that is the gang's own: a person in office, an address, a phone, a bank account or a
vehicle shared mostly by the gang and its new shells. A business park's address or a broker's phone,
shared by many others, says nothing (a neighbour's new subsidiary is not a change of vest). Port
drift: declarations after that date, by members or those new shells, at ports the gang never used
before it, carrying a real share of its later trade. Each finding is a ``DriftEvent`` node linked to
its gang and its evidence.

An event is dated when the drift happened (``occurred_on``: the first new shell's coming into being,
the first declaration at the new port); ``detected_at`` is metadata, set when a scan first finds the
event and left alone by later scans.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, Field

from algorithms.ties import linking, lodged
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


class DriftConfig(BaseModel):
    """What counts as a move (recorded with no node: drift events carry their evidence instead)."""

    min_port_share: float = Field(
        0.1, gt=0, le=1, description="a new port carries at least this share of the gang's later declarations"
    )
    min_declarations: int = Field(2, ge=1, description="and at least this many (one stray is not a move)")


def _first_active(store: GraphStore, ids: list[str]) -> dict[str, str]:
    """The day each enterprise came into being for customs: its registration, or its first declaration
    when it lay dormant (a standby shell registered long before it trades)."""
    rows = store.query(
        "MATCH (e:Enterprise) WHERE e.id IN $ids OPTIONAL MATCH (e)<-[:CONSIGNEE]-(d:Declaration) "
        "RETURN e.id AS id, e.registered_on AS reg, min(d.date) AS first",
        {"ids": ids},
        read_only=True,
    )
    return {r["id"]: max(str(r["reg"] or ""), str(r["first"] or "")) for r in rows}


def _tied(store: GraphStore, members: list[str]) -> list[dict[str, Any]]:
    """Each node (person in office, address, phone, account, vehicle) joining a member to a non-member,
    with the members and non-members it joins and how many enterprises share it."""
    return store.query(
        f"MATCH (m:Enterprise) WHERE m.id IN $ids WITH m MATCH (m)-[:{linking(store.ontology)}]-(x)-[:{linking(store.ontology)}]-(n:Enterprise) "
        "WHERE NOT n.id IN $ids WITH x, collect(DISTINCT m.id) AS ms, collect(DISTINCT n.id) AS ns "
        f"MATCH (x)-[:{linking(store.ontology)}]-(e:Enterprise) RETURN x.id AS x, ms, ns, count(DISTINCT e) AS sharers",
        {"ids": members},
        read_only=True,
    )


def scan_gang(store: GraphStore, gang: str, config: DriftConfig | None = None) -> list[DriftEvent]:
    config = config or DriftConfig()
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
    reference = str(reference)
    tied = _tied(store, members)
    candidates = sorted({n for row in tied for n in row["ns"]})
    active = _first_active(store, members + candidates)
    fresh = {e for e, since in active.items() if since > reference}
    new = {m for m in members if m in fresh}
    for row in tied:
        joined = [n for n in row["ns"] if n in fresh]
        others = row["sharers"] - len(row["ms"]) - len(joined)
        if joined and others <= len(row["ms"]):  # the gang's own tie, not a park or a broker they sit in
            new.update(joined)
    events = []
    if new:
        shells = sorted(new)
        first = min((active[e] for e in shells if active.get(e)), default=None)
        events.append(
            DriftEvent(
                gang,
                "change_of_vest",
                reference,
                shells,
                evidence=[f"Enterprise:{e}" for e in shells],
                occurred_on=first,
            )
        )
    old = sorted(set(members) - new)
    before = store.query(
        f"MATCH (e:Enterprise) WHERE e.id IN $ids WITH e MATCH (e)<-[:{lodged(store.ontology)}]-(d:Declaration) "
        "WHERE d.date <= $ref RETURN d.port AS port, count(DISTINCT d) AS n",
        {"ids": old, "ref": reference},
        read_only=True,
    )
    total = sum(r["n"] for r in before)
    # a port the gang used is one that carried a real share of its trade, not one it strayed to once
    used = {
        r["port"] for r in before if r["n"] >= max(config.min_declarations, config.min_port_share * total)
    }
    later = store.query(
        "MATCH (e:Enterprise) WHERE e.id IN $ids WITH e MATCH (e)<-[:CONSIGNEE]-(d:Declaration) WHERE d.date > $ref "
        "RETURN d.port AS port, d.id AS entry, e.id AS enterprise, d.date AS day",
        {"ids": sorted(set(members) | new), "ref": reference},
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
    least = max(config.min_declarations, config.min_port_share * len(later))
    for event in by_port.values():
        if len(event.declarations) >= least:  # strays to a port now and then are not a move
            event.enterprises.sort()
            event.evidence = [f"Port:{event.port}"] + [f"Enterprise:{e}" for e in event.enterprises]
            events.append(event)
    return events


def scan_all(store: GraphStore, config: DriftConfig | None = None) -> list[DriftEvent]:
    gangs = [
        r["id"]
        for r in store.query(
            "MATCH (g:Gang) WHERE g.status = 'active' RETURN g.id AS id ORDER BY id", read_only=True
        )
    ]
    return [event for gang in gangs for event in scan_gang(store, gang, config)]


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
