"""A subject's timeline on the small world: every kind of event, in time order, each naming its node."""

from __future__ import annotations

import pytest

from algorithms.timeline import timeline
from graph.store import GraphStore


def test_an_enterprise_and_its_legal_representative_have_the_same_story(world_store: GraphStore) -> None:
    row = world_store.query(
        "MATCH (e:Enterprise)-[:INVOLVED_IN]->(c:Case) MATCH (d:Declaration)-[:CONSIGNEE]->(e) "
        "MATCH (i:Inspection)-[:INSPECTION_OF]->(d) MATCH (p:Person)-[:LEGAL_REP_OF]->(e) "
        "RETURN e.id AS e, p.id AS p, c.id AS c LIMIT 1"
    )[0]
    events = timeline(world_store, "Enterprise", row["e"])
    kinds = {e.kind for e in events}
    assert {"declaration", "inspection", "case"} <= kinds
    assert [e.at for e in events] == sorted(e.at for e in events)
    assert any(e.label == "Case" and e.id == row["c"] for e in events)
    declared = world_store.query(
        "MATCH (d:Declaration)-[:CONSIGNEE|DECLARING_AGENT]->(:Enterprise {id: $e}) RETURN count(DISTINCT d) AS n",
        {"e": row["e"]},
    )[0]["n"]
    assert sum(e.kind == "declaration" for e in events) == declared
    person = {(e.kind, e.id) for e in timeline(world_store, "Person", row["p"])}
    assert {(e.kind, e.id) for e in events if e.kind == "declaration"} <= person
    with pytest.raises(ValueError, match="enterprises, people and vehicles"):
        timeline(world_store, "Vessel", "9074729")
