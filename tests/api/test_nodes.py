"""A request's lookups and relations are batched per label, and relations are cut to ``first`` in the query."""

from __future__ import annotations

import asyncio
import contextvars

import pytest

from api.auth import User
from api.context import Context, Services
from api.errors import NotFound
from api.nodes import relations_loader
from graph.store import GraphStore


@pytest.fixture
def hub(store: GraphStore) -> GraphStore:
    """Port 5100 with 40 declarations, port 5200 with two, and an SZ restricted case."""
    store.merge_nodes(
        "Port",
        [{"id": "5100", "code": "5100", "name": "一号"}, {"id": "5200", "code": "5200", "name": "二号"}],
    )
    store.merge_nodes("Declaration", [{"id": f"D{i:02d}", "entry_no": f"D{i:02d}"} for i in range(42)])
    store.merge_relationships(
        "AT_PORT",
        "Declaration",
        "Port",
        [{"start": f"D{i:02d}", "end": "5100" if i < 40 else "5200"} for i in range(42)],
    )
    store.merge_nodes("Case", [{"id": "C1", "title": "案", "unit": "SZ", "restricted": True}])
    return store


def context(store: GraphStore, unit: str = "GZ") -> Context:
    services = Services(settings=store.settings, store=store, users=None, audit=None, outbox=None)  # type: ignore[arg-type]
    # made in a context of its own: the request deadline a Context sets must not outlive this test
    return contextvars.copy_context().run(Context, services, User("someone", "investigator", unit))


def test_lookups_of_one_request_cost_one_query_per_label(hub: GraphStore) -> None:
    ctx = context(hub)

    async def lookups() -> list[str]:
        nodes = await asyncio.gather(*(ctx.visible_node("Declaration", f"D{i:02d}") for i in range(10)))
        return [n["id"] for n in nodes]

    before = hub.round_trips
    assert asyncio.run(lookups()) == [f"D{i:02d}" for i in range(10)]
    assert hub.round_trips == before + 1


def test_a_hidden_node_is_not_found_as_a_missing_one(hub: GraphStore) -> None:
    with pytest.raises(NotFound, match="no Case with id 'C1'"):
        asyncio.run(context(hub).visible_node("Case", "C1"))
    with pytest.raises(NotFound, match="no Case with id 'C9'"):
        asyncio.run(context(hub).visible_node("Case", "C9"))
    assert asyncio.run(context(hub, "SZ").visible_node("Case", "C1"))["id"] == "C1"


def test_relations_are_cut_to_first_per_node_in_one_query(hub: GraphStore) -> None:
    ctx = context(hub)

    async def relations() -> list[object]:
        loader = relations_loader(ctx, "Port", ("AT_PORT",), 3)
        return list(await loader.load_many(["5100", "5200", "5900"]))

    before = hub.round_trips
    busy, quiet, missing = asyncio.run(relations())
    assert hub.round_trips == before + 1
    assert (len(busy.edges()), busy.truncated, busy.notice) == (3, True, "showing the first 3 relations")  # type: ignore[attr-defined]
    assert (len(quiet.edges()), quiet.truncated) == (2, False)  # type: ignore[attr-defined]
    assert (missing.edges(), missing.nodes()) == ([], [])  # type: ignore[attr-defined]


def test_a_context_made_outside_a_request_leaves_no_deadline_behind(hub: GraphStore) -> None:
    from graph import store as graph_store

    context(hub)
    assert graph_store.deadline.get() is None
