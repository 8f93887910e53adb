"""Mapping files are validated against the ontology before anything loads."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.mapping import load_mapping, load_mappings
from ontology import OntologyError


def test_shipped_mappings_are_valid_and_ordered() -> None:
    mappings = load_mappings()
    sources = [m.source for m in mappings]
    assert (
        sources.index("enterprises.csv")
        < sources.index("declarations.csv")
        < sources.index("inspections.csv")
    )
    assert "case_subjects.csv" in sources


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("nodes:\n  - {label: Enterprize, id: uscc}\n", "unknown label 'Enterprize'"),
        ("nodes:\n  - {label: Enterprise, id: uscc, properties: {colour: x}}\n", "has no property 'colour'"),
        (
            "nodes:\n  - {label: Enterprise, id: uscc}\nrelationships:\n"
            "  - {type: OWNS_ALL, start: {node: Enterprise}, end: {label: Person, id: p}}\n",
            "unknown relationship type",
        ),
        (
            "nodes:\n  - {label: Enterprise, id: uscc}\nrelationships:\n"
            "  - {type: DRIVES, start: {node: Enterprise}, end: {label: Vehicle, id: p}}\n",
            "cannot connect Enterprise",
        ),
        ("nodes:\n  - {label: Enterprise, id: {columns: [a], derive: rot13}}\n", "unknown derive"),
    ],
)
def test_bad_mappings_are_refused(tmp_path: Path, body: str, message: str) -> None:
    path = tmp_path / "m.yaml"
    path.write_text("source: x.csv\n" + body, encoding="utf-8")
    with pytest.raises((OntologyError, ValueError), match=message):
        load_mapping(path)
