"""Persisted queries: automatic persisted queries (Apollo's protocol) and an allow-list for production.

A client names a document by the sha256 (hex) of its text in ``extensions.persistedQuery.sha256Hash``
(``version`` 1), over HTTP (POST body or GET parameters) or in a websocket ``subscribe`` payload.

- ``auto`` (``TIANJI_API_PERSISTED_QUERIES``, the default): a hash alone runs the document this worker
  has seen under it; an unknown one is answered with ``PersistedQueryNotFound`` (code
  ``PERSISTED_QUERY_NOT_FOUND``) and the client sends the hash with the document, which is checked
  against the hash and remembered. Documents without a hash run as usual.
- ``allowlist``: only the documents of the manifest ``TIANJI_API_ALLOWLIST`` run, named by hash or sent
  in full; anything else is refused with ``PERSISTED_QUERY_NOT_IN_LIST``, and nothing can be registered.
- ``off``: hashes are refused with ``PERSISTED_QUERY_NOT_SUPPORTED``; documents run as usual.

The manifest is Apollo's persisted-query manifest (``{"format": "apollo-persisted-query-manifest",
"operations": [{"id": sha256, "body": document, ...}]}``) or a plain ``{sha256: document}`` object;
every id must be the sha256 of its document. ``manifest(documents)`` writes one; ``tianji schema
allowlist FILE`` writes the documents that ran in a staging deployment (from its audit log).
"""

from __future__ import annotations

import hashlib
import json
from collections import OrderedDict
from collections.abc import Iterable
from pathlib import Path
from typing import Any, cast

from graphql import GraphQLError
from sqlalchemy import Engine, select
from strawberry.http import GraphQLRequestData
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import BaseGraphQLTransportWSHandler
from strawberry.subscriptions.protocols.graphql_transport_ws.types import SubscribeMessage
from strawberry.types import ExecutionResult

from api.audit import DOCUMENT_CHARS, audit
from tianji.core.settings import Settings

REMEMBERED = 4096  # documents kept per worker in auto mode, least recently used dropped


def sha256(document: str) -> str:
    return hashlib.sha256(document.encode("utf-8")).hexdigest()


def manifest(documents: Iterable[str]) -> dict[str, Any]:
    """An Apollo persisted-query manifest of these documents (what ``TIANJI_API_ALLOWLIST`` reads)."""
    return {
        "format": "apollo-persisted-query-manifest",
        "version": 1,
        "operations": [{"id": sha256(doc), "body": doc} for doc in documents],
    }


def audited_documents(engine: Engine) -> list[str]:
    """The distinct documents that ran without error, from the audit log (truncated ones left out): what a
    staging run in ``auto`` mode gives the production allow-list."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(audit.c.document).where(audit.c.outcome == "ok").distinct().order_by(audit.c.document)
        )
        return [doc for (doc,) in rows if doc and len(doc) < DOCUMENT_CHARS]


def load_manifest(path: Path) -> dict[str, str]:
    """hash -> document from a manifest file; a wrong hash is refused (the list would silently not match)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    if isinstance(data, dict) and "operations" in data:
        pairs = [(op["id"], op["body"]) for op in data["operations"]]
    elif isinstance(data, dict):
        pairs = list(data.items())
    else:
        raise ValueError(f"{path}: a persisted-query manifest is a JSON object")
    documents = {}
    for key, body in pairs:
        if not isinstance(body, str) or sha256(body) != str(key).lower():
            raise ValueError(f"{path}: the id {key!r} is not the sha256 of its document")
        documents[str(key).lower()] = body
    return documents


class PersistedQueryError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message

    def error(self) -> GraphQLError:
        return GraphQLError(self.message, extensions={"code": self.code})


