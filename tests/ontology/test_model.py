"""The ontology loads from YAML, refuses what it does not define, and drives the schema."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from graph.store import GraphStore
from ontology import Ontology, OntologyError, get_ontology
from ontology.model import Visibility

REQUIRED_LABELS = {
    "Enterprise",
    "OverseasParty",
    "Person",
    "Vehicle",
    "Vessel",
    "Declaration",
    "Inspection",
    "LabTest",
    "Audit",
    "Case",
    "Port",
    "Country",
    "HSCode",
    "Address",
    "Phone",
    "BankAccount",
    "Image",
    "Certificate",
    "Tag",
    "RiskScore",
    "ImageVerdict",
    "Gang",
    "Alert",
}


def test_defines_the_customs_domain() -> None:
    onto = get_ontology()
    assert set(onto.nodes) >= REQUIRED_LABELS
    assert onto.relationship("LEGAL_REP_OF").allows("Person", "Enterprise")
    assert not onto.relationship("LEGAL_REP_OF").allows("Enterprise", "Person")
    for node in onto.nodes.values():
        assert "id" in node.properties and "source" in node.properties and node.description


def test_unknown_names_are_refused_with_the_known_ones() -> None:
    onto = get_ontology()
    with pytest.raises(OntologyError, match="known labels: .*Enterprise"):
        onto.check_label("Enterprise) DETACH DELETE n //")
    with pytest.raises(OntologyError, match="unknown relationship type"):
        onto.check_type("OWNS")
    with pytest.raises(OntologyError, match="has no property 'salary'"):
        onto.check_property("Person", "salary")


def _write(directory: Path, kind: str, name: str, doc: dict[str, Any]) -> None:
    (directory / kind).mkdir(parents=True, exist_ok=True)
    (directory / kind / f"{name}.yaml").write_text(yaml.safe_dump(doc), encoding="utf-8")


def test_bad_schema_files_are_refused(tmp_path: Path) -> None:
    _write(tmp_path, "nodes", "Thing", {"label": "Thing", "properties": {"size": {"type": "colour"}}})
    with pytest.raises(OntologyError, match="unknown value type 'colour'"):
        Ontology.load(tmp_path)
    _write(tmp_path, "nodes", "Thing", {"label": "Thing"})
    _write(tmp_path, "relationships", "LINKS", {"type": "LINKS", "endpoints": [["Thing", "Ghost"]]})
    with pytest.raises(OntologyError, match="unknown label 'Ghost'"):
        Ontology.load(tmp_path)


def test_schema_in_the_database_derives_from_the_ontology(store: GraphStore) -> None:
    onto = store.ontology
    indexes = store.query("CALL db.indexes() YIELD label, properties RETURN label, properties")
    indexed = {(row["label"], prop) for row in indexes for prop in row["properties"]}
    for node in onto.nodes.values():
        assert (node.label, "id") in indexed
        for prop in node.indexed:
            assert (node.label, prop) in indexed
    constraints = store.query("CALL db.constraints() YIELD type, label RETURN type, label")
    assert {c["label"] for c in constraints if c["type"] == "UNIQUE"} == set(onto.nodes)
    assert store.apply_schema() == []  # applying again creates nothing


def test_ties_by_kind_and_endpoints() -> None:
    onto = get_ontology()
    assert onto.ties("office") == ["LEGAL_REP_OF", "MANAGER_OF", "SHAREHOLDER_OF"]
    assert onto.ties("shared", start="Enterprise") == [
        "HAS_ACCOUNT",
        "HAS_PHONE",
        "LOCATED_AT",
        "USES_VEHICLE",
    ]
    assert onto.ties(start="Enterprise", end="Enterprise") == ["SHAREHOLDER_OF", "TRADES_WITH"]
    assert onto.ties("activity", start="Declaration", end="Enterprise") == ["CONSIGNEE", "DECLARING_AGENT"]
    assert "HAS_TAG" not in onto.ties() and "MEMBER_OF" not in onto.ties()  # results, not ties
    assert onto.tie_weight("LEGAL_REP_OF") == 3.0 and onto.tie_weight("HAS_TAG") == 0.0
    assert onto.shared_labels() == {
        "Address": 2.0,
        "BankAccount": 3.0,
        "Person": 3.0,
        "Phone": 2.0,
        "Vehicle": 2.0,
    }
    assert set(onto.evidence_types()) >= {"ALERT_ON", "DRIFT_EVIDENCE"}
    with pytest.raises(OntologyError, match="unknown tie kind 'friendship'"):
        onto.ties("friendship")


def test_hubs_search_keys_watches_and_dates() -> None:
    onto = get_ontology()
    assert onto.hubs() == ["Country", "HSCode", "Port", "Tag"]
    assert {"Enterprise", "Person", "Declaration", "Case"} <= set(onto.searchable_labels())
    assert {"Enterprise", "Declaration", "Vehicle", "Alert"} <= set(onto.keyed_labels())
    assert onto.watchable_labels() == ["Enterprise", "Gang", "OverseasParty", "Person", "Vehicle", "Vessel"]
    assert onto.temporal("Declaration") == "date" and onto.temporal("Case") == "opened_on"
    assert onto.temporal("Person") is None
    assert {"date", "opened_on", "registered_on", "raised_at", "occurred_on"} <= set(
        onto.temporal_properties()
    )
    for label in onto.labels("subject"):
        assert onto.node(label).role == "subject"
    for node in onto.nodes.values():  # a coalesce over temporal_properties() reads each label's own date
        dated = [p for p in onto.temporal_properties() if p in node.properties]
        assert dated == ([node.temporal] if node.temporal else []), node.label


def test_visibility_rules() -> None:
    onto = get_ontology()
    rules = onto.visibility_rules()
    assert set(rules) == {"Alert", "Case", "Comment", "Watch"}
    assert rules["Case"] == Visibility(unit_property="unit", only_when="restricted")
    assert rules["Watch"] == Visibility(unit_property="unit") == onto.visibility("Alert")
    assert onto.visibility("Enterprise") is None


@pytest.mark.parametrize(
    ("node", "message"),
    [
        ({"role": "villain"}, "role 'villain' is not one of"),
        ({"temporal": "born_on"}, "temporal names unknown property 'born_on'"),
        ({"visibility": {"unit_property": "branch"}}, "visibility names unknown property 'branch'"),
    ],
)
def test_bad_node_semantics_are_refused(tmp_path: Path, node: dict[str, object], message: str) -> None:
    _write(tmp_path, "nodes", "Thing", {"label": "Thing", **node})
    with pytest.raises(OntologyError, match=message):
        Ontology.load(tmp_path)


def test_an_unknown_tie_kind_is_refused(tmp_path: Path) -> None:
    _write(tmp_path, "nodes", "Thing", {"label": "Thing"})
    doc = {"type": "LINKS", "endpoints": [["Thing", "Thing"]], "tie": {"kind": "friendship"}}
    _write(tmp_path, "relationships", "LINKS", doc)
    with pytest.raises(OntologyError, match="tie kind 'friendship' is not one of"):
        Ontology.load(tmp_path)
    doc["tie"] = {"kind": "trade", "weight": 1.5}
    _write(tmp_path, "relationships", "LINKS", doc)
    assert Ontology.load(tmp_path).ties("trade") == ["LINKS"]
