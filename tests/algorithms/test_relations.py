"""Visibility and time windows of an expansion follow the ontology's rules, on a hand-built world."""

from __future__ import annotations

import pytest

from algorithms.relations import Scope, expand, profile, visible
from graph.store import GraphStore


@pytest.fixture
def units(store: GraphStore) -> GraphStore:
    """One GZ enterprise with two SZ cases (one restricted), an SZ watch and an SZ alert on it."""
    store.merge_nodes("Enterprise", [{"id": "E1", "name": "广州一号", "registered_on": "2020-01-01"}])
    store.merge_nodes(
        "Case",
        [
            {"id": "C1", "kind": "criminal", "unit": "SZ", "restricted": True, "opened_on": "2024-05-01"},
            {
                "id": "C2",
                "kind": "administrative",
                "unit": "SZ",
                "restricted": False,
                "opened_on": "2023-01-01",
            },
        ],
    )
    store.merge_nodes(
        "Watch",
        [{"id": "W1", "owner": "sz.officer", "unit": "SZ", "target_label": "Enterprise", "target_id": "E1"}],
    )
    store.merge_nodes(
        "Alert", [{"id": "A1", "unit": "SZ", "title": "new port", "raised_at": "2024-06-01T08:00:00"}]
    )
    store.merge_relationships(
        "INVOLVED_IN", "Enterprise", "Case", [{"start": "E1", "end": "C1"}, {"start": "E1", "end": "C2"}]
    )
    store.merge_relationships("WATCHES", "Watch", "Enterprise", [{"start": "W1", "end": "E1"}])
    store.merge_relationships("ALERT_ON", "Alert", "Enterprise", [{"start": "A1", "end": "E1"}])
    return store


def _seen(store: GraphStore, unit: str, scope: Scope | None = None) -> set[str]:
    graph = expand(store, [("Enterprise", "E1")], scope or Scope(), unit=unit)
    return {n["id"] for n in graph.nodes.values()}


def test_each_unit_sees_what_the_visibility_rules_allow(units: GraphStore) -> None:
    assert _seen(units, "GZ") == {"E1", "C2"}  # another unit's restricted case, watch and alert are hidden
    assert _seen(units, "SZ") == {"E1", "C1", "C2", "W1", "A1"}
    assert _seen(units, "*") == {"E1", "C1", "C2", "W1", "A1"}
    assert profile(units, "Enterprise", "E1", unit="GZ").relations == {"INVOLVED_IN": 1}  # type: ignore[union-attr]


def test_the_predicate_has_one_clause_per_rule(units: GraphStore) -> None:
    predicate = visible(units.ontology, "b")
    for label in units.ontology.visibility_rules():
        assert f"NOT b:{label}" in predicate
    assert "b.restricted" in predicate and predicate.startswith("($unit = '*'")
    with pytest.raises(ValueError, match="not a Cypher variable"):
        visible(units.ontology, "b) DETACH DELETE b //")


def test_the_time_window_reads_each_label_s_temporal_property(units: GraphStore) -> None:
    recent = Scope(since="2024-01-01")
    assert _seen(units, "*", recent) == {"E1", "C1", "W1", "A1"}  # C2 opened 2023; W1 has no date
    assert _seen(units, "*", Scope(until="2023-12-31")) == {"E1", "C2", "W1"}


def test_an_expansion_read_light_keeps_the_same_nodes_and_edges_without_properties(units: GraphStore) -> None:
    whole = expand(units, [("Enterprise", "E1")], Scope(), unit="SZ")
    light = expand(
        units, [("Enterprise", "E1")], Scope(), unit="SZ", node_properties=False, edge_properties=False
    )
    assert light.nodes.keys() == whole.nodes.keys() and light.edges.keys() == whole.edges.keys()
    assert {(n["labels"][0], n["id"]) for n in light.nodes.values()} == {
        (n["labels"][0], n["id"]) for n in whole.nodes.values()
    }
    assert [(e["type"], e["start"], e["end"]) for e in light.edges.values()] == [
        (e["type"], e["start"], e["end"]) for e in whole.edges.values()
    ]
    assert (
        whole.nodes[next(k for k, n in whole.nodes.items() if n["id"] == "C1")]["properties"]["kind"]
        == "criminal"
    )
    assert all(not n["properties"] for n in light.nodes.values() if n["id"] != "E1")  # the seed is read whole
