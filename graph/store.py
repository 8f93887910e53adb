"""The one interface to the graph: ``GraphStore`` (``graph.open.open_store`` reaches a backend by URI).

Callers pass Cypher with parameters for every value. Labels and relationship types that must be
spliced into Cypher are checked against the ontology first (``GraphStore.label``/``rtype``); the
generic write helpers (``merge_nodes``, ``merge_relationships``) do that themselves, and clean every
property value through its ontology value type (``graph/values.py``): no caller can write a value the
loader would have refused.

Results come back as plain Python values: a node is ``{"id", "element_id", "labels", "properties"}``,
a relationship ``{"element_id", "type", "start", "end", "properties"}``, a path
``{"nodes": [...], "relationships": [...]}``.
"""

from __future__ import annotations

import abc
import time
from collections.abc import Iterable, Mapping, Sequence
from contextvars import ContextVar
from typing import Any

from graph.records import NodeTable, RelationshipTable, RowEncoder, chunks
from graph.search_index import SEARCH_TOKENS, add_search_columns
from graph.types import GraphError, GraphTimeout, Plain, Row, WriteResult
from graph.values import ValueCleaner
from ontology import Ontology, OntologyError, get_ontology
from ontology.tokens import TokenQuery
from tianji.core.settings import Settings, get_settings

#: the monotonic time by which the current request's queries must end (set per API request): each query
#: is sent with the time left as its server-side timeout, so a request that runs out stops its work
deadline: ContextVar[float | None] = ContextVar("graph_deadline", default=None)


def remaining_ms() -> int | None:
    """Milliseconds left before the current request's deadline, if it has one; refuses when none are."""
    until = deadline.get()
    if until is None:
        return None
    left = int((until - time.monotonic()) * 1000)
    if left <= 0:
        raise GraphTimeout("the request ran out of time before this query could start")
    return left


def _set_clause(
    var: str, names: Iterable[str], keyword: str, source: str, *, offset: int = 0, keep_existing: bool = False
) -> str:
    """``SET n.a = row[1], …`` for property names already checked against the ontology."""
    parts = []
    for i, name in enumerate(names):
        value = f"{source}[{i + offset}]"
        parts.append(f"{var}.{name} = " + (f"coalesce({value}, {var}.{name})" if keep_existing else value))
    return f" {keyword} " + ", ".join(parts) if parts else ""


