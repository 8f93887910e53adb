"""The per-request context: the user and what the user may see, the shared store, settings, and this
request's DataLoaders."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import Engine
from strawberry.dataloader import DataLoader
from strawberry.fastapi import BaseContext

from alerts.live import Feed
from alerts.outbox import open_outbox
from algorithms.visibility import Viewer
from api.audit import GroupCommit, open_audit
from api.audit_chain import chain_key
from api.auth import User, open_users
from api.errors import NotFound
from graph import store as graph_store
from graph.store import GraphStore
from tianji.core.settings import Settings

R = TypeVar("R")


@dataclass
class Services:
    """What the app opens once at start-up and shares between requests."""

    settings: Settings
    store: GraphStore
    users: Engine  # the users, their password hashes and their browser sessions
    audit: Engine
    outbox: Engine
    audit_log: GroupCommit | None = None  # the request audit's writer (made with the services)
    running: Counter[str] = field(default_factory=Counter)  # operations under way, by user
    feeds: dict[str, Feed] = field(default_factory=dict)  # in-app events, one reader per topic


def open_services(settings: Settings, store: GraphStore) -> Services:
    """The services over ``store``, with the users, audit and outbox databases of ``settings`` opened."""
    audit = open_audit(settings)
    return Services(
        settings=settings,
        store=store,
        users=open_users(settings),
        audit=audit,
        outbox=open_outbox(settings),
        audit_log=GroupCommit(audit, chain_key(settings)),
    )


#: the graph's share of a request's time: its queries end (server-side) before the HTTP timeout answers
GRAPH_SHARE = 0.9


class Context(BaseContext):
    def __init__(self, services: Services, user: User) -> None:
        super().__init__()
        self.services = services
        self.user = user
        self.loaders: dict[str, DataLoader[Any, Any]] = {}
        self.result_size = 0
        # every graph query of this request is sent with the time left as its server-side timeout
        self.deadline = time.monotonic() + services.settings.api_timeout_s * GRAPH_SHARE
        graph_store.deadline.set(self.deadline)

    @property
    def store(self) -> GraphStore:
        return self.services.store

    @property
    def settings(self) -> Settings:
        return self.services.settings

    @property
    def viewer(self) -> Viewer:
        """What this request's user may see (the ontology's visibility rules for the user's unit)."""
        return Viewer(self.store.ontology, self.user.unit)

    async def visible_node(self, label: str, node_id: str) -> dict[str, Any]:
        """The node, with its evidence cut to what the user may see; NOT_FOUND, in the same words, whether
        it does not exist or belongs to what the user's unit may not see. Lookups of one request are
        batched by label (``nodes_loader``): ten aliased lookups cost one query."""
        label = self.store.label(label)
        node = await self.nodes_loader(label).load(node_id)
        if node is None:
            raise NotFound(f"no {label} with id {node_id!r}")
        return node

    def nodes_loader(self, label: str) -> DataLoader[str, dict[str, Any] | None]:
        """This request's loader of ``label`` nodes by key: those the user may see, evidence redacted."""
        label = self.store.label(label)
        viewer = self.viewer

        def fetch(keys: list[str]) -> list[dict[str, Any] | None]:
            rows = self.store.query(
                f"UNWIND $ids AS key MATCH (n:{self.store.label(label)} {{id: key}}) "
                f"WHERE {viewer.where_label(label, 'n')} RETURN key, n",
                {"ids": keys, **viewer.params},
                read_only=True,
            )
            found = dict(
                zip([r["key"] for r in rows], viewer.redact(self.store, [r["n"] for r in rows]), strict=True)
            )
            return [found.get(key) for key in keys]

        async def batch(keys: list[str]) -> list[dict[str, Any] | None]:
            return await self.run(fetch, keys)

        return self.loader(f"nodes:{label}", batch)

    async def redact(self, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Nodes or relationships with the evidence entries naming what the user may not see removed."""
        return await self.run(self.viewer.redact, self.store, items)

    async def run(self, fn: Callable[..., R], *args: Any, **kwargs: Any) -> R:
        """Run a blocking store call off the event loop."""
        return await asyncio.to_thread(fn, *args, **kwargs)

    def loader(self, name: str, batch: Callable[[list[Any]], Any]) -> DataLoader[Any, Any]:
        """This request's DataLoader called ``name`` (created on first use): one store call per batch."""
        if name not in self.loaders:
            self.loaders[name] = DataLoader(load_fn=batch)
        return self.loaders[name]
