"""The columns a mapping names that its file lacks: found from the header before anything loads."""

from __future__ import annotations

import csv
from pathlib import Path

from ingest.mapping import Mapping
from ingest.readers import SourceError


def header(path: Path, mapping: Mapping) -> list[str] | None:
    """The column names of a CSV file's header (None for JSON lines, whose rows name their own keys)."""
    fmt = (
        mapping.format
        if mapping.format != "auto"
        else ("jsonl" if path.suffix in (".jsonl", ".ndjson") else "csv")
    )
    if fmt != "csv":
        return None
    try:
        with path.open(encoding=mapping.encoding, errors="replace", newline="") as handle:
            first = handle.readline()
    except OSError as exc:
        raise SourceError(f"cannot read {path}: {exc.strerror or exc}") from exc
    if not first.strip():
        return None  # an empty file: the reader says so
    return [h.strip() for h in next(csv.reader([first.lstrip("\ufeff")], delimiter=mapping.delimiter), [])]


def check_columns(path: Path, mapping: Mapping) -> None:
    """Raise ``SourceError`` naming the mapping, the file and every column the mapping reads that the
    file's header lacks (a renamed or misspelt column would otherwise load as empty values)."""
    names = header(path, mapping)
    if names is None:
        return
    missing = sorted(mapping.columns - set(names))
    if missing:
        raise SourceError(
            f"mapping {mapping.path or mapping.source}: {path.name} has no column {', '.join(map(repr, missing))} "
            f"(its columns: {', '.join(names)})"
        )
