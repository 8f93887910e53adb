"""FalkorDB backend (embedded, external, or replicated behind Sentinel), through the native ``falkordb`` client."""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

import redis
from falkordb import Edge, FalkorDB, Graph, Node, Path
from falkordb.exceptions import SchemaVersionMismatchException
from falkordb.helpers import stringify_param_value
from falkordb.query_result import QueryResult

from graph.embedded import EmbeddedServer
from graph.replication import ReplicasBehind, SentinelAddress, acknowledged, retrying, sentinel_pools
from graph.search_index import SEARCH_TEXT, SEARCH_TOKENS, key_labels, key_property, token_labels
from graph.store import GraphStore, remaining_ms
from graph.types import GraphError, GraphTimeout, GraphUnavailable, Plain, Row
from ontology import Ontology
from ontology.tokens import TokenQuery
from tianji.core.settings import Settings

T = TypeVar("T")
#: a CREATE clause (not MERGE's ON CREATE, not an index): such a write would be doubled by a repeat
NOT_REPEATABLE = re.compile(
    r"(?<!ON\s)\bCREATE\s+(?!INDEX\b|CONSTRAINT\b|VECTOR\b|FULLTEXT\b)", re.IGNORECASE
)
IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def to_plain(value: Any) -> Any:
    """FalkorDB client values to plain Python: nodes, edges and paths become dicts."""
    if isinstance(value, Node):
        props = dict(value.properties)
        return {
            "id": props.get("id"),
            "element_id": str(value.id),
            "labels": list(value.labels or []),
            "properties": props,
        }
    if isinstance(value, Edge):
        src = value.src_node.id if isinstance(value.src_node, Node) else value.src_node
        dst = value.dest_node.id if isinstance(value.dest_node, Node) else value.dest_node
        return {
            "element_id": str(value.id),
            "type": value.relation,
            "start": str(src),
            "end": str(dst),
            "properties": dict(value.properties),
        }
    if isinstance(value, Path):
        return {
            "nodes": [to_plain(n) for n in value.nodes()],
            "relationships": [to_plain(e) for e in value.edges()],
        }
    if isinstance(value, list):
        return [to_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: to_plain(v) for k, v in value.items()}
    return value


def _params_header(params: Mapping[str, Any]) -> str:
    """``CYPHER a=… b=…``. ``Plain`` values (no maps) are encoded as JSON text, which is much faster than
    the client's encoder and reads back identically, except for control characters (those fall back)."""
    parts = []
    for key, value in params.items():
        if not IDENTIFIER.fullmatch(key):
            raise GraphError(f"parameter name {key!r} is not an identifier")
        text = None
        if isinstance(value, Plain):
            text = json.dumps(value, ensure_ascii=False, allow_nan=False)
            if "\\u00" in text:  # a control character was escaped: FalkorDB would not unescape it
                text = None
        parts.append(f"{key}={text if text is not None else stringify_param_value(value)}")
    return "CYPHER " + " ".join(parts) + " "


