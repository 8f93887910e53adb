"""The ontology loads from YAML, refuses what it does not define, and drives the schema."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from graph.store import GraphStore
from ontology import Ontology, OntologyError, get_ontology

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


def _write(directory: Path, kind: str, name: str, doc: dict[str, object]) -> None:
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
