"""FalkorDB's schema from the ontology: range indexes, unique keys, and the search indexes."""

from __future__ import annotations

import abc
import time
from typing import Any

from falkordb import Graph

from graph.search_index import SEARCH_TEXT, SEARCH_TOKENS, key_labels, key_property, token_labels
from graph.store import GraphStore
from graph.types import GraphError
from ontology.tokens import TokenQuery


class FalkorSchema(GraphStore):
    """The schema half of ``FalkorStore``: what ``apply_schema`` creates and how tokens are matched."""

    graph: Graph

    @abc.abstractmethod
    def execute(self, *command: Any) -> Any:
        """One raw server command."""

    def _existing_indexes(self) -> set[tuple[str, str, str]]:
        rows = self.query("CALL db.indexes() YIELD label, properties, types RETURN label, properties, types")
        found = set()
        for row in rows:
            types = row["types"] or {}
            for prop in row["properties"]:
                for kind in types.get(prop, ["RANGE"]) if isinstance(types, dict) else ["RANGE"]:
                    found.add((row["label"], prop, str(kind).upper()))
        return found

    def apply_schema(self) -> list[str]:
        created: list[str] = []
        existing = self._existing_indexes()
        constraints = {(c.get("label"), tuple(c.get("properties", []))) for c in self._constraints()}
        for node in self.ontology.nodes.values():
            label = node.label
            for prop in ["id", *node.indexed]:
                if (label, prop, "RANGE") not in existing:
                    self.query(f"CREATE INDEX FOR (n:{self.label(label)}) ON (n.{self.prop(label, prop)})")
                    created.append(f"index {label}.{prop}")
            if (label, ("id",)) not in constraints:
                self.execute(
                    "GRAPH.CONSTRAINT",
                    "CREATE",
                    self.graph.name,
                    "UNIQUE",
                    "NODE",
                    label,
                    "PROPERTIES",
                    1,
                    "id",
                )
                created.append(f"unique {label}.id")
        return created + self._search_schema()

    def _search_schema(self) -> list[str]:
        """A range index on the key of every label looked up by its key; a range index on ``search_text`` (names by their beginning) and a full-text index on
        ``search_tokens`` (names by any part) for every label with names; no stop words, no stemming (the
        tokens are not English words)."""
        created = []
        existing = self._existing_indexes()
        for label in key_labels(self.ontology):
            key = self.prop(label, key_property(self.ontology.node(label)))
            if (label, key, "RANGE") not in existing:
                self.query(f"CREATE INDEX FOR (n:{self.label(label)}) ON (n.{self.prop(label, key)})")
                created.append(f"index {label}.{key}")
        for label in token_labels(self.ontology):
            if (label, SEARCH_TEXT, "RANGE") not in existing:
                self.query(f"CREATE INDEX FOR (n:{self.label(label)}) ON (n.{SEARCH_TEXT})")
                created.append(f"index {label}.{SEARCH_TEXT}")
            if (label, SEARCH_TOKENS, "FULLTEXT") not in existing:
                self.query(
                    f"CALL db.idx.fulltext.createNodeIndex({{label: '{self.label(label)}', stopwords: []}}, "
                    f"{{field: '{SEARCH_TOKENS}', nostem: true}})"
                )
                created.append(f"full-text index {label}.{SEARCH_TOKENS}")
        return created

    def token_match(self, label: str) -> str:
        return f"CALL db.idx.fulltext.queryNodes('{self.label(label)}', $tokens) YIELD node AS n"

    def token_param(self, query: TokenQuery) -> Any:
        return query.fulltext()

    def _constraints(self) -> list[dict[str, Any]]:
        rows = self.query(
            "CALL db.constraints() YIELD type, label, properties, status "
            "RETURN type, label, properties, status"
        )
        return [r for r in rows if r["type"] == "UNIQUE"]

    def wait_for_constraints(self, timeout_s: float = 60) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            pending = [c for c in self._constraints() if c["status"] != "OPERATIONAL"]
            if not pending:
                return
            failed = [c for c in pending if c["status"] == "FAILED"]
            if failed:
                raise GraphError(f"unique constraints failed (duplicate keys present): {failed}")
            time.sleep(0.1)
        raise GraphError("unique constraints still pending")
