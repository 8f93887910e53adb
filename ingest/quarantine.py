"""The quarantine: every rejected row of a run, with its file, line, reason and raw text (JSON lines).

A raw text (or one value of a parsed row) longer than ``RAW_MAX`` characters is kept truncated, with its
full length noted beside it: a malformed upload must not be copied whole into the quarantine."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any, TextIO

RAW_MAX = 2000


def _truncated(value: Any) -> tuple[Any, int | None]:
    """``value`` cut to ``RAW_MAX`` characters (each value of a mapping), and the original length if cut."""
    if isinstance(value, str):
        return (value[:RAW_MAX], len(value)) if len(value) > RAW_MAX else (value, None)
    if isinstance(value, dict):
        cut = {k: _truncated(v) for k, v in value.items()}
        longest = max((n for _, n in cut.values() if n is not None), default=None)
        return {k: v for k, (v, _) in cut.items()}, longest
    return value, None


class Quarantine:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.count = 0
        self.reasons: Counter[str] = Counter()
        self._handle: TextIO | None = None

    def add(self, source: str, line: int, reason: str, raw: object) -> None:
        if self._handle is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._handle = self.path.open("a", encoding="utf-8")
        kept, length = _truncated(raw)
        record: dict[str, Any] = {"source": source, "line": line, "reason": reason, "raw": kept}
        if length is not None:
            record["raw_truncated_from"] = length  # characters of the longest value that was cut
        self._handle.write(json.dumps(record, ensure_ascii=False) + "\n")
        self._handle.flush()
        self.count += 1
        self.reasons[reason.split(":")[0]] += 1

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None


def read_quarantine(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
