"""Tagging on the small synthetic world: exact layer I/II counts, dry run = apply, history kept, bad rules refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from graph.store import GraphStore
from tagging.engine import apply, apply_all, dry_run
from tagging.rules import RuleError, load_hierarchy, parse_tag
from tagging.service import current_hierarchy, propose, retire, save_and_apply, subject_tags
from tests.conftest import ground_truth
from tianji.core.settings import Settings


def tagged(store: GraphStore, code: str) -> set[str]:
    rows = store.query(
        "MATCH (e:Enterprise)-[h:HAS_TAG]->(:Tag {id: $code}) WHERE h.ended_at IS NULL RETURN e.id AS id",
        {"code": code},
    )
    return {r["id"] for r in rows}


@pytest.fixture(scope="module")
def tagged_store(world_store: GraphStore) -> GraphStore:
    apply_all(world_store, load_hierarchy())
    return world_store


def test_layer_one_and_two_equal_the_ground_truth(tagged_store: GraphStore, small_world: Path) -> None:
    truth = ground_truth(small_world)["case_subjects"]
    assert tagged(tagged_store, "BL-I-CASE") == set(truth["layer1_enterprises"])
    assert tagged(tagged_store, "BL-II-OFFICER") == set(truth["layer2_enterprises"])
    assert truth["layer2_enterprises"]  # the small world does plant them


def test_tags_carry_provenance_and_definitions_are_nodes(tagged_store: GraphStore, small_world: Path) -> None:
    enterprise = ground_truth(small_world)["case_subjects"]["layer1_enterprises"][0]
    tags = {t["code"]: t for t in subject_tags(tagged_store, "Enterprise", enterprise)}
    case = tags["BL-I-CASE"]
    assert case["rule"] == "BL-I-CASE:pattern" and case["rule_version"] == 1 and case["tagged_at"]
    assert case["evidence"] and all(e.startswith("Case:C") for e in case["evidence"])
    assert case["level"] == 5 and case["layer"] == "I" and case["category"] == "blacklist"
    assert tagged_store.count("Tag") == len(load_hierarchy().tags)


def test_reapplying_changes_nothing_and_dry_run_equals_apply(tagged_store: GraphStore) -> None:
    hierarchy = load_hierarchy()
    for tag in hierarchy.tags:
        change = dry_run(tagged_store, tag)
        assert change.add == [] and change.remove == [], tag.code
    volatile = hierarchy.tag("BH-VOLATILE")
    looser = volatile.model_copy(update={"rule": volatile.rule.model_copy(update={"threshold": 1.2})})
    preview = dry_run(tagged_store, looser)
    done = apply(tagged_store, looser)
    assert (done.add, done.remove) == (preview.add, preview.remove) and preview.add
    back = apply(tagged_store, volatile)  # the original threshold again: exactly those are closed
    assert back.remove == preview.add and back.add == []


def test_a_tag_that_no_longer_holds_is_closed_not_deleted(
    world_store: GraphStore, small_world: Path, settings: Settings
) -> None:
    settings = settings.model_copy(update={"data_dir": settings.data_dir / "tags_history"})
    apply_all(world_store, current_hierarchy(settings))
    before = tagged(world_store, "BL-II-OFFICER")
    change = retire(world_store, settings, "BL-II-OFFICER", "analyst.chen")
    assert sorted(change.remove) == sorted(before) and tagged(world_store, "BL-II-OFFICER") == set()
    ended = world_store.query(
        "MATCH ()-[h:HAS_TAG]->(:Tag {id: 'BL-II-OFFICER'}) RETURN count(h) AS n, "
        "sum(CASE WHEN h.ended_at IS NULL THEN 0 ELSE 1 END) AS ended"
    )[0]
    assert ended["n"] == ended["ended"] == len(before)
    assert current_hierarchy(settings).tag("BL-II-OFFICER").retired is True


RULE = """
code: BL-II-VEHICLE
category: blacklist
level: 4
layer: II
name_zh: 涉案车辆使用企业
name_en: Enterprise using a vehicle from a case
rule:
  kind: pattern
  subject: Enterprise
  path:
    - {rel: [USES_VEHICLE], dir: out, to: Vehicle}
    - {rel: [INVOLVED_IN], dir: out, to: Case}
