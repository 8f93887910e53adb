"""Reading source files row by row, keeping line numbers, and turning unreadable rows into reasons.

A row that cannot be decoded, parsed, has the wrong number of fields or holds a control character
(NUL and the other C0 characters except tab, newline and carriage return: the graph refuses them) is
yielded as a ``BadRow``; every other row as a ``SourceRow``. A file that cannot be opened at all raises
``SourceError``.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

#: C0 control characters other than tab, newline and carriage return
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


class SourceError(OSError):
    """The file as a whole cannot be read."""


@dataclass(frozen=True)
class SourceRow:
    line: int
    values: dict[str, str]


@dataclass(frozen=True)
class BadRow:
    line: int
    reason: str
    raw: str


def read_rows(
    path: Path, *, fmt: str = "auto", encoding: str = "utf-8", delimiter: str = ","
) -> Iterator[SourceRow | BadRow]:
    if fmt == "auto":
        fmt = "jsonl" if path.suffix in (".jsonl", ".ndjson") else "csv"
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise SourceError(f"cannot read {path}: {exc.strerror or exc}") from exc
    with handle:
        if fmt == "jsonl":
            yield from _jsonl(handle, encoding)
        elif fmt == "csv":
            yield from _csv(path, handle, encoding, delimiter)
        else:
            raise SourceError(f"{path}: unknown format {fmt!r} (csv or jsonl)")


def _decode(raw: bytes, encoding: str, line: int) -> str | BadRow:
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError as exc:
        return BadRow(
            line,
            f"not valid {encoding}: byte 0x{raw[exc.start]:02x} at column {exc.start + 1}",
            raw.decode(encoding, errors="replace").rstrip("\r\n"),
        )


def control_character(values: dict[str, str]) -> str | None:
    """Why a row holds a control character (which column, which character, where), or None."""
    for column, value in values.items():
        found = CONTROL.search(value) if value else None
        if found:
            return (
                f"control character: U+{ord(found.group()):04X} in column {column!r} "
                f"at position {found.start() + 1}"
            )
    return None


def _row(number: int, values: dict[str, str], raw: str) -> SourceRow | BadRow:
    reason = control_character(values)
    return BadRow(number, reason, raw) if reason else SourceRow(number, values)


def _jsonl(handle, encoding: str) -> Iterator[SourceRow | BadRow]:  # type: ignore[no-untyped-def]
    for number, raw in enumerate(handle, start=1):
        text = _decode(raw, encoding, number)
        if isinstance(text, BadRow):
            yield text
            continue
        if not text.strip():
            continue
        try:
            obj = json.loads(text)
        except json.JSONDecodeError as exc:
            yield BadRow(number, f"not valid JSON: {exc.msg} at column {exc.colno}", text.rstrip("\r\n"))
            continue
        if not isinstance(obj, dict):
            yield BadRow(number, "a JSON line must be an object", text.rstrip("\r\n"))
            continue
        values = {str(k): "" if v is None else str(v) for k, v in obj.items()}
        yield _row(number, values, text.rstrip("\r\n"))


def _csv(path: Path, handle, encoding: str, delimiter: str) -> Iterator[SourceRow | BadRow]:  # type: ignore[no-untyped-def]
    first = handle.readline()
    if not first:
        raise SourceError(f"{path} is empty: no header row")
    header_text = _decode(first, encoding, 1)
    if isinstance(header_text, BadRow):
        raise SourceError(f"{path}: header is {header_text.reason}; is the file in {encoding}?")
    header = next(csv.reader([header_text.lstrip("\ufeff")], delimiter=delimiter))
    header = [h.strip() for h in header]
    if len(set(header)) != len(header) or not all(header):
        raise SourceError(f"{path}: header has empty or repeated column names: {header}")
    number = 1
    for raw in handle:
        number += 1
        text = _decode(raw, encoding, number)
        if isinstance(text, BadRow):
            yield text
            continue
        stripped = text.rstrip("\r\n")
        if not stripped.strip():
            continue
        try:
            fields = next(csv.reader([stripped], delimiter=delimiter, strict=True))
        except csv.Error as exc:
            yield BadRow(number, f"malformed CSV: {exc}", stripped)
            continue
        if len(fields) != len(header):
            what = "truncated row" if len(fields) < len(header) else "row with extra fields"
            yield BadRow(number, f"{what}: {len(fields)} fields, header has {len(header)}", stripped)
            continue
        yield _row(number, dict(zip(header, fields, strict=True)), stripped)
