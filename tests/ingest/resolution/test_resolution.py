"""Entity resolution against the small world's ground truth, on the graph and on plain tables."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest

from graph.store import GraphStore
from ingest.keys import mention_id
from ingest.resolution import normalize, pairwise, resolve
from ingest.resolution.overseas import resolve_overseas
from ingest.resolution.review import decide, items, open_review
from tests.conftest import ground_truth
from tianji.core.settings import Settings


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


def _overseas_records(small_world: Path) -> tuple[list[dict[str, str]], dict[str, str]]:
    records, truth = [], {}
    for item in ground_truth(small_world)["overseas_identity"]:
        mid = mention_id(item["name"], item["country"])
        if mid not in truth:
            records.append({"id": mid, "name": item["name"], "country": item["country"]})
            truth[mid] = item["party"]
    return records, truth


def test_an_interrupted_batch_run_resumes_without_redoing_finished_blocks(
    small_world: Path, tmp_path: Path
) -> None:
    records, truth = _overseas_records(small_world)
    options: dict[str, Any] = {"normalise": normalize.overseas, "same": ["country"], "block_size": 300}
    whole = resolve(records, **options)
    done: list[str] = []

    def interrupt_after_three(block: str) -> None:
        done.append(block)
        if len(done) == 3:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        resolve(records, checkpoint=tmp_path, on_block=interrupt_after_three, progress=True, **options)
    redone: list[str] = []
    resumed = resolve(records, checkpoint=tmp_path, on_block=redone.append, **options)
    assert len(done) == 3 and not set(done) & set(redone) and redone  # finished blocks were not redone
    assert resumed.clusters == whole.clusters  # and the result is the uninterrupted run's
    assert pairwise(resumed.clusters, truth)["precision"] >= 0.98


def test_semantic_blocking_embeds_the_residue_once_and_keeps_the_goals(
    small_world: Path, tmp_path: Path
) -> None:
    from ingest.resolution.semantic import EmbeddingCache, nearest

    cache = EmbeddingCache(tmp_path / "e.npz")
    names = ["northern star seafood", "northern star sea food", "blue river textiles", "blue rivers textile"]
    embedded: list[int] = []
    vectors = cache.embed(names, on_batch=embedded.append)
    assert vectors.shape == (4, 384) and embedded == [4]
    assert {(i, j) for i, j, _ in nearest(vectors, k=1, threshold=0.6)} == {(0, 1), (2, 3)}
    again: list[int] = []
    EmbeddingCache(tmp_path / "e.npz").embed(names, on_batch=again.append)
    assert again == []  # cached on disk: nothing embedded twice
    records, truth = _overseas_records(small_world)
    done: list[str] = []
    result = resolve(
        records,
        normalise=normalize.overseas,
        same=["country"],
        semantic=True,
        checkpoint=tmp_path,
        on_block=done.append,
    )
    assert "semantic" in done
    scores = pairwise(result.clusters, truth)
    assert scores["precision"] >= 0.98 and scores["recall"] >= 0.95, scores


def _assignments(store: GraphStore) -> dict[str, str]:
    rows = store.query("MATCH (m:PartyMention)-[:SAME_AS]->(p:OverseasParty) RETURN m.id AS m, p.id AS p")
    return {r["m"]: r["p"] for r in rows}


def test_merge_and_split_are_logged_kept_by_later_runs_and_reversible(
    world_store: GraphStore, settings: Settings
) -> None:
    from ingest.resolution.overseas import merge_parties, revert, split_party
    from ingest.resolution.review import list_actions

    resolve_overseas(world_store, settings)
    before = _assignments(world_store)
    subjects: dict[str, list[str]] = {}
    for mention, party in sorted(before.items()):
        subjects.setdefault(party, []).append(mention)
    keep, other = sorted(p for p, ms in subjects.items() if len(ms) >= 2)[:2]
    merged = merge_parties(world_store, settings, keep, other, "analyst.chen")
    assert all(_assignments(world_store)[m] == keep for m in subjects[other])
    resolve_overseas(world_store, settings)  # a later run keeps the reviewer's merge
    assert all(_assignments(world_store)[m] == keep for m in subjects[other])

    big = max(subjects, key=lambda p: (len(subjects[p]), p))
    moved = subjects[big][:1]
    split = split_party(world_store, settings, big, moved, "analyst.chen")
    new_subject = split["payload"]["new"]
    assert _assignments(world_store)[moved[0]] == new_subject
    resolve_overseas(world_store, settings)  # and its split
    after = _assignments(world_store)
    assert after[moved[0]] == new_subject and all(after[m] == big for m in subjects[big][1:])

    revert(world_store, settings, split["id"], "lead.wang")
    revert(world_store, settings, merged["id"], "lead.wang")
    resolve_overseas(world_store, settings)
    assert _assignments(world_store) == before  # both reverted: back to what the resolver decides
    log = {a["id"]: a for a in list_actions(open_review(settings))}
    assert log[merged["id"]]["reverted_by"] == "lead.wang" and log[split["id"]]["action"] == "split"
    with pytest.raises(ValueError, match="already reverted"):
        revert(world_store, settings, merged["id"], "lead.wang")
    with pytest.raises(ValueError, match="keeps at least one"):
        split_party(world_store, settings, keep, subjects[keep], "analyst.chen")


def test_new_mentions_resolve_incrementally_against_existing_subjects(
    world_store: GraphStore, settings: Settings
) -> None:
    resolve_overseas(world_store, settings)
    before = _assignments(world_store)
    party = sorted(before.values())[0]
    name, country = world_store.query(
        "MATCH (m:PartyMention)-[:SAME_AS]->(:OverseasParty {id: $p}) RETURN m.name AS n, m.country AS c LIMIT 1",
        {"p": party},
    )[0].values()
    variant = name.upper().replace(" ", "  ", 1) + "."
    fresh = "QUIXOTIC ZEPHYR MARINE SUPPLIES"
    world_store.merge_nodes(
        "PartyMention",
        [
            {"id": mention_id(variant, country), "name": variant, "country": country},
            {"id": mention_id(fresh, "NZ"), "name": fresh, "country": "NZ"},
        ],
    )
    _, summary = resolve_overseas(world_store, settings, incremental=True)
    after = _assignments(world_store)
    assert summary["new_mentions"] == 2 and summary["mentions"] < len(before)  # only a neighbourhood
    assert after[mention_id(variant, country)] == party  # joined the existing subject
    assert after[mention_id(fresh, "NZ")] not in set(before.values())  # a new subject
    assert {m: after[m] for m in before} == before  # nothing else moved
    assert resolve_overseas(world_store, settings, incremental=True)[1]["new_mentions"] == 0
