"""The planner computes a chunk's values column by column, each distinct value once: a chunk must plan to
exactly what its rows planned one at a time give, refusals and their reasons included."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from ingest.mapping import load_mappings
from ingest.planner import KnownIds, RowError, RowPlanner
from ingest.readers import SourceRow, read_rows
from ontology import Ontology
from ontology.model import get_ontology
from tests.ingest.builders import tiny_world, uscc


def _rows(directory: Path) -> list[SourceRow]:
    """The tiny world's declarations, each value twice (good and bad alike), bad rows between good ones."""
    path = directory / "declarations.csv"
    with path.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    bad = [
        {"date": "2024-13-45"},
        {"consignee_uscc": "91440101MA0000099X"},  # a wrong check digit
        {"consignee_uscc": uscc(9999)},  # well formed, but no such enterprise
        {"value_usd": "12abc"},
        {"origin": "XX"},
        {"entry_no": ""},
    ]
    mixed = []
    for i, row in enumerate(rows):
        mixed.append(row)
        change = bad[i % len(bad)]
        mixed.append({**row, "entry_no": f"51002024999999{i:04d}", **change})
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(mixed * 2)
    return [r for r in read_rows(path, fmt="csv") if isinstance(r, SourceRow)]


def _column(path: Path, name: str) -> set[str]:
    with path.open(encoding="utf-8") as handle:
        return {row[name] for row in csv.DictReader(handle)}


def _planner(ontology: Ontology, known: dict[str, set[str]]) -> RowPlanner:
    return RowPlanner(ontology, KnownIds(ids={k: set(v) for k, v in known.items()}), secret="s")


def test_a_chunk_plans_as_its_rows_do_one_at_a_time(tmp_path: Path) -> None:
    tiny_world(tmp_path)
    ontology = get_ontology()
    mapping = next(m for m in load_mappings(ontology=ontology) if m.source == "declarations.csv")
    rows = _rows(tmp_path)

    known = {
        "Enterprise": _column(tmp_path / "enterprises.csv", "uscc"),
        "Port": {"5100", "5300"},
        "Country": {"DE", "VN", "US"},
        "HSCode": _column(tmp_path / "hs_codes.csv", "id"),
        "Vehicle": _column(tmp_path / "vehicles.csv", "plate"),
        "Vessel": _column(tmp_path / "vessels.csv", "imo"),
        "Declaration": set(),
        "PartyMention": set(),
    }

    one_by_one = _planner(ontology, known)
    expected: dict[int, Any] = {}
    for row in rows:
        try:
            planned = one_by_one.plan(mapping, row)
            expected[row.line] = (sorted(planned.nodes, key=str), sorted(planned.relationships, key=str))
            for label, node_id, _ in planned.nodes:
                one_by_one.known(label).add(node_id)
        except RowError as exc:
            expected[row.line] = str(exc)

    chunked = _planner(ontology, known)
    batch = chunked.chunk(mapping, rows)
    refused = {line: reason for line, reason, _ in batch.refused}
    assert refused == {line: v for line, v in expected.items() if isinstance(v, str)}
    assert len(refused) == len(rows) // 2  # every bad row, and only those
    reasons = " | ".join(refused.values())
    for words in (
        "not a date",
        "wrong check digit",
        "does not exist",
        "not a number",
        "unknown country",
        "missing key",
    ):
        assert words in reasons
    assert batch.loaded == len(rows) - len(refused)
    declarations = next(t for t, _ in batch.nodes if t.label == "Declaration")
    written = {row[0] for row in declarations.rows}
    planned_ids = {
        n[1] for v in expected.values() if not isinstance(v, str) for n in v[0] if n[0] == "Declaration"
    }
    assert written == planned_ids
