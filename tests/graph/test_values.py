"""Generic writes clean every value through its ontology value type, as the loader does."""

from __future__ import annotations

import pytest

from graph.store import GraphStore
from ontology import OntologyError
from tests.ingest.builders import uscc


def test_values_are_stored_clean(store: GraphStore) -> None:
    store.merge_nodes(
        "Declaration",
        [{"id": "D1", "date": "2024/05/01", "port": " 5141 ", "hs_code": "8471.30", "origin": "de"}],
    )
    props = store.node("Declaration", "D1")["properties"]  # type: ignore[index]
    assert (props["date"], props["port"], props["hs_code"], props["origin"]) == (
        "2024-05-01",
        "5141",
        "847130",
        "DE",
    )


@pytest.mark.parametrize(
    ("prop", "value", "reason"),
    [
        ("date", "2024-13-01", "not a date"),
        ("port", "5100?", "customs office or port code"),
        ("hs_code", "84", "HS code"),
        ("origin", "XX", "unknown country code"),
        ("weight_kg", "heavy", "not a number"),
    ],
)
def test_a_refused_value_names_label_property_value_and_reason(
    store: GraphStore, prop: str, value: str, reason: str
) -> None:
    rows = [{"id": "D1", "date": "2024-05-01"}, {"id": "D2", prop: value}]
    with pytest.raises(OntologyError) as refused:
        store.merge_nodes("Declaration", rows)
    assert f"Declaration.{prop}" in str(refused.value) and repr(value) in str(refused.value)
    assert reason in str(refused.value)
    assert store.count("Declaration") == 0  # the batch is refused before anything is sent


def test_relationship_and_lineage_values_are_cleaned(store: GraphStore) -> None:
    store.merge_nodes("Enterprise", [{"id": "E1", "uscc": uscc(1), "name": "甲"}])
    store.merge_nodes("Person", [{"id": "P1", "name": "张三"}])
    store.merge_relationships(
        "LEGAL_REP_OF", "Person", "Enterprise", [{"start": "P1", "end": "E1", "since": "20200102"}]
    )
    since = store.query("MATCH ()-[r:LEGAL_REP_OF]->() RETURN r.since AS s")[0]["s"]
    assert since == "2020-01-02"
    with pytest.raises(OntologyError, match="LEGAL_REP_OF.since refuses 'soon'"):
        store.merge_relationships(
            "LEGAL_REP_OF", "Person", "Enterprise", [{"start": "P1", "end": "E1", "since": "soon"}]
        )
    with pytest.raises(OntologyError, match="Enterprise.ingested_at refuses"):
        store.merge_nodes(
            "Enterprise", [{"id": "E2", "uscc": uscc(2)}], on_create={"ingested_at": "yesterday"}
        )
    with pytest.raises(OntologyError, match="Enterprise.uscc refuses 'E3'"):
        store.merge_nodes("Enterprise", [{"id": "E3", "uscc": "E3"}])
