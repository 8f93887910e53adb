"""Search text and tokens written with every node, the backfill for older graphs, and the token index."""

from __future__ import annotations

from graph.search_index import SEARCH_TEXT, SEARCH_TOKENS, backfill, key_labels, name_properties, token_labels
from graph.store import GraphStore
from ontology.tokens import query_tokens, stored_tokens

NAMES = {
    "E1": "广州市华信贸易有限公司",
    "E2": "深圳华信科技有限公司",
    "E3": "重庆长沙银行商行",
    "E4": "Huaxin Trading Co., Ltd",
}


def _props(store: GraphStore, label: str, node_id: str) -> dict[str, object]:
    node = store.node(label, node_id)
    assert node is not None
    return node["properties"]


def test_the_ontology_says_which_labels_have_names_and_which_keys(store: GraphStore) -> None:
    onto = store.ontology
    assert "Enterprise" in token_labels(onto) and "Declaration" not in token_labels(
        onto
    )  # entry_no is its key
    assert {"Declaration", "Enterprise", "Vehicle", "Phone"} <= set(key_labels(onto))
    assert "Address" not in key_labels(onto)
    assert name_properties(onto.node("Enterprise")) == ["name", "name_en"]
    assert set(token_labels(onto)) <= set(onto.searchable_labels())


def test_merge_nodes_writes_search_text_and_tokens(store: GraphStore) -> None:
    store.merge_nodes("Enterprise", [{"id": "E1", "name": NAMES["E1"], "name_en": "Huaxin Trading"}])
    props = _props(store, "Enterprise", "E1")
    assert props[SEARCH_TEXT] == "广州市华信贸易有限公司|huaxintrading"
    assert props[SEARCH_TOKENS] == stored_tokens(NAMES["E1"], "Huaxin Trading")
    store.merge_nodes("Enterprise", [{"id": "E1", "status": "active"}])  # a write without names keeps them
    assert _props(store, "Enterprise", "E1")[SEARCH_TOKENS] == stored_tokens(NAMES["E1"], "Huaxin Trading")
    store.merge_nodes("Declaration", [{"id": "510020240000000001", "entry_no": "510020240000000001"}])
    declaration = _props(store, "Declaration", "510020240000000001")
    assert declaration[SEARCH_TEXT] == "510020240000000001" and SEARCH_TOKENS not in declaration


def test_backfill_gives_tokens_to_nodes_written_without_them(store: GraphStore) -> None:
    store.query(
        "UNWIND $rows AS row CREATE (:Enterprise {id: row[0], name: row[1]})",
        {"rows": [[k, v] for k, v in NAMES.items()]},
    )
    assert backfill(store)["Enterprise"] == len(NAMES)
    assert _props(store, "Enterprise", "E3")[SEARCH_TOKENS] == stored_tokens(NAMES["E3"])
    assert backfill(store)["Enterprise"] == 0  # nothing is missing any more
    assert backfill(store, everything=True)["Enterprise"] == len(NAMES)


def _found(store: GraphStore, text: str, *, portable: bool) -> set[str]:
    query = query_tokens(text)
    match = (GraphStore.token_match if portable else type(store).token_match)(store, "Enterprise")
    param = (GraphStore.token_param if portable else type(store).token_param)(store, query)
    return {r["id"] for r in store.query(f"{match} RETURN n.id AS id", {"tokens": param}, read_only=True)}


def test_the_token_index_and_the_portable_match_agree(store: GraphStore) -> None:
    store.merge_nodes("Enterprise", [{"id": k, "name": v} for k, v in NAMES.items()])
    expected = {
        "华信": {"E1", "E2"},
        "huaxin": {"E1", "E2", "E4"},
        "华信贸易": {"E1"},
        "huaxinmaoyi": {"E1"},
        "chongqing": {"E3"},
        "yinhang": {"E3"},
        "trad": {"E4"},
        "贸华": set(),
    }
    for text, ids in expected.items():
        assert _found(store, text, portable=False) == ids, text
        assert _found(store, text, portable=True) == ids, text
