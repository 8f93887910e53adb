"""FalkorDB backend (embedded, external, or replicated behind Sentinel), through the native ``falkordb`` client."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, TypeVar

import redis
from falkordb import FalkorDB, Graph
from falkordb.exceptions import SchemaVersionMismatchException

from graph.embedded import EmbeddedServer
from graph.falkor_results import plain_result
from graph.falkor_schema import FalkorSchema
from graph.falkor_values import ParamText, encode_rows, params_header
from graph.records import RowEncoder
from graph.replication import ReplicasBehind, SentinelAddress, acknowledged, retrying, sentinel_pools
from graph.store import remaining_ms
from graph.types import GraphError, GraphTimeout, GraphUnavailable, Row
from ontology import Ontology
from tianji.core.settings import Settings

T = TypeVar("T")
#: a CREATE clause (not MERGE's ON CREATE, not an index): such a write would be doubled by a repeat
NOT_REPEATABLE = re.compile(
    r"(?<!ON\s)\bCREATE\s+(?!INDEX\b|CONSTRAINT\b|VECTOR\b|FULLTEXT\b)", re.IGNORECASE
)


def pool_size(settings: Settings) -> int:
    """Graph connections of one process: ``graph_pool_size``, or four per core shared out between the API
    workers (at least 4), so that all workers together keep the server's query threads busy."""
    if settings.graph_pool_size:
        return settings.graph_pool_size
    cores = os.cpu_count() or 1
    return max(4, -(-4 * cores // (settings.api_workers or cores)))


class FalkorStore(FalkorSchema):
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
                # the longest query any caller may ask for, and then some (redis' own default is 5 s,
                # which cut off every long analysis as "unreachable")
                socket_timeout=self.settings.graph_timeout_max_ms / 1000 + 5,
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
        names, rows = result
        return [dict(zip(names, row, strict=True)) for row in rows]

    def element_id(self, var: str) -> str:
        return f"id({var})"

    def match_element(self, var: str, value: str) -> str:
        return f"MATCH ({var}) WHERE id({var}) = {value}"  # a node-by-id seek

    def element_param(self, keys: Iterable[str]) -> list[Any]:
        return [int(k) for k in keys]

    def row_encoder(self) -> RowEncoder:
        return encode_rows

    def _rows(self, chunk: list[list[Any]] | str) -> Any:
        return ParamText(chunk) if isinstance(chunk, str) else super()._rows(chunk)

    def _run(
        self,
        graph: Graph,
        cypher: str,
        params: Mapping[str, Any] | None,
        read_only: bool,
        timeout: int | None,
    ) -> tuple[list[str], list[list[Any]]]:
        self.round_trips += 1
        header = params_header(params) if params else ""
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
            return plain_result(
                graph, self._acknowledged(command) if replicated else graph.execute_command(*command)
            )
        except SchemaVersionMismatchException as exc:
            graph.schema.refresh(exc.version)
            return plain_result(
                graph, self._acknowledged(command) if replicated else graph.execute_command(*command)
            )

    def _acknowledged(self, command: Sequence[Any]) -> Any:
        return acknowledged(
            self.db.connection, command, self.settings.graph_min_replicas, self.settings.graph_replica_wait_ms
        )

    def _create_graph(self) -> None:
        self.graph.execute_command("GRAPH.QUERY", self.graph.name, "CREATE (n) DELETE n", "--compact")

    def execute(self, *command: Any) -> Any:
        self.round_trips += 1
        try:
            return self._retrying(lambda: self.db.connection.execute_command(*command))
        except redis.exceptions.ResponseError as exc:
            raise GraphError(str(exc)) from exc

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
