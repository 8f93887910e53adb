"""People and enterprises from other sources reach the graph, explained, with a 'possibly same' tier."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from graph.store import GraphStore
from ingest.resolution import pairwise
from ingest.resolution.review import decide, items, open_review
from ingest.resolution.subjects import resolve_records
from tests.conftest import ground_truth
from tianji.core.settings import Settings


def test_person_records_link_to_their_person_with_weight_and_explanation(
    world_store: GraphStore, small_world: Path, settings: Settings
) -> None:
    truth = ground_truth(small_world)["person_identity"]
    rows = list(csv.DictReader((small_world / "person_records.csv").open(encoding="utf-8")))
    for row in rows:  # case files carry no ID number: only their other fields can link them
        if row["source"] == "case_file":
            row["id_hash"] = ""
    assert any(not r["id_hash"] and truth[r["record_id"]] for r in rows)
    result, summary = resolve_records(world_store, settings, "person", rows)
    scores = pairwise(result.clusters, truth)
    assert scores["precision"] >= 0.98 and scores["recall"] >= 0.95
    assert world_store.count("SourceRecord") == len(rows) - summary["unresolved"]
    linked = world_store.query(
        "MATCH (r:SourceRecord)-[l:SAME_AS]->(p:Person) WHERE l.method STARTS WITH 'fellegi' "
        "RETURN r.id AS r, p.id AS p, l.weight AS w, l.explanation AS e LIMIT 5"
    )
    assert linked and all(truth[row["r"]] == row["p"] and row["w"] > 0 for row in linked)
    assert [s["field"] for s in json.loads(linked[0]["e"])][:2] == ["prior", "name"]
    again, _ = resolve_records(world_store, settings, "person", rows)
    assert again.clusters == result.clusters  # subject ids are stable across runs


def test_possibly_same_pairs_are_shown_but_never_merged_and_decisions_hold(
    store: GraphStore, settings: Settings
) -> None:
    rows = [
        {
            "record_id": "r1",
            "source": "case_file",
            "id_hash": "",
            "name": "王建国",
            "phone": "13911112222",
            "address": "",
        },
        {
            "record_id": "r2",
            "source": "driver_record",
            "id_hash": "",
            "name": "王建华",
            "phone": "13911112223",
            "address": "",
        },
        *(
            {
                "record_id": f"x{i}",
                "source": "case_file",
                "id_hash": "",
                "name": f"李{i}号",
                "phone": f"1380000{i:04d}",
                "address": "",
            }
            for i in range(60)
        ),
    ]
    result, summary = resolve_records(store, settings, "person", rows)
    assert result.clusters["r1"] != result.clusters["r2"]
    edges = store.query(
        "MATCH (a:SourceRecord)-[l:POSSIBLY_SAME_AS]->(b:SourceRecord) RETURN a.id AS a, b.id AS b, l.decision AS d"
    )
    assert {(e["a"], e["b"]) for e in edges} >= {("r1", "r2")}
    queued = [i for i in items(open_review(settings), "person") if {i["a"], i["b"]} == {"r1", "r2"}]
    if queued:  # in the review band: a reviewer's confirmation merges them on the next run
        decide(open_review(settings), queued[0]["id"], "confirm", "analyst.chen")
        merged, _ = resolve_records(store, settings, "person", rows)
        assert merged.clusters["r1"] == merged.clusters["r2"]
    assert summary["possibly_same"] >= 1