class GraphStore(abc.ABC):
    """Parameterised reads and writes, batched upserts, schema from the ontology, plain results."""

    backend: str = "abstract"

    def __init__(self, ontology: Ontology | None = None, settings: Settings | None = None) -> None:
        self.ontology = ontology or get_ontology()
        self.settings = settings or get_settings()
        self.round_trips = 0  # every call that reaches the server; tests count these
        self.values = ValueCleaner(self.ontology)  # every value written is cleaned by its type

    # -- the backend's part ---------------------------------------------------------------------

    @abc.abstractmethod
    def query(
        self,
        cypher: str,
        params: Mapping[str, Any] | None = None,
        *,
        read_only: bool = False,
        timeout_ms: int | None = None,
        stale_ok: bool | None = None,
    ) -> list[Row]:
        """Run one parameterised query; rows are dicts keyed by the RETURN column names.

        A ``read_only`` query that may miss the last writes (``stale_ok``; ``None``: the settings'
        ``graph_stale_reads``) may be answered by a replica where the backend has them."""

    @abc.abstractmethod
    def apply_schema(self) -> list[str]:
        """Create the indexes and unique constraints the ontology asks for; return what was created."""

    @abc.abstractmethod
    def clear(self) -> None:
        """Delete every node and relationship of this graph (tests and demo reloads only)."""

    @abc.abstractmethod
    def ping(self) -> bool: ...

    def compact(self) -> None:  # noqa: B027 - optional: most backends have nothing to compact
        """After a bulk load: let the database compact its write log (the embedded server does)."""

    @abc.abstractmethod
    def close(self) -> None: ...

    @abc.abstractmethod
    def wcc(self, labels: Sequence[str], types: Sequence[str]) -> dict[str, int]:
        """Weakly connected components over the given labels and types: node id -> component id."""

    # -- ontology guards ------------------------------------------------------------------------

    def label(self, label: str) -> str:
        """The label, if the ontology defines it; the only way a label may reach Cypher."""
        return self.ontology.check_label(label)

    def rtype(self, rtype: str) -> str:
        return self.ontology.check_type(rtype)

    def prop(self, owner: str, name: str) -> str:
        return self.ontology.check_property(owner, name)

    # -- generic writes, driven by the ontology ------------------------------------------------

    def merge_nodes(
        self,
        label: str,
        rows: Sequence[Row],
        *,
        batch_size: int | None = None,
        on_create: Mapping[str, Any] | None = None,
    ) -> WriteResult:
        """Upsert nodes by ``id``: each row is ``{"id": ..., **properties}``; ``None`` values are skipped,
        the others cleaned by their value type (``OntologyError`` naming a value the type refuses).

        ``on_create`` properties (lineage such as ``ingested_at``) are set only when the node is new,
        so that re-running a source changes nothing. Safe to retry: a batch applied twice leaves the
        same graph as once.
        """
        return self.write_nodes(
            self.values.node_table(self.label(label), rows), batch_size=batch_size, on_create=on_create
        )

    def write_nodes(
        self,
        table: NodeTable,
        *,
        batch_size: int | None = None,
        on_create: Mapping[str, Any] | None = None,
        create: bool = False,
    ) -> WriteResult:
        """Upsert a table of clean nodes (see ``merge_nodes``). With ``create``, the caller knows none of
        the ids exists yet (a first load into an empty graph): ``CREATE`` instead of ``MERGE``."""
        label = self.label(table.label)
        table = add_search_columns(self.ontology, table)  # every write path carries the search tokens
        names = [self.prop(label, name) for name in table.names]
        created = self.values.clean(label, on_create or {})
        if create:
            cypher = (
                f"UNWIND $rows AS row CREATE (n:{self.label(label)} {{id: row[0]}})"
                + _set_clause("n", created, "SET", "$created")
                + _set_clause("n", names, "SET", "row", offset=1)
                + " RETURN count(n) AS c"
            )
        else:
            cypher = (
                f"UNWIND $rows AS row MERGE (n:{self.label(label)} {{id: row[0]}})"
                + _set_clause("n", created, "ON CREATE SET", "$created")
                + _set_clause("n", names, "SET", "row", offset=1, keep_existing=True)
                + " RETURN count(n) AS c"
            )
        result = WriteResult()
        for chunk, size in chunks(table, batch_size or self.settings.graph_batch_size):
            done = self.query(cypher, {"rows": self._rows(chunk), "created": Plain(list(created.values()))})
            result += WriteResult(sent=size, written=int(done[0]["c"]) if done else 0)
        return result

    def merge_relationships(
        self,
        rtype: str,
        start_label: str,
        end_label: str,
        rows: Sequence[Row],
        *,
        batch_size: int | None = None,
        on_create: Mapping[str, Any] | None = None,
    ) -> WriteResult:
        """Upsert relationships between existing nodes: rows are ``{"start": id, "end": id, **properties}``.

        One relationship of a type per ordered pair. Rows whose endpoints do not exist are reported
        in ``WriteResult.missing`` (their positions in ``rows``), never silently created.
        """
        table = self.values.relationship_table(
            self.rtype(rtype), self.label(start_label), self.label(end_label), rows
        )
        return self.write_relationships(table, batch_size=batch_size, on_create=on_create)

    def write_relationships(
        self,
        table: RelationshipTable,
        *,
        batch_size: int | None = None,
        on_create: Mapping[str, Any] | None = None,
        create: bool = False,
    ) -> WriteResult:
        """Upsert a table of clean relationships (see ``merge_relationships``). With ``create``, the caller
        knows no relationship of the table exists yet: ``CREATE`` instead of ``MERGE``."""
        rel = self.ontology.relationship(table.type)
        start_label, end_label = self.label(table.start_label), self.label(table.end_label)
        if not rel.allows(start_label, end_label):
            raise OntologyError(
                f"{rel.type} does not connect {start_label} to {end_label}; it connects "
                + ", ".join(f"{a}->{b}" for a, b in rel.endpoints)
            )
        names = [self.prop(rel.type, name) for name in table.names]
        created = self.values.clean(rel.type, on_create or {})
        head = (
            f"UNWIND $rows AS row MATCH (a:{self.label(start_label)} {{id: row[0]}}) "
            f"MATCH (b:{self.label(end_label)} {{id: row[1]}}) "
        )
        if create:
            cypher = (
                head
                + f"CREATE (a)-[r:{self.rtype(rel.type)}]->(b)"
                + _set_clause("r", created, "SET", "$created")
                + _set_clause("r", names, "SET", "row", offset=2)
                + " RETURN count(r) AS c"
            )
        else:
            cypher = (
                head
                + f"MERGE (a)-[r:{self.rtype(rel.type)}]->(b)"
                + _set_clause("r", created, "ON CREATE SET", "$created")
                + _set_clause("r", names, "SET", "row", offset=2, keep_existing=True)
                + " RETURN count(r) AS c"
            )
        result = WriteResult()
        for chunk, size in chunks(table, batch_size or self.settings.graph_batch_size):
            rows = self._rows(chunk)
            written = int(
                self.query(cypher, {"rows": rows, "created": Plain(list(created.values()))})[0]["c"]
            )
            missing: list[int] = []
            if written != size:  # find the rows whose endpoints are missing (rare; costs one read)
                found = self.query(
                    "UNWIND range(0, size($rows) - 1) AS i "
                    f"MATCH (a:{self.label(start_label)} {{id: $rows[i][0]}}) "
                    f"MATCH (b:{self.label(end_label)} {{id: $rows[i][1]}}) RETURN i",
                    {"rows": rows if isinstance(chunk, str) else Plain([p[:2] for p in chunk])},
                    read_only=True,
                )
                present = {int(r["i"]) for r in found}
                missing = [i for i in range(size) if i not in present]
            result += WriteResult(sent=size, written=written, missing=missing)
        return result

    def row_encoder(self) -> RowEncoder | None:
        """A picklable function that encodes a chunk of table rows as this backend sends them (see
        ``graph.records.Encoded``), or None when the backend takes rows only as they are."""
        return None

    def _rows(self, chunk: list[list[Any]] | str) -> Any:
        """The ``$rows`` parameter of one chunk: the rows, or an encoded chunk (``row_encoder``'s)."""
        if isinstance(chunk, str):
            raise GraphError(f"{type(self).__name__} takes no encoded rows")
        return Plain(chunk)

    # -- element ids ----------------------------------------------------------------------------

    def element_id(self, var: str) -> str:
        """Cypher for ``var``'s element id (a node's or a relationship's), which ``element_key`` turns into
        the text results carry as ``element_id``."""
        return f"elementId({var})"

    def element_key(self, value: Any) -> str:
        """The ``element_id`` text of a value ``element_id``'s Cypher returned."""
        return str(value)

    def match_element(self, var: str, value: str) -> str:
        """Cypher binding node ``var`` to the node whose element id is ``value`` (a Cypher expression
        holding what ``element_param`` made), read by id rather than searched for."""
        return f"MATCH ({var}) WHERE elementId({var}) = {value}"

    def element_param(self, keys: Iterable[str]) -> list[Any]:
        """The parameter ``match_element`` compares with, from ``element_id`` texts."""
        return list(keys)

    # -- search ---------------------------------------------------------------------------------

    def token_match(self, label: str) -> str:
        """Cypher binding ``n`` to the nodes of ``label`` whose search tokens satisfy the query bound as
        ``$tokens`` (``token_param``'s value). This portable form reads every node of the label; a backend
        with a full-text index answers from the index instead."""
        return (
            f"MATCH (n:{self.label(label)}) WHERE all(c IN $tokens WHERE any(a IN c WHERE "
            f"all(t IN a WHERE n.{SEARCH_TOKENS} CONTAINS t)))"
        )

    def token_param(self, query: TokenQuery) -> Any:
        """The value ``token_match`` expects for its parameter."""
        return Plain(query.contains())

    # -- convenience reads ----------------------------------------------------------------------

    def node(self, label: str, node_id: str) -> Row | None:
        rows = self.query(
            f"MATCH (n:{self.label(label)} {{id: $id}}) RETURN n", {"id": node_id}, read_only=True
        )
        return rows[0]["n"] if rows else None

    def nodes(self, label: str, ids: Iterable[str]) -> dict[str, Row]:
        rows = self.query(
            f"UNWIND $ids AS id MATCH (n:{self.label(label)} {{id: id}}) RETURN n",
            {"ids": list(ids)},
            read_only=True,
        )
        return {r["n"]["id"]: r["n"] for r in rows}

    def is_empty(self) -> bool:
        """Whether the graph holds no node at all."""
        return not self.query("MATCH (n) RETURN 1 AS one LIMIT 1", read_only=True)

    def count(self, label: str) -> int:
        return int(self.query(f"MATCH (n:{self.label(label)}) RETURN count(n) AS c", read_only=True)[0]["c"])

    def stats(self) -> dict[str, dict[str, int]]:
        """Counts per label and per relationship type, for every label and type in the ontology."""
        labels = {label: self.count(label) for label in sorted(self.ontology.nodes)}
        types = {}
        for rtype in sorted(self.ontology.relationships):
            rows = self.query(f"MATCH ()-[r:{self.rtype(rtype)}]->() RETURN count(r) AS c", read_only=True)
            types[rtype] = int(rows[0]["c"])
        return {"labels": labels, "types": types}

    def __enter__(self) -> GraphStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