class PersistedQueries:
    """One worker's persisted documents: remembered ones (auto) or the allow-list (allowlist)."""

    def __init__(self, settings: Settings) -> None:
        self.mode = settings.api_persisted_queries
        self.remembered: OrderedDict[str, str] = OrderedDict()
        self.allowed: dict[str, str] = {}
        if self.mode == "allowlist":
            if settings.api_allowlist is None:
                raise ValueError(
                    "TIANJI_API_PERSISTED_QUERIES=allowlist needs TIANJI_API_ALLOWLIST (a manifest)"
                )
            self.allowed = load_manifest(settings.api_allowlist)

    def resolve(self, query: str | None, extensions: dict[str, Any] | None) -> str | None:
        """The document to run for this request, or ``PersistedQueryError`` saying why none may run."""
        persisted = (extensions or {}).get("persistedQuery")
        wanted = None
        if isinstance(persisted, dict) and persisted.get("sha256Hash"):
            if self.mode == "off":
                raise PersistedQueryError("PERSISTED_QUERY_NOT_SUPPORTED", "PersistedQueryNotSupported")
            if persisted.get("version", 1) != 1:
                raise PersistedQueryError("INVALID_INPUT", "persistedQuery version must be 1")
            wanted = str(persisted["sha256Hash"]).lower()
        if self.mode == "allowlist":
            return self._allowed(query, wanted)
        if wanted is None:
            return query
        if not query:
            found = self.remembered.get(wanted)
            if found is None:
                raise PersistedQueryError("PERSISTED_QUERY_NOT_FOUND", "PersistedQueryNotFound")
            self.remembered.move_to_end(wanted)
            return found
        if sha256(query) != wanted:
            raise PersistedQueryError("INVALID_INPUT", "provided sha256Hash does not match the query")
        self.remembered[wanted] = query
        self.remembered.move_to_end(wanted)
        while len(self.remembered) > REMEMBERED:
            self.remembered.popitem(last=False)
        return query

    def _allowed(self, query: str | None, wanted: str | None) -> str:
        key = wanted or (sha256(query) if query else None)
        if key is None:
            raise PersistedQueryError("INVALID_INPUT", "send a query or extensions.persistedQuery.sha256Hash")
        found = self.allowed.get(key)
        if found is None or (query and query != found):
            raise PersistedQueryError(
                "PERSISTED_QUERY_NOT_IN_LIST",
                f"this server runs only the queries of its allow-list; {key} is not in it",
            )
        return found


class PersistedTransportWSHandler(BaseGraphQLTransportWSHandler[Any, Any]):
    """graphql-transport-ws, with the subscribe payload's document resolved as over HTTP."""

    async def handle_subscribe(self, message: SubscribeMessage) -> None:
        payload: Any = message["payload"]
        try:
            persisted = cast("PersistedQueriesView", self.view).persisted
            payload["query"] = persisted.resolve(payload.get("query"), payload.get("extensions"))
        except PersistedQueryError as exc:
            await self.send_message(
                {"id": message["id"], "type": "error", "payload": [exc.error().formatted]}
            )
            return
        await super().handle_subscribe(message)


class PersistedQueriesView:
    """Mixed into the GraphQL router (before the strawberry base class): documents are resolved by
    ``persisted`` before they are parsed, over HTTP (single, batched, streamed) and websockets."""

    persisted: PersistedQueries
    graphql_transport_ws_handler_class: type[BaseGraphQLTransportWSHandler[Any, Any]] = (
        PersistedTransportWSHandler
    )

    async def execute_operation(self, *args: Any, **kwargs: Any) -> Any:
        data = kwargs["request_data"]
        if isinstance(data, GraphQLRequestData):  # a batch is resolved item by item in execute_single
            try:
                data.query = self.persisted.resolve(data.query, data.extensions)
            except PersistedQueryError as exc:
                return ExecutionResult(data=None, errors=[exc.error()])
        return await super().execute_operation(*args, **kwargs)  # type: ignore[misc]

    async def execute_single(self, *args: Any, **kwargs: Any) -> Any:
        data = kwargs["request_data"]
        try:
            data.query = self.persisted.resolve(data.query, data.extensions)
        except PersistedQueryError as exc:
            return ExecutionResult(data=None, errors=[exc.error()])
        return await super().execute_single(*args, **kwargs)  # type: ignore[misc]
