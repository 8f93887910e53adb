"""FalkorDB's answers read in one pass give what the client's own parser and ``to_plain`` give."""

from __future__ import annotations

from typing import Any

from falkordb.query_result import QueryResult

from graph.falkor import FalkorStore
from graph.falkor_results import plain_result
from graph.falkor_values import to_plain
from graph.store import GraphStore

QUERIES = [
    "MATCH (n:Address) RETURN n ORDER BY n.id",
    "MATCH (a:Enterprise)-[r:LOCATED_AT]->(b:Address) RETURN a, r, b, type(r) AS t ORDER BY b.id",
    "MATCH p = (:Enterprise)-[:LOCATED_AT]->(:Address) RETURN p ORDER BY length(p)",
    "MATCH (n:Address) RETURN collect(n) AS all, count(n) AS c, avg(n.lat) AS lat, max(n.big) AS big",
    "MATCH (n:Address) RETURN {id: n.id, tags: n.tags, at: point({latitude: coalesce(n.lat, 0.0), longitude: 1.5})} AS m "
    "ORDER BY n.id",
    "RETURN null AS nothing, true AS yes, false AS no, [1, 'two', [3.5, null]] AS mixed, '引号\"' AS s",
    "MATCH (n:Address) WHERE n.id = 'nowhere' RETURN n",
]


def client_rows(store: FalkorStore, cypher: str) -> tuple[list[str], list[list[Any]]]:
    raw = store.graph.execute_command("GRAPH.RO_QUERY", store.graph.name, cypher, "--compact")
    result = QueryResult(store.graph, raw)
    names = [h[1] if isinstance(h, list | tuple) else h for h in result.header]
    return names, [[to_plain(v) for v in row] for row in result.result_set]


def test_every_value_type_reads_as_the_clients_parser_reads_it(store: GraphStore) -> None:
    assert isinstance(store, FalkorStore)
    store.query(
        "CREATE (:Address {id: 'A1', text: '上海路', lat: 31.2, big: 9007199254740993, ok: true, "
        "tags: ['a', 'b'], nested: [1, 2.5, 'x']}), (:Address {id: 'A2', text: 'back\\\\slash'}), "
        "(:Enterprise {id: 'E1', name: '公司'})"
    )
    store.query("MATCH (e:Enterprise {id: 'E1'}), (a:Address) CREATE (e)-[:LOCATED_AT {since: 2020}]->(a)")
    for cypher in QUERIES:
        raw = store.graph.execute_command("GRAPH.RO_QUERY", store.graph.name, cypher, "--compact")
        assert plain_result(store.graph, raw) == client_rows(store, cypher), cypher
    assert store.query(QUERIES[0])[0]["n"]["properties"]["big"] == 9007199254740993


def test_names_the_graph_learnt_since_they_were_read_are_read_again(
    store: GraphStore, make_store: Any
) -> None:
    assert isinstance(store, FalkorStore)
    store.query("CREATE (:Address {id: 'A1', text: 'x'})")
    assert store.query("MATCH (n:Address) RETURN n")[0]["n"]["properties"] == {"id": "A1", "text": "x"}
    other = make_store(store.settings.graph_name)  # another client adds a property and a label
    other.query("MATCH (n:Address) SET n.city = '广州' CREATE (:Port {id: 'P1', code: '5100'})")
    found = store.query("MATCH (n) RETURN n ORDER BY n.id")
    assert [(n["n"]["labels"], n["n"]["properties"].get("city")) for n in found] == [
        (["Address"], "广州"),
        (["Port"], None),
    ]
