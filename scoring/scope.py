"""Where a feature query starts: the nodes of the declarations (or consignees) being scored."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from graph.store import GraphStore


@dataclass(frozen=True)
class Scope:
    """Cypher binding a variable to the nodes being scored, and its parameters; ``frame`` runs a query
    that goes on from them."""

    store: GraphStore
    cypher: str
    params: dict[str, Any] = field(default_factory=dict)

    def frame(self, cypher: str, columns: list[str]) -> pd.DataFrame:
        """The rows of ``cypher``, run after the scope's own clause, with these columns."""
        return pd.DataFrame(
            self.store.query(self.cypher + cypher, self.params, read_only=True), columns=columns
        )


def scope(store: GraphStore, label: str, var: str, ids: list[str], few: int) -> Scope:
    """``var`` bound to the ``label`` nodes with these ids. Up to ``few`` ids (the scheduler re-scoring new
    declarations) are looked up one by one; more are read in one scan of every node of the label, and the
    caller's merge on its own ids keeps what it asked for."""
    if not var.isidentifier():
        raise ValueError(f"not a Cypher variable: {var!r}")
    if len(ids) <= few:
        return Scope(
            store, f"UNWIND $ids AS key MATCH ({var}:{store.label(label)} {{id: key}}) ", {"ids": ids}
        )
    return Scope(store, f"MATCH ({var}:{store.label(label)}) ")
