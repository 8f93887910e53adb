"""The loader against the real embedded graph: counts, idempotency, lineage, quarantine."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from graph.store import GraphStore
from ingest.loader import Loader
from ingest.mapping import load_mapping
from ingest.quarantine import read_quarantine
from ingest.readers import SourceError
from tests.ingest.builders import tiny_world
from tianji.core.settings import Settings


@pytest.fixture
def world(tmp_path: Path) -> tuple[Path, dict[str, int]]:
    expected = tiny_world(tmp_path / "world")
    return tmp_path / "world", expected


def test_loads_every_kind_with_expected_counts(store: GraphStore, settings: Settings, world) -> None:
    directory, expected = world
    run = Loader(store, settings, progress=False).load_dir(directory)
    assert run.quarantined == 0
    assert run.errors == []
    stats = store.stats()
    for label, count in expected.items():
        assert stats["labels"][label] == count, label
    assert stats["types"]["CONSIGNEE"] == 40
    assert stats["types"]["INVOLVED_IN"] == 4
    assert stats["types"]["LEGAL_REP_OF"] == 2
    assert stats["types"]["SHAREHOLDER_OF"] == 2  # one person, one enterprise owner


def test_loading_twice_changes_nothing(store: GraphStore, settings: Settings, world) -> None:
    directory, _ = world
    Loader(store, settings, progress=False).load_dir(directory)
    first = store.stats()
    snapshot = store.query(
        "MATCH (n:Declaration) RETURN n.id AS id, n.ingested_at AS at, n.run_id AS run ORDER BY id"
    )
    Loader(store, settings, progress=False).load_dir(directory)
    assert store.stats() == first
    assert (
        store.query(
            "MATCH (n:Declaration) RETURN n.id AS id, n.ingested_at AS at, n.run_id AS run ORDER BY id"
        )
        == snapshot
    )


def test_every_node_keeps_its_lineage(store: GraphStore, settings: Settings, world) -> None:
    directory, _ = world
    run = Loader(store, settings, progress=False).load_dir(directory)
    missing = store.query(
        "MATCH (n) WHERE n.source IS NULL OR n.ingested_at IS NULL OR n.run_id IS NULL RETURN count(n) AS c"
    )
    assert missing[0]["c"] == 0
    decl = store.node("Declaration", "510020240000000003")
    assert decl is not None
    assert decl["properties"]["source"] == "declarations.csv"
    assert decl["properties"]["source_line"] == 5
    assert decl["properties"]["run_id"] == run.run_id


def _append(path: Path, lines: list[str]) -> None:
    with path.open("a", encoding="utf-8") as handle:
        handle.write("".join(line + "\n" for line in lines))


def test_bad_rows_are_quarantined_with_reasons_and_the_rest_loads(
    store: GraphStore, settings: Settings, world
) -> None:
    directory, _ = world
    decl = directory / "declarations.csv"
    good = decl.read_text(encoding="utf-8").splitlines()[1].split(",")

    def variant(**changes: str) -> str:
        columns = decl.read_text(encoding="utf-8").splitlines()[0].split(",")
        row = dict(zip(columns, good, strict=True))
        row.update(changes)
        return ",".join(row[c] for c in columns)

    _append(
        decl,
        [
            variant(entry_no=""),  # missing key
            variant(entry_no="510020249999999991", date="2024-13-45"),  # malformed date
            variant(entry_no="510020249999999992", origin="XX"),  # unknown country
            variant(entry_no="510020249999999993", hs_code="99999999"),  # unknown HS heading
            variant(entry_no="510020249999999994", value_usd="12abc"),  # non-numeric value
            variant(entry_no="510020249999999995", consignee_uscc="91440101MA0000099X"),  # bad check digit
            ",".join(good[:5]),  # truncated row
        ],
    )
    with decl.open("ab") as handle:  # a row in the wrong encoding
        handle.write(variant(entry_no="510020249999999996", goods="笔记本电脑").encode("gb18030") + b"\n")
    run = Loader(store, settings, progress=False).load_dir(directory)
    assert store.count("Declaration") == 40
    rows = read_quarantine(Path(run.quarantine_file))
    reasons = {r["line"]: r["reason"] for r in rows}
    assert run.quarantined == 8 == len(rows)
    assert "missing key for Declaration" in reasons[42]
    assert "date" in reasons[43] and "not a date" in reasons[43]
    assert "unknown country code" in reasons[44]
    assert "HSCode '9999' does not exist" in reasons[45]
    assert "value_usd" in reasons[46] and "not a number" in reasons[46]
    assert "wrong check digit" in reasons[47]
    assert "truncated row" in reasons[48]
    assert "not valid utf-8" in reasons[49]
    assert all(r["source"] == "declarations.csv" for r in rows)


def test_a_file_that_cannot_be_read_is_one_clear_error(store: GraphStore, settings: Settings, world) -> None:
    directory, _ = world
    (directory / "inspections.csv").write_bytes(b"")
    run = Loader(store, settings, progress=False).load_dir(directory)
    assert run.errors == [f"{directory / 'inspections.csv'} is empty: no header row"]
    assert store.count("Declaration") == 40  # the rest loaded
    with pytest.raises(SourceError, match="is not a directory"):
        Loader(store, settings, progress=False).load_dir(directory / "nope")


def test_jsonl_source_through_a_mapping_file(
    store: GraphStore, settings: Settings, world, tmp_path: Path
) -> None:
    directory, _ = world
    Loader(store, settings, progress=False).load_dir(directory)
    feed = tmp_path / "feed"
    feed.mkdir()
    lines: list[Any] = [
        {"no": "INS-X1", "entry": "510020240000000001", "when": "2024-05-01", "result": "hit"},
        {"no": "INS-X2", "entry": "510020240000000002", "when": "2024/05/02", "result": "clear"},
        "{not json",
    ]
    (feed / "results.jsonl").write_text(
        "\n".join(json.dumps(x) if isinstance(x, dict) else x for x in lines) + "\n", encoding="utf-8"
    )
    mapping = tmp_path / "results.yaml"
    mapping.write_text(
        "source: results.jsonl\nnodes:\n  - label: Inspection\n    id: 'no'\n"
        "    properties: {date: when, outcome: result}\n"
        "relationships:\n  - {type: INSPECTION_OF, start: {node: Inspection}, end: {label: Declaration, id: entry}}\n",
        encoding="utf-8",
    )
    run = Loader(store, settings, progress=False).load_dir(feed, [load_mapping(mapping)])
    assert run.loaded == 2 and run.quarantined == 1
    inspection = store.node("Inspection", "INS-X2")
    assert inspection is not None and inspection["properties"]["date"] == "2024-05-02"
