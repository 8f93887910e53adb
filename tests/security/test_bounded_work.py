"""Bounded work: the cost of the whole document (fragments, variables), an upper bound on every size
argument checked before resolvers run, a server-side timeout on each graph query from the request's
time left (recorded as timed out), and a cap on the operations one user runs at once."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from api.audit import entries
from api.auth import User, create_user, issue_jwt, open_users
from api.context import Context, open_services
from api.schema import build_schema
from graph import store as graph_store
from graph.embedded import EmbeddedServer
from graph.open import open_store
from graph.store import GraphStore
from graph.types import GraphTimeout
from ingest.loader import Loader
from tests.api.conftest import ApiServer, codes, serve
from tests.conftest import settings_for
from tests.ingest.builders import tiny_world, uscc

ENTERPRISE = uscc(1)


def _limit(body: dict[str, Any]) -> dict[str, Any]:
    assert codes(body) == ["LIMIT_EXCEEDED"], body
    return dict(body["errors"][0])


def test_named_fragments_count_toward_the_cost(api: ApiServer, gql: Any) -> None:
    query = (
        'query { search(text: "贸易", first: 100) { edges { node { ...Many } } } } '
        "fragment Many on Node { id label caption properties }"
    )
    error = _limit(gql(api.tokens["inv_gz"], query)[1])
    assert "query too complex" in error["message"]
    inline = '{ search(text: "贸易", first: 100) { edges { node { ... on Node { id label caption properties } } } } }'
    assert "query too complex" in _limit(gql(api.tokens["inv_gz"], inline)[1])["message"]


def test_variables_count_toward_the_cost(api: ApiServer, gql: Any) -> None:
    query = 'query($n: Int!) { search(text: "贸易", first: $n) { edges { node { id label caption properties } } } }'
    assert "query too complex" in _limit(gql(api.tokens["inv_gz"], query, {"n": 100})[1])["message"]
    status, small = gql(api.tokens["inv_gz"], query, {"n": 5})
    assert status == 200 and "errors" not in small, small


def test_argument_defaults_count_toward_the_cost(api: ApiServer, gql: Any) -> None:
    query = '{ timeline(label: "Enterprise", id: "' + ENTERPRISE + '") }'  # first defaults to 500
    assert "errors" not in gql(api.tokens["inv_gz"], query)[1]
    nested = '{ search(text: "贸易") { edges { node { relations { edges { type source target } } } } } }'
    assert "query too complex" in _limit(gql(api.tokens["inv_gz"], nested)[1])["message"]


def test_ring_search_shared_counts_are_bounded(api: ApiServer, gql: Any) -> None:
    started = time.monotonic()
    literal = "{ ringSearch(enterprises: 3, shared: {Person: 20000}) { size } }"
    error = _limit(gql(api.tokens["inv_gz"], literal)[1])
    assert error["extensions"]["argument"] == "shared" and error["extensions"]["bound"] == 10
    assert "Person is 20000" in error["message"]
    variable = "query($s: JSON!) { ringSearch(enterprises: 3, shared: $s) { size } }"
    assert (
        _limit(gql(api.tokens["inv_gz"], variable, {"s": {"Person": 20000}})[1])["extensions"]["argument"]
        == "shared"
    )
    assert time.monotonic() - started < 5  # refused before any resolver ran


def test_relations_first_is_bounded(api: ApiServer, gql: Any) -> None:
    top = '{ relations(label: "Enterprise", ids: ["' + ENTERPRISE + '"], first: 100000) { truncated } }'
    error = _limit(gql(api.tokens["inv_gz"], top)[1])
    assert (error["extensions"]["argument"], error["extensions"]["bound"]) == ("first", 200)
    assert "argument first of relations is 100000" in error["message"]
    nested = 'query($f: Int!) { node(label: "Enterprise", id: $id) { relations(first: $f) { truncated } } }'
    nested = nested.replace("$id)", '"' + ENTERPRISE + '")')
    error = _limit(gql(api.tokens["inv_gz"], nested, {"f": 5000})[1])
    assert error["extensions"]["argument"] == "first"


@pytest.mark.parametrize(
    ("query", "argument"),
    [
        ('{ neighbourhood(label: "Enterprise", id: "x", depth: 9) { truncated } }', "depth"),
        ('{ neighbourhood(label: "Enterprise", id: "x", maxNodes: 100000) { truncated } }', "maxNodes"),
        ("{ gangs(first: 100000) { id } }", "first"),
        ('{ stops(target: "x", first: 1000000) }', "first"),
        ("{ companionGroups(distanceM: 1e9) }", "distanceM"),
        ("{ scoreDrift(days: 100000) { psi } }", "days"),
        ("{ latestPositions(targets: [" + ",".join(f'"t{i}"' for i in range(300)) + "]) }", "targets"),
    ],
)
def test_every_size_argument_has_an_upper_bound(api: ApiServer, gql: Any, query: str, argument: str) -> None:
    error = _limit(gql(api.tokens["inv_gz"], query)[1])
    assert error["extensions"]["argument"] == argument and argument in error["message"]


def test_relations_are_limited_in_the_query(api: ApiServer, gql: Any) -> None:
    query = (
        '{ relations(label: "Enterprise", ids: ["'
        + ENTERPRISE
        + '"], first: 1) { edges { type } truncated } }'
    )
    (found,) = gql(api.tokens["inv_gz"], query)[1]["data"]["relations"]
    assert len(found["edges"]) == 1 and found["truncated"] is True


def test_graph_query_stops_at_the_request_deadline(store: GraphStore) -> None:
    heavy = "UNWIND range(1, 30000) AS a UNWIND range(1, 30000) AS b WITH a, b WHERE (a * b) % 7 = 3 RETURN count(*) AS c"
    token = graph_store.deadline.set(time.monotonic() + 0.5)
    try:
        started = time.monotonic()
        with pytest.raises(GraphTimeout):
            store.query(heavy, read_only=True)
        assert time.monotonic() - started < 5  # the server stopped the work at the deadline
        with pytest.raises(GraphTimeout):  # once the time is up nothing more is sent
            time.sleep(0.6)
            store.query("RETURN 1 AS one", read_only=True)
    finally:
        graph_store.deadline.reset(token)
    assert store.query("RETURN 1 AS one") == [{"one": 1}]  # the server is free again


def test_timed_out_operation_is_audited_as_timed_out(store: GraphStore, settings: Any) -> None:
    quick = settings.model_copy(update={"api_timeout_s": 0.05})
    services = open_services(quick, store)
    schema = build_schema(quick)

    async def run() -> Any:
        context = Context(services, User("inv_gz", "investigator", "GZ"))
        await asyncio.sleep(0.1)  # the request's time runs out before its first graph query
        return await schema.execute(
            '{ node(label: "Enterprise", id: "' + ENTERPRISE + '") { id } }', context_value=context
        )

    result = asyncio.run(run())
    assert result.errors and result.errors[0].extensions["code"] == "TIMEOUT"
    (entry,) = entries(services.audit, user="inv_gz")
    assert entry["outcome"] == "timed_out" and entry["error_codes"] == "TIMEOUT"


@pytest.fixture(scope="module")
def busy(
    graph_server: EmbeddedServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[ApiServer, Any]]:
    settings = settings_for(graph_server, "busy", api_max_concurrent_per_user=2)
    store = open_store(settings=settings)
    store.clear()
    store.apply_schema()
    world = tmp_path_factory.mktemp("busy_world")
    tiny_world(world)
    Loader(store, settings, progress=False).load_dir(world)
    engine = open_users(settings)
    result = ApiServer(url="", store=store, settings=settings)
    for name, unit in (("inv_gz", "GZ"), ("inv_sz", "SZ")):
        create_user(engine, name, "investigator", unit)
        result.tokens[name] = issue_jwt(settings, User(name, "investigator", unit))
    server, thread, result.url = serve(settings)
    yield result, server.config.app
    server.should_exit = True
    thread.join(timeout=10)
    store.clear()
    store.close()


def test_one_user_cannot_starve_the_others(busy: tuple[ApiServer, Any]) -> None:
    api, app = busy
    running = app.state.services.running
    query = {"query": '{ node(label: "Enterprise", id: "' + ENTERPRISE + '") { id } }'}

    def ask(user: str) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {api.tokens[user]}"}
        return dict(httpx.post(f"{api.url}/graphql", json=query, headers=headers, timeout=30).json())

    assert ask("inv_gz")["data"]["node"]["id"] == ENTERPRISE
    assert running["inv_gz"] == 0  # every finished operation gives its place back
    running["inv_gz"] = 2  # inv_gz has two operations under way
    try:
        error = _limit(ask("inv_gz"))
        assert error["extensions"]["status"] == 429 and "at most 2 at once" in error["message"]
        assert ask("inv_sz")["data"]["node"]["id"] == ENTERPRISE  # another user is not held up
    finally:
        running["inv_gz"] = 0
    assert ask("inv_gz")["data"]["node"]["id"] == ENTERPRISE


def test_the_dashboards_client_waits_its_turn_instead_of_failing(busy: tuple[ApiServer, Any]) -> None:
    from dashboards.client import GraphQLClient

    api, app = busy
    running = app.state.services.running
    running["inv_gz"] = 2  # the officer's page has two callbacks under way
    freed = threading.Timer(0.6, running.__setitem__, ("inv_gz", 0))  # …which then finish
    freed.start()
    try:
        client = GraphQLClient(f"{api.url}/graphql", api.tokens["inv_gz"], timeout=10)
        started = time.monotonic()
        data = client('{ node(label: "Enterprise", id: "' + ENTERPRISE + '") { id } }')
        assert data["node"]["id"] == ENTERPRISE and time.monotonic() - started >= 0.5
    finally:
        freed.cancel()
        running["inv_gz"] = 0
