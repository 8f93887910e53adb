"""The quarantine: every rejected row of a run, with its file, line, reason and raw text (JSON lines)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import TextIO


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
        record = {"source": source, "line": line, "reason": reason, "raw": raw}
        self._handle.write(json.dumps(record, ensure_ascii=False) + "\n")
        self._handle.flush()
        self.count += 1
        self.reasons[reason.split(":")[0]] += 1

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None


def read_quarantine(path: Path) -> list[dict[str, object]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