def pool_size(settings: Settings) -> int:
    """Graph connections of one process: ``graph_pool_size``, or four per core shared out between the API
    workers (at least 4), so that all workers together keep the server's query threads busy."""
    if settings.graph_pool_size:
        return settings.graph_pool_size
    cores = os.cpu_count() or 1
    return max(4, -(-4 * cores // (settings.api_workers or cores)))


class FalkorStore(GraphStore):
    backend = "falkordb"
    RETRIES = 3

    def __init__(
        self,
        host: str,
        port: int,
        *,
        password: str | None = None,
        settings: Settings | None = None,
        ontology: Ontology | None = None,
        server: EmbeddedServer | None = None,
        sentinel: SentinelAddress | None = None,
    ) -> None:
        """One server at ``host:port``, or, with ``sentinel``, the primary and replicas the Sentinels name
        (then queries keep retrying for ``graph_failover_wait_s`` while a new primary is elected)."""
        super().__init__(ontology, settings)
        self.server = server
        self.host, self.port = host, port
        self.replica_graph: Graph | None = None
        self.replica_pool: redis.ConnectionPool | None = None
        # one bounded pool per process: a request waits for a free connection rather than opening more
        # than the server's threads can serve (every API worker process has its own share)
        if sentinel is None:
            self.where = f"{host}:{port}"
            self.failover_wait_s = 0.0
            self.pool: redis.ConnectionPool = redis.BlockingConnectionPool(
                host=host,
                port=port,
                password=password,
                decode_responses=True,
                max_connections=pool_size(self.settings),
                timeout=self.settings.graph_timeout_ms / 1000,
            )
        else:
            self.where = str(sentinel)
            self.failover_wait_s = self.settings.graph_failover_wait_s
            self.pool, self.replica_pool = sentinel_pools(
                sentinel,
                max_connections=pool_size(self.settings),
                wait_s=self.settings.graph_timeout_ms / 1000,
                reply_s=self.settings.graph_timeout_max_ms / 1000 + 5,
            )
        self.db = self._retrying(lambda: FalkorDB(connection_pool=self.pool))
        self.graph = self.db.select_graph(self.settings.graph_name)
        if self.replica_pool is not None:
            replica_pool = self.replica_pool
            self.replica_db = self._retrying(lambda: FalkorDB(connection_pool=replica_pool))
            self.replica_graph = self.replica_db.select_graph(self.settings.graph_name)

    @classmethod
    def from_url(
        cls, url: str, *, settings: Settings | None = None, ontology: Ontology | None = None
    ) -> FalkorStore:
        parsed = redis.connection.parse_url(url)
        return cls(
            parsed.get("host", "127.0.0.1"),
            int(parsed.get("port", 6379)),
            password=parsed.get("password"),
            settings=settings,
            ontology=ontology,
        )

    @classmethod
    def from_sentinel(
        cls, uri: str, *, settings: Settings | None = None, ontology: Ontology | None = None
    ) -> FalkorStore:
        """``sentinel://host:port[,host:port…]/MASTER``: the primary and replicas the Sentinels name."""
        address = SentinelAddress.parse(uri)
        return cls("", 0, password=address.password, settings=settings, ontology=ontology, sentinel=address)

    def _retrying(self, call: Callable[[], T]) -> T:
        return retrying(
            call, retries=self.RETRIES, wait_s=self.failover_wait_s, where=f"FalkorDB at {self.where}"
        )

    def _once(self, call: Callable[[], T]) -> T:
        """A write that must not be repeated (it creates): sent once a primary answers, and never retried
        after it was sent (a write cut off may have been applied): the caller sees it unacknowledged."""
        self._retrying(lambda: self.db.connection.ping())
        try:
            return call()
        except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, ReplicasBehind) as exc:
            raise GraphUnavailable(
                f"a write that creates was cut off at FalkorDB {self.where} and is not repeated: {exc}"
            ) from exc

    def query(
        self,
        cypher: str,
        params: Mapping[str, Any] | None = None,
        *,
        read_only: bool = False,
        timeout_ms: int | None = None,
        stale_ok: bool | None = None,
    ) -> list[Row]:
        """Run one query. Connection failures are retried briefly, and behind Sentinel through a failover
        (writes are MERGE-based and safe to repeat). A read-only query that may be stale (``stale_ok``, by
        default ``graph_stale_reads``) goes to a replica."""
        timeout_ms = timeout_ms or remaining_ms()
        timeout = min(timeout_ms, self.settings.graph_timeout_max_ms) if timeout_ms else None
        stale = self.settings.graph_stale_reads if stale_ok is None else stale_ok
        graph = self.replica_graph if read_only and stale and self.replica_graph is not None else self.graph
        for attempt in range(self.RETRIES):
            try:
                if read_only or not NOT_REPEATABLE.search(cypher):
                    result = self._retrying(lambda: self._run(graph, cypher, params, read_only, timeout))
                else:
                    result = self._once(lambda: self._run(graph, cypher, params, read_only, timeout))
                break
            except redis.exceptions.ResponseError as exc:
                if "empty key" in str(exc) and attempt < self.RETRIES - 1:
                    self._create_graph()  # a graph that was never written to does not exist yet: create it
                    continue
                if "timed out" in str(exc).lower():
                    raise GraphTimeout(f"the query ran out of time ({timeout or 'default'} ms)") from exc
                raise GraphError(str(exc)) from exc
        names = [h[1] if isinstance(h, list | tuple) else h for h in result.header]
        names = [n.decode() if isinstance(n, bytes) else str(n) for n in names]
        return [dict(zip(names, (to_plain(v) for v in row), strict=True)) for row in result.result_set]

    def _run(
        self,
        graph: Graph,
        cypher: str,
        params: Mapping[str, Any] | None,
        read_only: bool,
        timeout: int | None,
    ) -> QueryResult:
        self.round_trips += 1
        header = _params_header(params) if params else ""
        command: list[Any] = [
            "GRAPH.RO_QUERY" if read_only else "GRAPH.QUERY",
            graph.name,
            header + cypher,
            "--compact",
        ]
        if timeout:
            command += ["timeout", int(timeout)]
        replicated = not read_only and self.settings.graph_min_replicas > 0
        try:
            return QueryResult(
                graph, self._acknowledged(command) if replicated else graph.execute_command(*command)
            )
        except SchemaVersionMismatchException as exc:
            graph.schema.refresh(exc.version)
            return QueryResult(
                graph, self._acknowledged(command) if replicated else graph.execute_command(*command)
            )

    def _acknowledged(self, command: Sequence[Any]) -> Any:
        return acknowledged(
            self.db.connection, command, self.settings.graph_min_replicas, self.settings.graph_replica_wait_ms
        )

    def _create_graph(self) -> None:
        self.graph.execute_command(
            "GRAPH.QUERY", self.graph.name, "CREATE (n:Tianji_init) DELETE n", "--compact"
        )

    def execute(self, *command: Any) -> Any:
        self.round_trips += 1
        try:
            return self._retrying(lambda: self.db.connection.execute_command(*command))
        except redis.exceptions.ResponseError as exc:
            raise GraphError(str(exc)) from exc

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
                    self.query(f"CREATE INDEX FOR (n:{label}) ON (n.{self.prop(label, prop)})")
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
                self.query(f"CREATE INDEX FOR (n:{label}) ON (n.{key})")
                created.append(f"index {label}.{key}")
        for label in token_labels(self.ontology):
            if (label, SEARCH_TEXT, "RANGE") not in existing:
                self.query(f"CREATE INDEX FOR (n:{label}) ON (n.{SEARCH_TEXT})")
                created.append(f"index {label}.{SEARCH_TEXT}")
            if (label, SEARCH_TOKENS, "FULLTEXT") not in existing:
                self.query(
                    f"CALL db.idx.fulltext.createNodeIndex({{label: '{label}', stopwords: []}}, "
                    f"{{field: '{SEARCH_TOKENS}', nostem: true}})"
                )
                created.append(f"full-text index {label}.{SEARCH_TOKENS}")
        return created

    def token_match(self, label: str, var: str, param: str) -> str:
        if not var.isidentifier() or not param.isidentifier():
            raise ValueError(f"not a Cypher variable: {var!r}, {param!r}")
        return f"CALL db.idx.fulltext.queryNodes('{self.label(label)}', ${param}) YIELD node AS {var}"

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

    def clear(self) -> None:
        self.round_trips += 1
        try:
            self.graph.delete()
        except redis.exceptions.ResponseError as exc:
            if "empty key" not in str(exc) and "Invalid graph operation on empty key" not in str(exc):
                raise GraphError(str(exc)) from exc
        self.graph = self.db.select_graph(self.settings.graph_name)
        if self.replica_graph is not None:  # the new graph's schema ids may differ: forget the cached ones
            self.replica_graph = self.replica_db.select_graph(self.settings.graph_name)

    def ping(self) -> bool:
        try:
            return bool(self.db.connection.ping())
        except redis.exceptions.RedisError:
            return False

    def close(self) -> None:
        self.db.connection.close()
        self.pool.disconnect()
        if self.replica_pool is not None:
            self.replica_db.connection.close()
            self.replica_pool.disconnect()

    def compact(self) -> None:
        if self.server is not None:
            self.server.compact()

    def wcc(self, labels: Sequence[str], types: Sequence[str]) -> dict[str, int]:
        config = {
            "nodeLabels": self.ontology.check_labels(labels),
            "relationshipTypes": self.ontology.check_types(types),
        }
        rows = self.query(
            "CALL algo.WCC($config) YIELD node, componentId RETURN node.id AS id, componentId AS c",
            {"config": config},
            read_only=True,
        )
        return {r["id"]: int(r["c"]) for r in rows}
