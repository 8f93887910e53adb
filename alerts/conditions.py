"""Watch conditions: named functions that find what is new around a watched target since a watermark.

Each condition returns ``Finding`` objects: a cause (the same cause updates one alert), a severity, a
title an officer reads, and the evidence (node ids by label). Facts count as new when they were
first ingested after the watch's watermark (``ingested_at``, set once when a node is created).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from alerts.findings import Finding
from alerts.patterns import PATTERN, pattern_match
from algorithms.ties import alternation, linking, lodged, office
from graph.store import GraphStore


@dataclass
class Scope:
    """The watched target and the subjects it stands for (a gang's members, a person's enterprises)."""

    label: str
    target_id: str
    enterprises: list[str]
    persons: list[str]
    vehicles: list[str]


def scope_of(store: GraphStore, label: str, target_id: str) -> Scope:
    label = store.label(label)
    if label == "Gang":
        rows = store.query(
            "MATCH (m)-[:MEMBER_OF]->(g:Gang {id: $id}) RETURN labels(m)[0] AS label, m.id AS id",
            {"id": target_id},
            read_only=True,
        )
        by: dict[str, list[str]] = {}
        for row in rows:
            by.setdefault(row["label"], []).append(row["id"])
        return Scope(label, target_id, by.get("Enterprise", []), by.get("Person", []), by.get("Vehicle", []))
    if label == "Enterprise":
        return Scope(label, target_id, [target_id], [], [])
    if label == "Person":
        rows = store.query(
            f"MATCH (p:Person {{id: $id}})-[:{office(store.ontology)}]->(e:Enterprise) RETURN DISTINCT e.id AS id",
            {"id": target_id},
            read_only=True,
        )
        return Scope(label, target_id, [r["id"] for r in rows], [target_id], [])
    if label == "Vehicle":
        rows = store.query(
            f"MATCH (e:Enterprise)-[:{_uses(store)}]->(v:Vehicle {{id: $id}}) RETURN e.id AS id",
            {"id": target_id},
            read_only=True,
        )
        return Scope(label, target_id, [r["id"] for r in rows], [], [target_id])
    return Scope(label, target_id, [], [], [])


def new_related_enterprise(store: GraphStore, scope: Scope, since: str, arg: str) -> list[Finding]:
    """A newly registered enterprise tied to the target through a person in office, an address, a phone,
    a bank account or a vehicle: the classic change of vest."""
    rows = store.query(
        f"MATCH (m:Enterprise) WHERE m.id IN $ents MATCH (m)-[:{linking(store.ontology)}]-(x)-[:{linking(store.ontology)}]-(n:Enterprise) "
        "WHERE n.ingested_at > $since AND NOT n.id IN $ents "
        "RETURN DISTINCT n.id AS new, n.name AS name, labels(x)[0] AS via, x.id AS via_id, m.id AS member",
        {"ents": scope.enterprises, "since": since},
        read_only=True,
    )
    rows += store.query(
        f"MATCH (p:Person) WHERE p.id IN $persons MATCH (p)-[:{office(store.ontology)}]->(n:Enterprise) "
        "WHERE n.ingested_at > $since AND NOT n.id IN $ents "
        "RETURN DISTINCT n.id AS new, n.name AS name, 'Person' AS via, p.id AS via_id, null AS member",
        {"persons": scope.persons, "ents": scope.enterprises, "since": since},
        read_only=True,
    )
    findings: dict[str, Finding] = {}
    for row in rows:
        finding = findings.setdefault(
            row["new"],
            Finding(
                "new_related_enterprise",
                f"new_related_enterprise:{row['new']}",
                4,
                f"新关联企业 New related enterprise {row['name']} ({row['new']})",
            ),
        )
        finding.add("Enterprise", row["new"])
        finding.add(row["via"], row["via_id"])
        if row["member"]:
            finding.add("Enterprise", row["member"])
    return list(findings.values())


def _declarations_since(store: GraphStore, enterprises: list[str], since: str) -> list[dict[str, Any]]:
    return store.query(
        f"MATCH (e:Enterprise)<-[:{lodged(store.ontology)}]-(d:Declaration) WHERE e.id IN $ents "
        "AND d.ingested_at > $since OPTIONAL MATCH (r:RiskScore)-[:SCORED]->(d) "
        "RETURN d.id AS id, d.port AS port, e.id AS enterprise, max(r.level) AS level",
        {"ents": enterprises, "since": since},
        read_only=True,
    )


def new_declaration(store: GraphStore, scope: Scope, since: str, arg: str) -> list[Finding]:
    """New declarations lodged by or for the watched enterprises (one alert collects them)."""
    rows = _declarations_since(store, scope.enterprises, since)
    if not rows:
        return []
    # severity 3, or the highest risk level the scoring model gave one of them
    severity = max([3, *(min(int(r["level"]), 5) for r in rows if r["level"] is not None)])
    count = len({r["id"] for r in rows})
    finding = Finding("new_declaration", "new_declaration", severity, f"新报关单 {count} new declaration(s)")
    for row in rows:
        finding.add("Declaration", row["id"])
        finding.add("Enterprise", row["enterprise"])
    return [finding]


def new_port(store: GraphStore, scope: Scope, since: str, arg: str) -> list[Finding]:
    """Declarations at a port the watched enterprises (and new enterprises tied to them) never used before."""
    related = {f.cause.split(":", 1)[1] for f in new_related_enterprise(store, scope, since, "")}
    enterprises = sorted(set(scope.enterprises) | related)
    before = store.query(
        f"MATCH (e:Enterprise)<-[:{lodged(store.ontology)}]-(d:Declaration) WHERE e.id IN $ents "
        "AND d.ingested_at <= $since RETURN DISTINCT d.port AS port",
        {"ents": enterprises, "since": since},
        read_only=True,
    )
    used = {r["port"] for r in before}
    findings: dict[str, Finding] = {}
    for row in _declarations_since(store, enterprises, since):
        if row["port"] in used or row["port"] is None:
            continue
        finding = findings.setdefault(
            row["port"],
            Finding(
                "new_port", f"new_port:{row['port']}", 4, f"异地申报 Declaring at a new port {row['port']}"
            ),
        )
        finding.add("Port", row["port"])
        finding.add("Declaration", row["id"])
        finding.add("Enterprise", row["enterprise"])
    return list(findings.values())


def tag_level_reached(store: GraphStore, scope: Scope, since: str, arg: str) -> list[Finding]:
    """A watched subject was given a tag of at least the given risk level."""
    level = int(arg or 4)
    ids = scope.enterprises + scope.persons + scope.vehicles + [scope.target_id]
    rows = store.query(
        "MATCH (s)-[h:HAS_TAG]->(t:Tag) WHERE s.id IN $ids AND t.level >= $level AND h.tagged_at > $since "
        "AND h.ended_at IS NULL RETURN DISTINCT labels(s)[0] AS label, s.id AS id, t.id AS tag, t.level AS level, "
        "t.name AS name",
        {"ids": ids, "level": level, "since": since},
        read_only=True,
    )
    findings: dict[str, Finding] = {}
    for row in rows:
        finding = findings.setdefault(
            row["tag"],
            Finding(
                "tag_level_reached",
                f"tag:{row['tag']}",
                int(row["level"] or level),
                f"标签 Tag {row['name'] or row['tag']} (level {row['level']})",
            ),
        )
        finding.add(row["label"], row["id"])
        finding.add("Tag", row["tag"])
    return list(findings.values())


def fence_event(store: GraphStore, scope: Scope, since: str, arg: str) -> list[Finding]:
    """A watched vehicle (or one used by a watched enterprise) entered or left a monitoring fence."""
    if "FenceEvent" not in store.ontology.nodes:
        return []
    vehicles = _vehicles(store, scope)
    rows = store.query(
        "MATCH (f:FenceEvent)-[:FENCE_EVENT_OF]->(v:Vehicle) WHERE v.id IN $vehicles AND f.ingested_at > $since "
        "RETURN DISTINCT f.id AS id, v.id AS vehicle",
        {"vehicles": vehicles, "since": since},
        read_only=True,
    )
    if not rows:
        return []
    finding = Finding("fence_event", "fence_event", 3, f"电子围栏 {len(rows)} fence event(s)")
    for row in rows:
        finding.add("FenceEvent", row["id"])
        finding.add("Vehicle", row["vehicle"])
    return [finding]


def companion_detected(store: GraphStore, scope: Scope, since: str, arg: str) -> list[Finding]:
    """A watched vehicle travelled with another vehicle (a companion link appeared)."""
    if "TRAVELLED_WITH" not in store.ontology.relationships:
        return []
    vehicles = _vehicles(store, scope)
    rows = store.query(
        "MATCH (v:Vehicle)-[t:TRAVELLED_WITH]-(o:Vehicle) WHERE v.id IN $vehicles AND t.ingested_at > $since "
        "RETURN DISTINCT v.id AS vehicle, o.id AS other",
        {"vehicles": vehicles, "since": since},
        read_only=True,
    )
    findings: dict[str, Finding] = {}
    for row in rows:
        finding = findings.setdefault(
            row["other"],
            Finding(
                "companion_detected",
                f"companion:{row['other']}",
                3,
                f"伴随车辆 Companion vehicle {row['other']}",
            ),
        )
        finding.add("Vehicle", row["vehicle"])
        finding.add("Vehicle", row["other"])
    return list(findings.values())


def dark_rendezvous(store: GraphStore, scope: Scope, since: str, arg: str) -> list[Finding]:
    """A watched vessel (or one operated by a watched enterprise) met another vessel at sea while one of
    them had its AIS switched off just before or after: a dark rendezvous (see ``tracks.sea``)."""
    if "Encounter" not in store.ontology.nodes:
        return []
    vessels = [scope.target_id] if scope.label == "Vessel" else []
    rows = store.query(
        "MATCH (x:Encounter)-[:ENCOUNTER_OF]->(v:Vessel) WHERE v.id IN $vessels AND x.dark = true "
        "AND x.ingested_at > $since RETURN x.id AS id, x.vessels AS pair, v.id AS vessel, null AS enterprise",
        {"vessels": vessels, "since": since},
        read_only=True,
    )
    rows += store.query(
        "MATCH (x:Encounter)-[o:EVENT_OPERATOR]->(e:Enterprise) WHERE e.id IN $ents AND x.dark = true "
        "AND x.ingested_at > $since RETURN x.id AS id, x.vessels AS pair, o.vessel AS vessel, e.id AS enterprise",
        {"ents": scope.enterprises, "since": since},
        read_only=True,
    )
    findings: dict[str, Finding] = {}
    for row in rows:
        finding = findings.setdefault(
            row["id"],
            Finding(
                "dark_rendezvous",
                f"dark_rendezvous:{row['id']}",
                4,
                f"暗中会合 Dark rendezvous at sea: {' / '.join(row['pair'] or [])}",
            ),
        )
        finding.add("Encounter", row["id"])
        finding.add("Vessel", row["vessel"])
        if row["enterprise"]:
            finding.add("Enterprise", row["enterprise"])
    return list(findings.values())


def _uses(store: GraphStore) -> str:
    """An enterprise using a vehicle."""
    return alternation(store.ontology.ties("shared", start="Enterprise", end="Vehicle"))


def _vehicles(store: GraphStore, scope: Scope) -> list[str]:
    rows = store.query(
        f"MATCH (e:Enterprise)-[:{_uses(store)}]->(v:Vehicle) WHERE e.id IN $ents RETURN v.id AS id",
        {"ents": scope.enterprises},
        read_only=True,
    )
    return sorted(set(scope.vehicles) | {r["id"] for r in rows})


CONDITIONS: dict[str, Callable[[GraphStore, Scope, str, str], list[Finding]]] = {
    "new_related_enterprise": new_related_enterprise,
    "new_declaration": new_declaration,
    "new_port": new_port,
    "tag_level_reached": tag_level_reached,
    "fence_event": fence_event,
    "companion_detected": companion_detected,
    "dark_rendezvous": dark_rendezvous,
}


def evaluate(store: GraphStore, watch: dict[str, Any], since: str) -> list[Finding]:
    if watch["target_label"] == PATTERN:
        return pattern_match(store, watch, since)
    scope = scope_of(store, watch["target_label"], watch["target_id"])
    findings: list[Finding] = []
    for condition in watch.get("conditions") or []:
        name, _, arg = condition.partition(":")
        findings.extend(CONDITIONS[name](store, scope, since, arg))
    return findings
