"""The dry run: every value checked, nothing written, problems reported per mapping and column."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from graph.store import GraphStore
from ingest.check import check_dir, report
from ingest.foreign_export import write_export
from ingest.loader import Loader
from ingest.mapping import load_mappings
from tianji.core.settings import Settings

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "date_layout"


@pytest.fixture
def export(tmp_path: Path) -> Path:
    folder = tmp_path / "export"
    write_export(folder, rows=400, seed=5)
    return folder


def _spoil(folder: Path, changes: dict[int, dict[str, str]], drop: str | None = None) -> None:
    path = folder / "declarations.csv"
    with path.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    for index, change in changes.items():
        rows[index].update(change)
    columns = [c for c in rows[0] if c != drop]
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)


def test_a_clean_export_would_load_whole_and_the_check_writes_nothing(
    store: GraphStore, settings: Settings, export: Path
) -> None:
    checks = check_dir(store, settings, export, load_mappings(EXAMPLE))
    assert [(c.rows, c.would_load, c.would_quarantine) for c in checks] == [(400, 400, 0)]
    assert checks[0].problems == [] and checks[0].missing_columns == []
    assert store.query("MATCH (n) RETURN count(n) AS c")[0]["c"] == 0
    assert not (settings.data_dir / "ingest").exists()


def test_bad_values_are_reported_per_column_with_counts_and_examples(
    store: GraphStore, settings: Settings, export: Path
) -> None:
    _spoil(
        export,
        {
            3: {"country": "XX"},
            4: {"country": "ZZ"},
            5: {"illicit": "maybe"},
            6: {"sgd.date": "2024-03-05"},
            7: {"office.id": "123"},
        },
    )
    [check] = check_dir(store, settings, export, load_mappings(EXAMPLE))
    assert check.would_quarantine == 4 + 1 and check.would_load == 395
    by_column = {(p.column, p.target): p for p in check.problems}
    country = by_column[("country", "Declaration.origin")]
    assert country.rows == 2 and country.examples == ["XX", "ZZ"] and "unknown country code" in country.reason
    assert "not one of the mapped values" in by_column[("illicit", "Inspection.outcome")].reason
    assert "not a date in the format %d/%m/%Y" in by_column[("sgd.date", "Declaration.date")].reason
    assert by_column[("office.id", "Port key")].examples == ["123"]
    text = report([check])
    assert "column country → Declaration.origin: 2 rows" in text and "'XX'" in text
    assert store.query("MATCH (n) RETURN count(n) AS c")[0]["c"] == 0


def test_a_column_the_file_lacks_is_named(store: GraphStore, settings: Settings, export: Path) -> None:
    _spoil(export, {}, drop="gross.weight")
    [check] = check_dir(store, settings, export, load_mappings(EXAMPLE))
    assert check.missing_columns == ["gross.weight"]
    run = Loader(store, settings, progress=False).load_dir(export, load_mappings(EXAMPLE))
    assert run.loaded == 0 and len(run.errors) == 1
    assert "has no column 'gross.weight'" in run.errors[0] and "declarations.yaml" in run.errors[0]
