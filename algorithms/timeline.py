"""A subject's timeline: its declarations, inspections, cases, tags, alerts and drift events, in time order.

For an enterprise: the declarations it lodged (or that were lodged for it) and their inspections, the
cases it is party to, the tags it was given, the alerts and drift events that name it. For a person or a
vehicle: through the enterprises they act for or are used by. Every event carries the node it stands for,
so a view can link the timeline and the graph canvas both ways. What the reader's unit may not see
(restricted cases and alerts of another unit) is left out, as everywhere; a subject it may not see has
no timeline.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from algorithms.ties import alternation, lodged, office
from algorithms.visibility import Viewer
from graph.store import GraphStore


@dataclass
class Event:
    at: str
    kind: str  # declaration, inspection, case, tag, alert, drift
    title: str
    label: str
    id: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _enterprises(store: GraphStore, label: str, node_id: str) -> list[str]:
    if label == "Enterprise":
        return [node_id]
    if label == "Person":
        rows = store.query(
            f"MATCH (:Person {{id: $id}})-[:{office(store.ontology)}]->(e:Enterprise) RETURN DISTINCT e.id AS id",
            {"id": node_id},
            read_only=True,
        )
    elif label == "Vehicle":
        rows = store.query(
            f"MATCH (e:Enterprise)-[:{alternation(store.ontology.ties('shared', start='Enterprise', end='Vehicle'))}]->"
            "(:Vehicle {id: $id}) RETURN DISTINCT e.id AS id",
            {"id": node_id},
            read_only=True,
        )
    else:
        raise ValueError(f"a timeline is kept for enterprises, people and vehicles, not {label}")
    return [r["id"] for r in rows]


def timeline(
    store: GraphStore, label: str, node_id: str, *, unit: str = "*", limit: int = 500
) -> list[Event]:
    ents = _enterprises(store, label, node_id)
    viewer = Viewer(store.ontology, unit)
    if viewer.node(store, label, node_id) is None:
        return []
    params = {"ents": ents, "limit": limit, "id": node_id, **viewer.params}
    events: list[Event] = []
    onto = store.ontology
    for row in store.query(
        f"MATCH (d:Declaration)-[:{lodged(onto)}]->(e:Enterprise) WHERE e.id IN $ents "
        "OPTIONAL MATCH (i:Inspection)-[:INSPECTION_OF]->(d) "
        "RETURN DISTINCT d.id AS id, d.date AS at, d.port AS port, d.goods AS goods, d.value_usd AS value, "
        "i.id AS inspection, i.date AS inspected, i.outcome AS outcome ORDER BY at DESC LIMIT $limit",
        params,
        read_only=True,
    ):
        events.append(
            Event(
                str(row["at"]),
                "declaration",
                f"报关 {row['port']} {row['goods']} {row['value'] or 0:,.0f} USD",
                "Declaration",
                row["id"],
            )
        )
        if row["inspection"]:
            events.append(
                Event(
                    str(row["inspected"] or row["at"]),
                    "inspection",
                    f"查验 {row['outcome']}",
                    "Inspection",
                    row["inspection"],
                )
            )
    for row in store.query(
        f"MATCH (s)-[:INVOLVED_IN]->(c:Case) WHERE (s.id IN $ents OR s.id = $id) AND {viewer.where('c')} "
        "RETURN DISTINCT c.id AS id, c.opened_on AS at, c.title AS title, c.kind AS kind",
        params,
        read_only=True,
    ):
        events.append(
            Event(
                str(row["at"]), "case", f"案件 {row['kind']} {row['title'] or ''}".strip(), "Case", row["id"]
            )
        )
    for row in store.query(
        "MATCH (s)-[h:HAS_TAG]->(t:Tag) WHERE s.id IN $ents OR s.id = $id "
        "RETURN DISTINCT t.id AS id, coalesce(h.held_from, h.tagged_at) AS at, t.name AS name, t.level AS level",
        params,
        read_only=True,
    ):
        events.append(
            Event(
                str(row["at"]),
                "tag",
                f"标签 {row['id']} {row['name'] or ''} L{row['level']}",
                "Tag",
                row["id"],
            )
        )
    for row in store.query(
        f"MATCH (a:Alert)-[:ALERT_ON]->(s) WHERE (s.id IN $ents OR s.id = $id) AND {viewer.where('a')} "
        "RETURN DISTINCT a.id AS id, a.raised_at AS at, a.title AS title",
        params,
        read_only=True,
    ):
        events.append(Event(str(row["at"]), "alert", f"预警 {row['title']}", "Alert", row["id"]))
    for row in store.query(
        "MATCH (d:DriftEvent)-[:DRIFT_EVIDENCE]->(s) WHERE s.id IN $ents OR s.id = $id "
        "RETURN DISTINCT d.id AS id, coalesce(d.occurred_on, d.detected_at) AS at, d.kind AS kind, d.port AS port",
        params,
        read_only=True,
    ):
        events.append(
            Event(
                str(row["at"]),
                "drift",
                f"漂移 {row['kind']} {row['port'] or ''}".strip(),
                "DriftEvent",
                row["id"],
            )
        )
    events.sort(key=lambda e: (e.at, e.kind, e.id))
    return events
