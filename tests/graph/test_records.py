"""Tables of clean rows, plain or encoded as the backend sends them: both write the same graph."""

from __future__ import annotations

import pickle
from typing import Any

import pytest

from graph.falkor_values import ParamText, encode_rows, params_header
from graph.records import chunks, encode_table
from graph.search_index import add_search_columns
from graph.store import GraphStore
from graph.types import GraphError, Plain
from tests.ingest.builders import uscc

# quotes, backslashes, a control character (which JSON cannot carry to FalkorDB), Chinese, numbers, gaps
TEXTS = ['上海"引号"路 1 号', "back\\slash road", "tab\tand\x01control", "plain street", None]


def address_rows(count: int) -> list[dict[str, object]]:
    return [
        {"id": f"A{i}", "text": TEXTS[i % (len(TEXTS) - 1)], "city": TEXTS[i % len(TEXTS)], "lat": i / 7}
        for i in range(count)
    ]


def test_a_parameter_already_encoded_is_sent_as_it_is() -> None:
    rows = Plain([["A1", 'say "hi"', None, 1.5], ["A2", "tab\there", 2, True]])
    assert params_header({"rows": ParamText(encode_rows(rows))}) == params_header({"rows": rows})


def test_an_encoded_table_keeps_no_rows_and_says_what_it_holds(store: GraphStore) -> None:
    table = store.values.node_table("Address", address_rows(12))
    encoded = encode_table(table, encode_rows, 5)
    assert encoded.rows == [] and len(encoded) == 12 and encoded.ids() == table.ids()
    assert [size for _, size in chunks(encoded, 999)] == [5, 5, 2]  # cut once, as the encoder cut it
    assert encoded.encoded.chunks == [encode_rows(table.rows[i : i + 5]) for i in (0, 5, 10)]  # type: ignore[union-attr]
    assert pickle.loads(pickle.dumps(encoded)) == encoded  # what crosses from the planning worker
    assert encode_table(encoded, encode_rows, 3) is encoded


def test_encoded_nodes_and_relationships_write_what_their_rows_write(store: GraphStore) -> None:
    nodes = store.values.node_table("Address", address_rows(23))
    owners = store.values.node_table("Enterprise", [{"id": uscc(i), "name": f"公司{i}"} for i in range(23)])
    located = store.values.relationship_table(
        "LOCATED_AT", "Enterprise", "Address", [{"start": uscc(i), "end": f"A{i}"} for i in range(23)]
    )
    encoder = store.row_encoder()
    assert encoder is not None

    def written() -> list[dict[str, Any]]:
        return store.query(
            "MATCH (e:Enterprise)-[:LOCATED_AT]->(a:Address) "
            "RETURN e.id AS e, e.search_text AS s, a.id AS a, a.text AS t, a.city AS c, a.lat AS lat "
            "ORDER BY a",
        )

    store.write_nodes(owners)
    store.write_nodes(nodes, batch_size=4)
    store.write_relationships(located, batch_size=4)
    plain = written()
    assert len(plain) == 23 and any("\x01" in str(row["t"]) for row in plain)
    store.clear()
    store.apply_schema()
    # the planner adds the search columns before it encodes; the store does so for plain tables
    owners = add_search_columns(store.ontology, owners)
    store.write_nodes(encode_table(owners, encoder, 4))
    result = store.write_nodes(encode_table(nodes, encoder, 4))
    assert (result.sent, result.written) == (23, 23)
    links = store.write_relationships(encode_table(located, encoder, 4))
    assert (links.sent, links.written, links.missing) == (23, 23, [])
    assert written() == plain

    # an encoded chunk whose endpoints are missing is told row by row, as a plain one is
    stray = store.values.relationship_table(
        "LOCATED_AT",
        "Enterprise",
        "Address",
        [{"start": uscc(0), "end": "A0"}, {"start": uscc(0), "end": "nowhere"}],
    )
    assert store.write_relationships(encode_table(stray, encoder, 10)).missing == [1]


def test_only_a_backend_with_an_encoder_takes_encoded_rows(store: GraphStore) -> None:
    table = encode_table(store.values.node_table("Address", address_rows(2)), encode_rows, 5)
    with pytest.raises(GraphError, match="takes no encoded rows"):
        GraphStore._rows(store, table.encoded.chunks[0])  # type: ignore[union-attr]
    assert isinstance(store._rows(table.encoded.chunks[0]), ParamText)  # type: ignore[union-attr]
