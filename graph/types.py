"""The values the graph layer hands out and the errors it raises, shared by the interface and its backends."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

Row = dict[str, Any]


class GraphError(RuntimeError):
    """The database refused or failed a query; the message carries the server's reason."""


class GraphUnavailable(GraphError):
    """The database cannot be reached."""


class GraphTimeout(GraphError):
    """A query ran out of its time; the database stopped it."""


@dataclass
class WriteResult:
    """What a batched write did: rows sent, rows that found their endpoints, and the rows that did not."""

    sent: int = 0
    written: int = 0
    missing: list[int] = field(default_factory=list)

    def __iadd__(self, other: WriteResult) -> WriteResult:
        offset = self.sent
        self.sent += other.sent
        self.written += other.written
        self.missing.extend(offset + i for i in other.missing)
        return self


class Plain(list):
    """A parameter made only of lists, strings, numbers, booleans and nulls (no maps).

    Backends may encode it faster (FalkorDB: as JSON text, which its parameter syntax accepts).
    """
