"""Findings carry the facts' own dates, and relation strength counts only ties between subjects.

A drift event is dated when the drift happened (the first new shell's registration, the first
declaration at the new port); its detection time is set once and left alone by later scans. Relation
strength walks only the ontology's subject ties, never a shared tag, gang or drift event.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from algorithms import drift, gangs
from algorithms.paths import strength
from graph.store import GraphStore
from tagging.dating import held_from
from tagging.service import run_tagging
from tests.conftest import ground_truth, settings_for


@pytest.fixture(scope="module")
def analysed(world_store: GraphStore, graph_server: Any) -> list[drift.DriftEvent]:
    run_tagging(world_store, settings_for(graph_server, world_store.settings.graph_name), Path("."))
    gangs.write_back(world_store, gangs.detect(world_store))
    events = drift.scan_all(world_store)
    drift.write_back(world_store, events)
    return events


def test_a_drift_event_is_dated_when_the_drift_happened(
    world_store: GraphStore, analysed: list[drift.DriftEvent]
) -> None:
    assert analysed, "the small world plants drifting gangs"
    for event in analysed:
        if event.kind == "change_of_vest":
            # the first new shell's coming into being for customs: registered, or first declaring when it
            # lay dormant (a standby shell registered long before it trades)
            rows = world_store.query(
                "MATCH (e:Enterprise) WHERE e.id IN $ids OPTIONAL MATCH (e)<-[:CONSIGNEE]-(d:Declaration) "
                "RETURN e.registered_on AS reg, min(d.date) AS first",
                {"ids": event.enterprises},
                read_only=True,
            )
            dates = [{"d": min(max(str(r["reg"] or ""), str(r["first"] or "")) for r in rows)}]
        else:
            dates = world_store.query(
                "MATCH (d:Declaration) WHERE d.id IN $ids RETURN min(d.date) AS d",
                {"ids": event.declarations},
                read_only=True,
            )
        assert event.occurred_on == str(dates[0]["d"]), event
        assert event.occurred_on > event.reference_date  # after the case that gave reason to move
        stored = world_store.node("DriftEvent", event.id)
        assert stored is not None and stored["properties"]["occurred_on"] == event.occurred_on


def test_a_later_scan_keeps_the_detection_time(
    world_store: GraphStore, analysed: list[drift.DriftEvent]
) -> None:
    first = {e.id: world_store.node("DriftEvent", e.id)["properties"]["detected_at"] for e in analysed}  # type: ignore[index]
    time.sleep(1.1)  # the clock's resolution is a second
    drift.write_back(world_store, drift.scan_all(world_store))
    again = {e.id: world_store.node("DriftEvent", e.id)["properties"]["detected_at"] for e in analysed}  # type: ignore[index]
    assert again == first


def test_relation_strength_walks_only_subject_ties(
    world_store: GraphStore, small_world: Path, analysed: list[drift.DriftEvent]
) -> None:
    ties = set(world_store.ontology.ties())
    gang = ground_truth(small_world)["gangs"][0]
    a, b = gang["enterprises"][0], gang["enterprises"][-1]
    result = strength(world_store, ("Enterprise", a), ("Enterprise", b))
    assert result.paths
    for path in result.paths:
        assert set(path.types) <= ties, path.types
        assert {n["labels"][0] for n in path.nodes}.isdisjoint({"Tag", "Gang", "DriftEvent"})
    # two enterprises sharing only a finding (the same gang node) are related through their ties, and a
    # gang node between them would have been the shortest path had findings counted
    via_gang = world_store.query(
        "MATCH (x:Enterprise {id: $a})-[:MEMBER_OF]->(g:Gang)<-[:MEMBER_OF]-(y:Enterprise {id: $b}) "
        "RETURN count(g) AS n",
        {"a": a, "b": b},
        read_only=True,
    )[0]["n"]
    assert via_gang >= 1


def test_a_tag_is_dated_by_its_evidence(world_store: GraphStore, analysed: list[drift.DriftEvent]) -> None:
    rows = world_store.query(
        "MATCH (s)-[h:HAS_TAG]->(t:Tag) RETURN s.id AS subject, t.id AS tag, h.evidence AS evidence, "
        "h.held_from AS held, h.tagged_at AS tagged",
        read_only=True,
    )
    dated = [r for r in rows if r["held"]]
    assert len(dated) >= len(rows) // 2, "most tags name dated facts (cases, declarations, registrations)"
    for row in dated:
        assert str(row["held"]) < str(row["tagged"])[:10]  # the facts' day, before the run that tagged
        assert held_from(world_store, {row["subject"]: list(row["evidence"])})[row["subject"]] == row["held"]
    case_tagged = next(r for r in dated if all("Case:" in p for p in r["evidence"]))
    opened = world_store.query(
        "MATCH (c:Case) WHERE c.id IN $ids RETURN min(c.opened_on) AS d",
        {"ids": [p.split("Case:")[1].split()[0] for p in case_tagged["evidence"]]},
        read_only=True,
    )[0]["d"]
    assert case_tagged["held"] >= str(opened)  # no earlier than the case that supports it
