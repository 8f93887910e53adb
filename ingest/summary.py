"""What a load did: per file and per run, as written to the run's ``summary.json``."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class FileSummary:
    source: str
    read: int = 0
    loaded: int = 0
    quarantined: int = 0
    nodes: dict[str, int] = field(default_factory=dict)
    relationships: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    validate_seconds: float = 0.0  # reading, parsing and validation (in a worker process for big files)
    write_seconds: float = 0.0  # waiting on the database (overlaps validation of the next batch)
    planned_in: str = "process"  # "worker" when a worker process planned the rows


@dataclass
class RunSummary:
    run_id: str
    started_at: str
    files: list[FileSummary] = field(default_factory=list)
    quarantine_file: str = ""
    errors: list[str] = field(default_factory=list)
    denied: list[dict[str, Any]] = field(default_factory=list)  # rows refused: another unit's nodes
    bulk: bool = False  # the graph was empty: new nodes and their relationships were created, not merged

    @property
    def read(self) -> int:
        return sum(f.read for f in self.files)

    @property
    def loaded(self) -> int:
        return sum(f.loaded for f in self.files)

    @property
    def quarantined(self) -> int:
        return sum(f.quarantined for f in self.files)

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "read": self.read, "loaded": self.loaded, "quarantined": self.quarantined}
