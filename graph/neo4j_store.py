"""Neo4j 5 / Aura backend through the official ``neo4j`` driver (GDS used where the server has it)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

import neo4j
from neo4j.graph import Node, Path, Relationship

from graph.store import GraphStore
from graph.types import GraphError, GraphUnavailable, Row
from ontology import Ontology
from tianji.core.settings import Settings

AUTO_COMMIT = re.compile(r"\bIN\s+(\d+\s+CONCURRENT\s+)?TRANSACTIONS\b", re.IGNORECASE)


def to_plain(value: Any) -> Any:
    if isinstance(value, Node):
        props = dict(value)
        return {
            "id": props.get("id"),
            "element_id": value.element_id,
            "labels": sorted(value.labels),
            "properties": props,
        }
    if isinstance(value, Relationship):
        return {
            "element_id": value.element_id,
            "type": value.type,
            "start": value.start_node.element_id if value.start_node else None,
            "end": value.end_node.element_id if value.end_node else None,
            "properties": dict(value),
        }
    if isinstance(value, Path):
        return {
            "nodes": [to_plain(n) for n in value.nodes],
            "relationships": [to_plain(r) for r in value.relationships],
        }
    if isinstance(value, list):
        return [to_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: to_plain(v) for k, v in value.items()}
    return value


class Neo4jStore(GraphStore):
    """One Neo4j server, or a cluster through the routing driver (``neo4j://``, ``neo4j+s://``): writes go
    to the database's leader in write transactions, reads to followers or read replicas in read
    transactions; both are retried by the driver through a leader change. Reads see this store's own
    earlier writes (one bookmark manager per store) unless the caller allows stale reads."""

    backend = "neo4j"

    def __init__(
        self, uri: str, *, settings: Settings | None = None, ontology: Ontology | None = None
    ) -> None:
        super().__init__(ontology, settings)
        self.driver = neo4j.GraphDatabase.driver(
            uri,
            auth=(self.settings.neo4j_user, self.settings.neo4j_password),
            # a transaction is retried while the cluster elects a leader, as long as a FalkorDB query waits
            max_transaction_retry_time=self.settings.graph_failover_wait_s,
        )
        self.routing = uri.startswith("neo4j")
        self.database = None if self.settings.graph_name == "tianji" else self.settings.graph_name
        self.bookmarks = neo4j.GraphDatabase.bookmark_manager()

    def query(
        self,
        cypher: str,
        params: Mapping[str, Any] | None = None,
        *,
        read_only: bool = False,
        timeout_ms: int | None = None,
        stale_ok: bool | None = None,
    ) -> list[Row]:
        self.round_trips += 1
        timeout = (
            min(timeout_ms, self.settings.graph_timeout_max_ms)
            if timeout_ms
            else self.settings.graph_timeout_ms
        ) / 1000
        stale = read_only and (self.settings.graph_stale_reads if stale_ok is None else stale_ok)

        @neo4j.unit_of_work(timeout=timeout)
        def work(tx: neo4j.ManagedTransaction) -> list[Row]:
            result = tx.run(cypher, dict(params or {}))
            return [{k: to_plain(v) for k, v in record.items()} for record in result]

        try:
            with self.driver.session(
                database=self.database,
                default_access_mode=neo4j.READ_ACCESS if read_only else neo4j.WRITE_ACCESS,
                bookmark_manager=None if stale else self.bookmarks,
            ) as session:
                if AUTO_COMMIT.search(cypher):  # CALL { … } IN TRANSACTIONS commits by itself
                    result = session.run(neo4j.Query(cypher, timeout=timeout), dict(params or {}))
                    return [{k: to_plain(v) for k, v in record.items()} for record in result]
                return session.execute_read(work) if read_only else session.execute_write(work)
        except neo4j.exceptions.ServiceUnavailable as exc:
            raise GraphUnavailable(str(exc)) from exc
        except neo4j.exceptions.SessionExpired as exc:
            raise GraphUnavailable(str(exc)) from exc
        except neo4j.exceptions.Neo4jError as exc:
            raise GraphError(str(exc)) from exc

    def has_gds(self) -> bool:
        """The server has the Graph Data Science library (Leiden, WCC, PageRank run inside it)."""
        try:
            self.query("RETURN gds.version() AS v", read_only=True)
            return True
        except GraphError:
            return False

    def apply_schema(self) -> list[str]:
        created = []
        for node in self.ontology.nodes.values():  # labels and properties as the ontology spells them
            label = node.label  # DDL takes no parameters: the name and the label are checked where spliced
            self.query(
                f"CREATE CONSTRAINT {self.label(label)}_id IF NOT EXISTS "
                f"FOR (n:{self.label(label)}) REQUIRE n.id IS UNIQUE"
            )
            created.append(f"unique {label}.id")
            for prop in node.indexed:
                self.query(
                    f"CREATE INDEX {self.label(label)}_{self.prop(label, prop)} IF NOT EXISTS "
                    f"FOR (n:{self.label(label)}) ON (n.{self.prop(label, prop)})"
                )
                created.append(f"index {label}.{prop}")
        return created

    def clear(self) -> None:
        self.query("MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS")

    def ping(self) -> bool:
        try:
            self.driver.verify_connectivity()
            return True
        except neo4j.exceptions.Neo4jError:
            return False
        except neo4j.exceptions.DriverError:
            return False

    def close(self) -> None:
        self.driver.close()

    def wcc(self, labels: Sequence[str], types: Sequence[str]) -> dict[str, int]:
        """Connected components computed client-side from the scoped edges (GDS not required)."""
        import igraph as ig

        checked_labels, checked_types = self.ontology.check_labels(labels), self.ontology.check_types(types)
        nodes = [
            r["id"]
            for r in self.query(
                "MATCH (n) WHERE any(l IN labels(n) WHERE l IN $labels) RETURN n.id AS id",
                {"labels": list(checked_labels)},
                read_only=True,
            )
        ]
        index = {n: i for i, n in enumerate(nodes)}
        edges = self.query(
            f"MATCH (a)-[:{'|'.join(checked_types)}]->(b) RETURN a.id AS a, b.id AS b", read_only=True
        )
        graph = ig.Graph(
            n=len(nodes),
            edges=[(index[e["a"]], index[e["b"]]) for e in edges if e["a"] in index and e["b"] in index],
        )
        membership = graph.connected_components(mode="weak").membership
        return {n: int(membership[i]) for n, i in index.items()}
