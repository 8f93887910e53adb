"""Gang risk as a scorecard: the reasons add up to the score, evidence moves it and ties alone do not,
the card is checked when it is read, and on the small world caught gangs outrank the one never caught;
a re-screening after tagging reads the members' new tags."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from algorithms import gang_risk, gangs
from algorithms.gang_risk import GangFacts, Scorecard, assess, load_scorecard
from graph.store import GraphStore
from tagging.engine import apply_all
from tagging.rules import load_hierarchy
from tests.conftest import ground_truth


def test_the_reasons_add_up_to_the_score_and_each_says_what_it_read() -> None:
    facts = GangFacts(
        members=5,
        tag_level=4,
        top_tag="走私前科",
        tagged=3,
        in_case=1,
        inspections=12,
        hits=5,
        recovered_duty=2e5,
        trade_loops=1,
        ownership_loops=0,
        controllers=1,
    )
    risk = assess(facts)
    assert risk.score == pytest.approx(sum(r.contribution for r in risk.reasons), abs=1e-3)
    assert [r.contribution for r in risk.reasons] == sorted(
        (r.contribution for r in risk.reasons), reverse=True
    )
    by_code = {r.code: r for r in risk.reasons}
    assert by_code["GR-TAG"].value == pytest.approx(0.8) and "走私前科" in by_code["GR-TAG"].detail_zh
    assert by_code["GR-CASE"].detail_en == "1 of 5 members party to a case"
    assert by_code["GR-HIT"].detail_en == "5 hits in 12 inspections"
    assert {r.code for r in risk.reasons} == {f.code for f in load_scorecard().factors}


def test_ties_alone_score_low_and_each_kind_of_evidence_raises_the_score() -> None:
    tied = GangFacts(members=6, trade_loops=1, ownership_loops=1, controllers=2)
    base = assess(tied).score
    assert base <= 0.2  # being a ring is what made it a gang, not evidence against it
    for change in (
        {"tag_level": 5, "tagged": 6},
        {"in_case": 2},
        {"inspections": 20, "hits": 8},
        {"recovered_duty": 5e5},
    ):
        assert assess(GangFacts(**{**tied.__dict__, **change})).score > base, change
    everything = GangFacts(
        members=6,
        tag_level=5,
        tagged=6,
        in_case=6,
        inspections=40,
        hits=40,
        recovered_duty=1e7,
        trade_loops=2,
        ownership_loops=1,
        controllers=3,
    )
    assert assess(everything).score == pytest.approx(1.0)


def test_a_single_hit_in_a_single_inspection_is_no_full_hit_rate() -> None:
    once = {r.code: r for r in assess(GangFacts(members=3, inspections=1, hits=1)).reasons}["GR-HIT"]
    often = {r.code: r for r in assess(GangFacts(members=3, inspections=30, hits=15)).reasons}["GR-HIT"]
    assert once.value < 0.5 < often.value


def test_the_scorecard_is_checked_when_it_is_read(tmp_path: Path) -> None:
    raw = yaml.safe_load(Path(gang_risk.__file__).with_name("gang_risk.yaml").read_text(encoding="utf-8"))
    raw["factors"][0]["weight"] += 0.1
    with pytest.raises(ValueError, match="add up to 1.100"):
        Scorecard.model_validate(raw)
    raw["factors"][0]["weight"] -= 0.1
    raw["factors"][0]["measure"] = "colour"
    with pytest.raises(ValueError, match="unknown measure 'colour'"):
        Scorecard.model_validate(raw)
    lighter = yaml.safe_load(Path(gang_risk.__file__).with_name("gang_risk.yaml").read_text(encoding="utf-8"))
    for factor in lighter["factors"]:  # an analyst's card: cases count for all, nothing else counts
        factor["weight"] = 1.0 if factor["code"] == "GR-CASE" else 1e-9
    lighter["factors"] = [f for f in lighter["factors"] if f["code"] == "GR-CASE"]
    path = tmp_path / "card.yaml"
    path.write_text(yaml.safe_dump(lighter), encoding="utf-8")
    card = load_scorecard(path)
    assert assess(GangFacts(members=5, in_case=1, tag_level=5), card).score == pytest.approx(0.5)


@pytest.fixture(scope="module")
def detected(world_store: GraphStore) -> gangs.GangRun:
    run = gangs.detect(world_store)
    gangs.write_back(world_store, run)
    return run


def test_caught_gangs_outrank_the_gang_never_caught_and_scores_spread(
    detected: gangs.GangRun, small_world: Path
) -> None:
    caught = {
        e: bool(g["case_id"])
        for g in ground_truth(small_world)["gangs"]
        for e in g["enterprises"] + g.get("drift_enterprises", [])
    }
    ranked = sorted(detected.gangs, key=lambda g: -g.risk)
    flags = [sum(caught.get(m, False) for m in g.members) * 2 > len(g.members) for g in ranked]
    assert True in flags and False in flags
    assert flags == sorted(flags, reverse=True)  # every caught gang ranks above every other
    scores = [g.risk for g in ranked]
    assert len(set(scores)) == len(scores) and max(scores) < 0.95 and max(scores) - min(scores) >= 0.15


def test_stored_reasons_add_up_and_a_rescreening_reads_new_tags(
    world_store: GraphStore, detected: gangs.GangRun
) -> None:
    gang = max(detected.gangs, key=lambda g: g.risk)
    stored = world_store.query(
        "MATCH (g:Gang {id: $id}) RETURN g.risk AS risk, g.risk_reasons AS reasons", {"id": gang.id}
    )[0]
    reasons = json.loads(stored["reasons"])
    assert stored["risk"] == pytest.approx(sum(r["contribution"] for r in reasons), abs=1e-3)
    tag_before = {r["code"]: r for r in reasons}["GR-TAG"]["value"]
    assert tag_before == 0  # this world is not tagged yet
    apply_all(world_store, load_hierarchy())
    previous, now = gangs.rescreen(world_store, gang.id)
    assert previous == pytest.approx(gang.risk)
    after = {r.code: r for r in now.reasons}
    assert after["GR-TAG"].value > 0 and now.score > gang.risk
    written = world_store.query(
        "MATCH (g:Gang {id: $id}) RETURN g.risk AS risk, g.risk_reasons AS reasons, g.screened_at AS at",
        {"id": gang.id},
    )[0]
    assert written["risk"] == now.score and json.loads(written["reasons"])[0]["code"] == now.reasons[0].code
    with pytest.raises(KeyError):
        gangs.rescreen(world_store, "GANG-NOPE")


def test_the_declaration_model_reads_the_members_records_not_their_outcomes_or_shape() -> None:
    outcomes_and_shape = GangFacts(
        members=4,
        inspections=40,
        hits=30,
        recovered_duty=1e6,
        trade_loops=2,
        ownership_loops=1,
        controllers=2,
    )
    risk = assess(outcomes_and_shape)
    assert risk.score > 0.3 and risk.record == 0  # the model learns outcomes itself, as of each date
    records = assess(GangFacts(members=4, tag_level=5, tagged=4, in_case=4))
    assert records.record == pytest.approx(1.0) and records.score == pytest.approx(0.55)


def test_a_restricted_case_does_not_count_in_a_risk_every_unit_reads(store: GraphStore) -> None:
    store.query(
        "CREATE (:Enterprise {id: 'E1'}), (:Enterprise {id: 'E2'}), (:Enterprise {id: 'E3'}), "
        "(:Case {id: 'C-OPEN', kind: 'administrative', restricted: false, unit: 'U1'}), "
        "(:Case {id: 'C-HELD', kind: 'criminal', restricted: true, unit: 'U1'})"
    )
    store.query(
        "MATCH (e1:Enterprise {id: 'E1'}), (e2:Enterprise {id: 'E2'}), (o:Case {id: 'C-OPEN'}), "
        "(h:Case {id: 'C-HELD'}) CREATE (e1)-[:INVOLVED_IN]->(o), (e2)-[:INVOLVED_IN]->(h)"
    )
    found = gang_risk.facts(store, ["E1", "E2", "E3"])
    assert (found.members, found.in_case) == (3, 1)  # E2's case is its unit's alone
    reasons = {r.code: r for r in assess(found).reasons}
    assert reasons["GR-CASE"].detail_en == "1 of 3 members party to a case"
