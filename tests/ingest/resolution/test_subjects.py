"""People and enterprises from other sources reach the graph, explained, with a 'possibly same' tier."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from graph.store import GraphStore
from ingest.resolution import pairwise
from ingest.resolution.review import open_review, record_action
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


def _near_duplicates() -> list[dict[str, str]]:
    """Pairs of records sharing a name, with more or less else in common: a spread of evidence."""
    rows = []
    for i in range(40):
        name = f"王{chr(0x5EFA + i)}国"
        phones = (
            f"1391111{i:04d}",
            f"1391111{i:04d}" if i % 4 == 0 else f"1391112{i:04d}" if i % 4 == 1 else "",
        )
        address = f"深圳市{chr(0x4E00 + i)}路{i}号" if i % 4 >= 2 else ""
        for copy, phone in enumerate(phones):
            rows.append(
                {
                    "record_id": f"r{i}-{copy}",
                    "source": "case_file",
                    "id_hash": "",
                    "name": name,
                    "phone": phone,
                    "address": address if copy or i % 4 == 2 else f"广州市{i}号",
                }
            )
    return rows


def test_possibly_same_pairs_are_shown_but_never_merged_and_decisions_hold(
    store: GraphStore, settings: Settings
) -> None:
    rows = _near_duplicates()
    result, summary = resolve_records(store, settings, "person", rows)
    uncertain = {(p.a, p.b) for p in result.pairs if p.decision in ("review", "possible")}
    edges = store.query(
        "MATCH (a:SourceRecord)-[l:POSSIBLY_SAME_AS]->(b:SourceRecord) RETURN a.id AS a, b.id AS b, l.explanation AS e"
    )
    assert uncertain and {(e["a"], e["b"]) for e in edges} == uncertain == set(list(uncertain))
    assert all(result.clusters[a] != result.clusters[b] for a, b in uncertain)  # never merged on their own
    assert json.loads(edges[0]["e"])[0]["field"] == "prior"
    assert summary["possibly_same"] == len(uncertain)
    a, b = sorted(uncertain)[0]
    record_action(open_review(settings), "person", "merge", a, must=[(a, b)], payload={}, user="analyst.chen")
    merged, _ = resolve_records(store, settings, "person", rows)
    assert merged.clusters[a] == merged.clusters[b]  # a reviewer's decision holds in the next run
    assert (a, b) not in {
        (e["a"], e["b"])
        for e in store.query(
            "MATCH (a:SourceRecord)-[:POSSIBLY_SAME_AS]->(b:SourceRecord) RETURN a.id AS a, b.id AS b"
        )
    }