"""


def test_analyst_loop_validates_previews_applies_and_logs(
    world_store: GraphStore, settings: Settings
) -> None:
    settings = settings.model_copy(update={"data_dir": settings.data_dir / "tags_loop"})
    tag, preview = propose(world_store, settings, RULE)
    assert tag.code == "BL-II-VEHICLE" and preview.remove == []
    change = save_and_apply(world_store, settings, RULE, "analyst.chen")
    assert change.add == preview.add
    assert current_hierarchy(settings).version == load_hierarchy().version + 1
    from tagging.service import changes

    log = changes(settings)
    assert (
        log[-1]["user"] == "analyst.chen"
        and log[-1]["code"] == "BL-II-VEHICLE"
        and log[-1]["action"] == "create"
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "code: X1\ncategory: blacklist\nlevel: 9\nlayer: I\nname_zh: a\nname_en: a\nrule: {kind: pattern, subject: "
            "Enterprise, path: [{rel: [INVOLVED_IN], to: Case}]}",
            "less than or equal to 5",
        ),
        (
            "code: X2\ncategory: blacklist\nlevel: 3\nlayer: I\nname_zh: a\nname_en: a\nrule: {kind: pattern, subject: "
            "Enterprise, path: [{rel: [OWNS], to: Case}]}",
            "unknown relationship type 'OWNS'",
        ),
        (
            "code: X3\ncategory: blacklist\nlevel: 3\nlayer: I\nname_zh: a\nname_en: a\nrule: {kind: pattern, subject: "
            "Company, path: [{rel: [INVOLVED_IN], to: Case}]}",
            "unknown label 'Company'",
        ),
        ("code: [unclosed", "does not parse"),
        (
            "code: X4\ncategory: blacklist\nlevel: 3\nlayer: I\nname_zh: a\nname_en: a\nrule: {kind: propagate, "
            "from_tag: X4, subject: Enterprise, via: [LOCATED_AT]}",
            "no tag 'X4'",
        ),
    ],
)
def test_bad_rules_are_refused_before_they_run(text: str, message: str) -> None:
    with pytest.raises(RuleError, match=message):
        parse_tag(text, load_hierarchy())


def test_a_rule_that_would_tag_everything_is_refused(world_store: GraphStore) -> None:
    everything = parse_tag(
        "code: X5\ncategory: behaviour\nlevel: 1\nlayer: I\nname_zh: a\nname_en: a\n"
        "rule: {kind: pattern, subject: Enterprise, path: [{rel: [LOCATED_AT], to: Address}]}",
        load_hierarchy(),
    )
    with pytest.raises(RuleError, match="would tag"):
        dry_run(world_store, everything)


def test_propagation_cycles_are_refused(tmp_path: Path) -> None:
    import yaml

    from tagging.rules import HIERARCHY

    doc = yaml.safe_load(HIERARCHY.read_text(encoding="utf-8"))
    doc["tags"].append(
        {
            "code": "CY-A",
            "category": "logistics",
            "level": 2,
            "layer": "II",
            "name_zh": "a",
            "name_en": "a",
            "rule": {"kind": "propagate", "from_tag": "CY-B", "subject": "Enterprise", "via": ["LOCATED_AT"]},
        }
    )
    doc["tags"].append(
        {
            "code": "CY-B",
            "category": "logistics",
            "level": 2,
            "layer": "II",
            "name_zh": "b",
            "name_en": "b",
            "rule": {"kind": "propagate", "from_tag": "CY-A", "subject": "Enterprise", "via": ["LOCATED_AT"]},
        }
    )
    path = tmp_path / "h.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    with pytest.raises(RuleError, match="propagation cycle"):
        load_hierarchy(path)
