"""The GraphStore contract: the same tests for every backend.

FalkorDB (embedded) always runs. Neo4j runs when ``NEO4J_URI`` is set (with ``TIANJI_NEO4J_USER`` and
``TIANJI_NEO4J_PASSWORD``) and is skipped with that reason otherwise.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator

import pytest

from graph.open import open_store
from graph.store import GraphStore
from graph.types import GraphError
from ontology import OntologyError
from tests.ingest.builders import uscc
from tianji.core.settings import Settings


@pytest.fixture(params=["falkordb", "neo4j"])
def backend(request: pytest.FixtureRequest, make_store: Callable[..., GraphStore]) -> Iterator[GraphStore]:
    if request.param == "falkordb":
        yield make_store()
        return
    uri = os.environ.get("NEO4J_URI")
    if not uri:
        pytest.skip("Neo4j contract tests need NEO4J_URI (no Neo4j server can be installed on this machine)")
    store = open_store(uri, settings=Settings(graph_uri=uri))
    store.clear()
    store.apply_schema()
    yield store
    store.clear()
    store.close()


def _seed(store: GraphStore) -> None:
    store.merge_nodes(
        "Enterprise",
        [
            {"id": "E1", "uscc": uscc(1), "name": "广州甲贸易有限公司"},
            {"id": "E2", "uscc": uscc(2), "name": "ACME Trading"},
        ],
    )
    store.merge_nodes("Person", [{"id": "P1", "id_hash": "P1", "name": "张三"}])
    store.merge_relationships(
        "LEGAL_REP_OF",
        "Person",
        "Enterprise",
        [{"start": "P1", "end": "E1", "since": "2020-01-01"}, {"start": "P1", "end": "E2"}],
    )


def test_results_are_plain_values(backend: GraphStore) -> None:
    _seed(backend)
    rows = backend.query(
        "MATCH (p:Person {id: $id})-[r:LEGAL_REP_OF]->(e:Enterprise {id: $e}) RETURN p, r, e, e.name AS name",
        {"id": "P1", "e": "E1"},
    )
    assert len(rows) == 1
    row = rows[0]
    assert row["name"] == "广州甲贸易有限公司"
    assert (
        row["p"]["id"] == "P1"
        and row["p"]["labels"] == ["Person"]
        and row["p"]["properties"]["name"] == "张三"
    )
    assert row["r"]["type"] == "LEGAL_REP_OF" and row["r"]["properties"]["since"] == "2020-01-01"
    assert row["r"]["start"] == row["p"]["element_id"] and row["r"]["end"] == row["e"]["element_id"]


def test_merge_is_idempotent_and_reports_missing_endpoints(backend: GraphStore) -> None:
    _seed(backend)
    _seed(backend)
    assert backend.count("Enterprise") == 2
    assert backend.query("MATCH ()-[r:LEGAL_REP_OF]->() RETURN count(r) AS c")[0]["c"] == 2
    result = backend.merge_relationships(
        "LEGAL_REP_OF", "Person", "Enterprise", [{"start": "P1", "end": "E1"}, {"start": "P404", "end": "E1"}]
    )
    assert (result.sent, result.written, result.missing) == (2, 1, [1])


def test_batches_span_many_queries(backend: GraphStore) -> None:
    rows = [
        {"id": f"D{i}", "entry_no": f"D{i}", "date": "2024-01-01", "value_usd": float(i)} for i in range(2500)
    ]
    result = backend.merge_nodes("Declaration", rows, batch_size=1000)
    assert (result.sent, result.written) == (2500, 2500)
    assert backend.count("Declaration") == 2500
    total = backend.query("MATCH (d:Declaration) RETURN sum(d.value_usd) AS s")[0]["s"]
    assert total == sum(range(2500))


def test_unique_constraint_refuses_a_duplicate_create(backend: GraphStore) -> None:
    _seed(backend)
    if hasattr(backend, "wait_for_constraints"):
        backend.wait_for_constraints()
    with pytest.raises(GraphError):
        backend.query("CREATE (:Enterprise {id: 'E1', name: 'dup'})")
    assert backend.count("Enterprise") == 2


def test_labels_types_and_properties_come_only_from_the_ontology(backend: GraphStore) -> None:
    _seed(backend)
    injection = "Person) DETACH DELETE n //"
    with pytest.raises(OntologyError, match="unknown label"):
        backend.merge_nodes(injection, [{"id": "x"}])
    with pytest.raises(OntologyError, match="unknown label"):
        backend.node("Person`) MATCH (m) DETACH DELETE m //", "P1")
    with pytest.raises(OntologyError, match="unknown relationship type"):
        backend.merge_relationships("LEGAL_REP_OF]->() DETACH DELETE a //", "Person", "Enterprise", [])
    with pytest.raises(OntologyError, match="has no property"):
        backend.merge_nodes("Person", [{"id": "P2", "name}) DETACH DELETE n //": 1}])
    with pytest.raises(OntologyError, match="does not connect"):
        backend.merge_relationships("LEGAL_REP_OF", "Enterprise", "Person", [{"start": "E1", "end": "P1"}])
    assert backend.count("Person") == 1 and backend.count("Enterprise") == 2


def test_values_are_parameters_not_code(backend: GraphStore) -> None:
    _seed(backend)
    hostile = "E1'}) DETACH DELETE n //"
    assert backend.node("Enterprise", hostile) is None
    backend.merge_nodes("Enterprise", [{"id": hostile, "uscc": uscc(4), "name": "x') DELETE n"}])
    written = backend.node("Enterprise", hostile)
    assert written is not None and written["properties"]["name"] == "x') DELETE n"
    assert backend.count("Enterprise") == 3


def test_stats_and_algorithms(backend: GraphStore) -> None:
    _seed(backend)
    backend.merge_nodes("Enterprise", [{"id": "E3", "uscc": uscc(3), "name": "lonely"}])
    stats = backend.stats()
    assert stats["labels"]["Enterprise"] == 3 and stats["types"]["LEGAL_REP_OF"] == 2
    components = backend.wcc(["Person", "Enterprise"], ["LEGAL_REP_OF"])
    assert components["E1"] == components["E2"] == components["P1"] != components["E3"]


def test_a_failing_query_says_why(backend: GraphStore) -> None:
    with pytest.raises(GraphError):
        backend.query("MATCH (n RETURN n")


def test_reads_see_this_stores_writes_and_stale_reads_answer(backend: GraphStore) -> None:
    """A read after a write sees it (the primary, or a causally consistent read on a cluster); a read that
    allows staleness still gives a well-formed answer (a replica's, where the backend has them)."""
    _seed(backend)
    backend.merge_nodes("Enterprise", [{"id": "E9", "uscc": uscc(9), "name": "new"}])
    fresh = backend.query(
        "MATCH (e:Enterprise {id: $id}) RETURN e.name AS name", {"id": "E9"}, read_only=True
    )
    assert fresh == [{"name": "new"}]
    stale = backend.query("MATCH (e:Enterprise) RETURN count(e) AS c", read_only=True, stale_ok=True)
    assert stale[0]["c"] in (2, 3)
