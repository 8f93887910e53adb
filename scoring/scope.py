"""Where a feature query starts: the nodes of the declarations (or consignees) being scored."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from graph.store import GraphStore


@dataclass(frozen=True)
class Scope:
    """Cypher binding ``n`` to the nodes being scored, and its parameters; ``frame`` runs a query
    that goes on from them."""

    store: GraphStore
    cypher: str
    params: dict[str, Any] = field(default_factory=dict)

    def frame(self, cypher: str, columns: list[str]) -> pd.DataFrame:
        """The rows of ``cypher``, run after the scope's own clause, with these columns."""
        return pd.DataFrame(
            self.store.query(self.cypher + cypher, self.params, read_only=True), columns=columns
        )


def scope(store: GraphStore, label: str, ids: list[str], few: int) -> Scope:
    """``n`` bound to the ``label`` nodes with these ids: the queries that go on from it start at ``(n)``. Up
    to ``few`` ids (the scheduler re-scoring new declarations) are looked up one by one; more are read in one
    scan of every node of the label, and the caller's merge on its own ids keeps what it asked for."""
    if len(ids) <= few:
        return Scope(store, f"UNWIND $ids AS key MATCH (n:{store.label(label)} {{id: key}}) ", {"ids": ids})
    return Scope(store, f"MATCH (n:{store.label(label)}) ")
