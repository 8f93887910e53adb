"""Control characters in a source cell quarantine their row (with file, line and column); the rest loads."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from graph.store import GraphStore
from ingest.loader import Loader
from ingest.quarantine import RAW_MAX, read_quarantine
from tests.ingest.builders import tiny_world
from tianji.core.settings import Settings


def _poison(path: Path, line: int, column: str, text: str) -> None:
    """Put ``text`` into ``column`` of data line ``line`` (1 is the header) of a CSV file."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    header = lines[0].rstrip("\r\n").split(",")
    cells = lines[line - 1].rstrip("\r\n").split(",")
    cells[header.index(column)] = text
    lines[line - 1] = ",".join(cells) + "\r\n"
    path.write_text("".join(lines), encoding="utf-8")


@pytest.mark.parametrize("char", ["\x00", "\x01", "\x1b", "\x1f"])
def test_nul_byte_row_is_quarantined(
    store: GraphStore, settings: Settings, tmp_path: Path, char: str
) -> None:
    world = tmp_path / "world"
    expected = tiny_world(world)
    _poison(world / "enterprises.csv", 3, "name", f"广州{char}贸易有限公司")
    run = Loader(store, settings, progress=False).load_dir(world)
    assert run.errors == []
    bad = read_quarantine(Path(run.quarantine_file))
    enterprise_rows = [r for r in bad if r["source"] == "enterprises.csv"]
    assert len(enterprise_rows) == 1
    assert enterprise_rows[0]["line"] == 3
    assert enterprise_rows[0]["reason"] == (
        f"control character: U+{ord(char):04X} in column 'name' at position 3"
    )
    assert store.count("Enterprise") == expected["Enterprise"] - 1  # the other enterprises loaded
    assert store.count("Declaration") == expected["Declaration"] - sum(  # minus those of the lost enterprise
        1 for r in bad if r["source"] == "declarations.csv"
    )


def test_tab_and_carriage_return_are_not_control_characters(
    store: GraphStore, settings: Settings, tmp_path: Path
) -> None:
    world = tmp_path / "world"
    expected = tiny_world(world)
    _poison(world / "enterprises.csv", 3, "name_en", "A\tB")
    run = Loader(store, settings, progress=False).load_dir(world)
    assert run.quarantined == 0
    assert store.count("Enterprise") == expected["Enterprise"]


def test_nul_byte_row_in_jsonl_is_quarantined(store: GraphStore, settings: Settings, tmp_path: Path) -> None:
    world = tmp_path / "world"
    world.mkdir()
    (world / "countries.jsonl").write_text(
        '{"code": "DE", "name": "Germany", "name_zh": "德国"}\n'
        '{"code": "VN", "name": "Viet\\u0000Nam", "name_zh": "越南"}\n',
        encoding="utf-8",
    )
    from ingest.mapping import load_mappings

    mapping = next(m for m in load_mappings() if m.source == "countries.csv")
    jsonl = mapping.model_copy(update={"source": "countries.jsonl", "format": "jsonl"})
    run = Loader(store, settings, progress=False).load_dir(world, [jsonl])
    assert [(r["line"], r["reason"]) for r in read_quarantine(Path(run.quarantine_file))] == [
        (2, "control character: U+0000 in column 'name' at position 5")
    ]
    assert store.count("Country") == 1


def test_nul_byte_upload_is_quarantined_not_a_server_error(api, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    world = tmp_path / "world"
    tiny_world(world)
    _poison(world / "countries.csv", 2, "name", "Ger\x00many")
    response = httpx.post(
        f"{api.url}/ingest/countries",
        files={"file": ("countries.csv", (world / "countries.csv").read_bytes(), "text/csv")},
        headers={"Authorization": f"Bearer {api.tokens['svc']}"},
        timeout=60,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["read"], body["loaded"], body["quarantined"]) == (3, 2, 1)


def test_over_long_quarantined_line_is_stored_truncated(
    store: GraphStore, settings: Settings, tmp_path: Path
) -> None:
    world = tmp_path / "world"
    world.mkdir()
    long_line = "DE,Germany," + "x" * 50_000 + ",extra"
    (world / "countries.csv").write_text(
        f"code,name,name_zh\n{long_line}\nVN,Viet Nam,越南\n", encoding="utf-8"
    )
    run = Loader(store, settings, progress=False).load_dir(world)
    (record,) = read_quarantine(Path(run.quarantine_file))
    assert record["reason"].startswith("row with extra fields")
    assert len(record["raw"]) == RAW_MAX
    assert record["raw_truncated_from"] == len(long_line)
    assert Path(run.quarantine_file).stat().st_size < 3 * RAW_MAX
    assert store.count("Country") == 1
