"""The Viewer: the ontology's visibility rules for one reader's unit, in Cypher and on rows read, and the
evidence entries it cuts; and the unit scope of a load."""

from __future__ import annotations

from typing import Any

import pytest

from algorithms.visibility import Viewer, references
from graph.store import GraphStore
from ingest.scope import UnitScope


@pytest.fixture
def cases(store: GraphStore) -> GraphStore:
    store.merge_nodes(
        "Case",
        [
            {"id": "C1", "kind": "criminal", "unit": "SZ", "restricted": True},
            {"id": "C2", "kind": "administrative", "unit": "SZ", "restricted": False},
        ],
    )
    store.merge_nodes("Alert", [{"id": "A1", "unit": "SZ", "title": "t", "evidence": ["Case:C1", "Case:C2"]}])
    return store


@pytest.mark.parametrize(
    ("entry", "refs"),
    [
        ("Case:C1", [("Case", "C1")]),
        ("Case:C1 > Enterprise:91440101X", [("Case", "C1"), ("Enterprise", "91440101X")]),
        ("Address:A9 < Enterprise:E2", [("Address", "A9"), ("Enterprise", "E2")]),
        ("volatility 0.8 over 12 months", []),
    ],
)
def test_evidence_entries_name_their_references(entry: str, refs: list[tuple[str, str]]) -> None:
    assert references(entry) == refs


def test_the_rule_in_python_matches_the_rule_in_cypher(cases: GraphStore) -> None:
    for unit, expected in (("GZ", {"C2"}), ("SZ", {"C1", "C2", "A1"}), ("*", {"C1", "C2", "A1"})):
        viewer = Viewer(cases.ontology, unit)
        rows = cases.query(f"MATCH (n) WHERE {viewer.where('n')} RETURN n", viewer.params, read_only=True)
        assert {r["n"]["id"] for r in rows} == expected
        every = cases.query("MATCH (n) RETURN n", read_only=True)
        assert {n["id"] for n in viewer.keep([r["n"] for r in every])} == expected


def test_hidden_and_missing_nodes_look_the_same(cases: GraphStore) -> None:
    gz = Viewer(cases.ontology, "GZ")
    assert gz.node(cases, "Case", "C1") is None and gz.node(cases, "Case", "C404") is None
    assert gz.node(cases, "Case", "C2") is not None
    assert gz.hidden(cases, [("Case", "C1"), ("Case", "C2"), ("Case", "C404"), ("Port", "5100")]) == {
        ("Case", "C1")
    }


def test_evidence_naming_hidden_nodes_is_cut(cases: GraphStore) -> None:
    entries = ["Case:C1 > Enterprise:E1", "Case:C2 > Enterprise:E1", "Enterprise:E1"]
    assert Viewer(cases.ontology, "GZ").evidence(cases, entries) == entries[1:]
    assert Viewer(cases.ontology, "SZ").evidence(cases, entries) == entries
    item: dict[str, Any] = {"id": "x", "labels": ["Tag"], "properties": {"evidence": entries}}
    (cut,) = Viewer(cases.ontology, "GZ").redact(cases, [item])
    assert cut["properties"]["evidence"] == entries[1:] and item["properties"]["evidence"] == entries


def test_a_load_for_a_unit_refuses_another_units_nodes(cases: GraphStore) -> None:
    gz, sz, hq = (UnitScope(cases, unit) for unit in ("GZ", "SZ", "*"))
    own = [("Case", "C9", {"unit": "GZ"})]
    theirs = [("Case", "C2", {"title": "x"})]  # no unit written, but C2 is SZ's
    link: list[tuple[str, str, str, str, str, dict[str, Any]]] = [
        ("INVOLVED_IN", "Enterprise", "E1", "Case", "C1", {})
    ]
    assert gz.refusal(own, []) is None
    assert gz.refusal(theirs, []) == ("Case", "C2", "SZ")
    assert gz.refusal([("Case", "C9", {"unit": "SZ"})], []) == ("Case", "C9", "SZ")
    assert gz.refusal([], link) == ("Case", "C1", "SZ")
    assert sz.refusal(theirs, link) is None and hq.refusal(theirs + own, link) is None
    assert "belongs to unit SZ" in gz.refuse("cases.csv", 2, ("Case", "C2", "SZ"))
    assert gz.denied == [{"source": "cases.csv", "line": 2, "label": "Case", "id": "C2", "unit": "SZ"}]
