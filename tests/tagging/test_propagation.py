"""Propagation through shared addresses and phones: a private tie passes a blacklist tag on, a generic one
(a business park's address tying dozens of enterprises) passes nothing."""

from __future__ import annotations

from pathlib import Path

from graph.store import GraphStore
from tagging.engine import apply, evaluate, write_definitions
from tagging.rules import load_hierarchy
from tests.conftest import ground_truth


def test_a_shared_phone_propagates_and_a_park_address_does_not(
    world_store: GraphStore, small_world: Path
) -> None:
    hierarchy = load_hierarchy()
    tags = {t.code: t for t in hierarchy.tags}
    write_definitions(world_store, hierarchy)
    assert apply(world_store, tags["BL-I-CASE"]).add
    layer1 = set(ground_truth(small_world)["case_subjects"]["layer1_enterprises"])
    source = sorted(layer1)[0]
    before = set(evaluate(world_store, tags["BL-III-SHELL"]).matches)
    others = [
        r["id"]
        for r in world_store.query("MATCH (e:Enterprise) RETURN e.id AS id ORDER BY e.id")
        if r["id"] not in layer1 | before
    ]
    park, partner = others[:14], others[14]
    world_store.merge_nodes("Address", [{"id": "ADDR-PARK-TEST", "text": "科技园区1号楼"}])
    world_store.merge_nodes("Phone", [{"id": "PHONE-PRIVATE-TEST"}])
    world_store.merge_relationships(
        "LOCATED_AT",
        "Enterprise",
        "Address",
        [{"start": e, "end": "ADDR-PARK-TEST"} for e in [source, *park]],
    )
    world_store.merge_relationships(
        "HAS_PHONE",
        "Enterprise",
        "Phone",
        [{"start": e, "end": "PHONE-PRIVATE-TEST"} for e in (source, partner)],
    )
    found = evaluate(world_store, tags["BL-III-SHELL"]).matches
    assert partner in found and any("PHONE-PRIVATE-TEST" in path for path in found[partner])
    assert not set(park) & set(found)  # fifteen enterprises at one address: generic, passes nothing


def test_a_node_of_max_shared_subjects_passes_the_tag_on_and_one_more_does_not(
    world_store: GraphStore, small_world: Path
) -> None:
    hierarchy = load_hierarchy()
    tags = {t.code: t for t in hierarchy.tags}
    write_definitions(world_store, hierarchy)
    change = apply(world_store, tags["BL-I-CASE"])  # the world store is shared: tagged now or before
    assert change.add or change.keep
    limit = tags["BL-III-SHELL"].rule.max_shared  # type: ignore[union-attr]
    layer1 = set(ground_truth(small_world)["case_subjects"]["layer1_enterprises"])
    source = sorted(layer1)[0]
    before = set(evaluate(world_store, tags["BL-III-SHELL"]).matches)
    others = [
        r["id"]
        for r in world_store.query("MATCH (e:Enterprise) RETURN e.id AS id ORDER BY e.id")
        if r["id"] not in layer1 | before
    ]
    at_limit, over = others[: limit - 1], others[limit - 1 : 2 * limit - 1]
    world_store.merge_nodes("Phone", [{"id": "PHONE-AT-LIMIT"}, {"id": "PHONE-OVER-LIMIT"}])
    for phone, sharing in (("PHONE-AT-LIMIT", at_limit), ("PHONE-OVER-LIMIT", over)):
        world_store.merge_relationships(
            "HAS_PHONE", "Enterprise", "Phone", [{"start": e, "end": phone} for e in [source, *sharing]]
        )
    assert len(at_limit) + 1 == limit and len(over) + 1 == limit + 1  # the tagged source counts
    found = evaluate(world_store, tags["BL-III-SHELL"]).matches
    assert set(at_limit) <= set(found)
    assert not set(over) & set(found)
