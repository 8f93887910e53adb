"""Entity resolution against the small world's ground truth, on the graph and on plain tables."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from graph.store import GraphStore
from ingest.keys import mention_id
from ingest.resolution import normalize, pairwise, resolve
from ingest.resolution.overseas import resolve_overseas
from ingest.resolution.review import decide, items, open_review
from tests.conftest import ground_truth
from tianji.settings import Settings


def test_overseas_parties_meet_the_precision_and_recall_goals(
    world_store: GraphStore, small_world: Path, settings: Settings
) -> None:
    result, summary = resolve_overseas(world_store, settings)
    truth = {
        mention_id(i["name"], i["country"]): i["party"]
        for i in ground_truth(small_world)["overseas_identity"]
    }
    scores = pairwise(result.clusters, truth)
    assert scores["precision"] >= 0.98 and scores["recall"] >= 0.95, scores
    assert world_store.count("OverseasParty") == summary["subjects"] < summary["mentions"]
    linked = world_store.query(
        "MATCH (m:PartyMention)-[s:SAME_AS]->(:OverseasParty) RETURN count(m) AS n, min(s.score) AS low"
    )[0]
    assert linked["n"] == summary["mentions"] and linked["low"] > 0


def test_subject_ids_are_stable_across_runs(world_store: GraphStore, settings: Settings) -> None:
    resolve_overseas(world_store, settings)
    before = {
        r["m"]: r["p"]
        for r in world_store.query(
            "MATCH (m:PartyMention)-[:SAME_AS]->(p:OverseasParty) RETURN m.id AS m, p.id AS p"
        )
    }
    resolve_overseas(world_store, settings)
    after = {
        r["m"]: r["p"]
        for r in world_store.query(
            "MATCH (m:PartyMention)-[:SAME_AS]->(p:OverseasParty) RETURN m.id AS m, p.id AS p"
        )
    }
    assert before == after


def test_people_and_enterprises_from_other_sources(small_world: Path) -> None:
    truth = ground_truth(small_world)
    people = list(csv.DictReader((small_world / "person_records.csv").open(encoding="utf-8")))
    result = resolve(
        people,
        id_field="record_id",
        normalise=normalize.person,
        strong_key="id_hash",
        agree_on_any=["phone", "address"],
    )
    assert pairwise(result.clusters, truth["person_identity"])["precision"] >= 0.98
    registry = [
        {"record_id": e["uscc"], "uscc": e["uscc"], "name": e["name"], "address": e["address"]}
        for e in csv.DictReader((small_world / "enterprises.csv").open(encoding="utf-8"))
    ]
    records = list(csv.DictReader((small_world / "enterprise_records.csv").open(encoding="utf-8")))
    expected = dict(truth["enterprise_identity"]) | {r["record_id"]: r["uscc"] for r in registry}
    result = resolve(
        registry + records,
        id_field="record_id",
        normalise=normalize.chinese_enterprise,
        strong_key="uscc",
        agree_on_any=["address"],
    )
    scores = pairwise(result.clusters, expected)
    assert scores["precision"] >= 0.98 and scores["recall"] >= 0.95


@pytest.mark.parametrize(
    ("a", "b"),
    [("广州华盛贸易有限公司", "华盛贸易（广州）有限责任公司"), ("ＡＢＣ 贸易有限公司", "ABC贸易有限公司")],
)
def test_chinese_name_variants_normalise_alike(a: str, b: str) -> None:
    assert normalize.chinese_enterprise(a) == normalize.chinese_enterprise(b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("GOLDEN STAR TRADING CO., LTD.", "golden star trdg company limited"),
        ("MÜLLER ATLAS GMBH", "MUELLER ATLAS G.M.B.H."),
        ("SUN ORIENT INTL LLC", "Sun Orient International L.L.C."),
    ],
)
def test_overseas_name_variants_normalise_alike(a: str, b: str) -> None:
    assert normalize.overseas(a) == normalize.overseas(b)


def test_bad_input_gets_a_clear_outcome_and_no_black_hole() -> None:
    records = [
        {"id": "1", "name": ""},
        {"id": "2", "name": "CO., LTD."},
        {"id": "3", "name": "X" * 400},
        {"id": "4", "name": "ACME TRADING"},
        {"id": "4", "name": "ACME TRADING"},
        {"id": "5", "name": "ACME TRADING GMBH"},
        {"id": "6", "name": "贸易 ACME 有限公司"},
    ]
    result = resolve(records, normalise=normalize.overseas)
    assert result.unresolved["1"] == "empty name"
    assert "only a legal form" in result.unresolved["2"] and "longer than" in result.unresolved["3"]
    assert "duplicate" in result.unresolved["4#dup"]
    chain = [{"id": f"c{i}", "name": "ALPHA BETA " + "X" * i} for i in range(1, 80)]  # each close to the next
    clusters = resolve(chain, normalise=normalize.overseas, max_cluster=10).members()
    assert max(len(m) for m in clusters.values()) <= 10  # no giant cluster swallowing a chain of near names


def test_review_decisions_are_kept_and_respected(settings: Settings) -> None:
    records = [{"id": "a", "name": "NORTHERN STAR SEAFOOD"}, {"id": "b", "name": "NORTHERN STAR SEAFOODS"}]
    engine = open_review(settings)
    from ingest.resolution.review import decisions, enqueue

    result = resolve(records, normalise=normalize.overseas, accept=0.999, review=0.8)
    assert enqueue(engine, "test", result.pairs) == 1 and result.clusters["a"] != result.clusters["b"]
    item = items(engine, "test")[0]
    decide(engine, item["id"], "confirmed", "analyst.chen")
    must, cannot = decisions(engine, "test")
    again = resolve(records, normalise=normalize.overseas, accept=0.999, review=0.8, must_link=must)
    assert again.clusters["a"] == again.clusters["b"]
    decide(engine, item["id"], "rejected", "analyst.chen")  # reversed, and logged
    must, cannot = decisions(engine, "test")
    split = resolve(records, normalise=normalize.overseas, must_link=must, cannot_link=cannot)
    assert split.clusters["a"] != split.clusters["b"]
