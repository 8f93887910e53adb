"""Search: keys by prefix, names by their parts (Chinese, pinyin), ranked by match quality, visibility kept."""

from __future__ import annotations

import pytest

from algorithms.search import (
    EXACT_KEY,
    FEW,
    KEY_PREFIX,
    NAME_BEGINS,
    NAME_CONTAINS,
    NAME_PARTS,
    POOL,
    SearchTextTooShort,
    plan,
    search_nodes,
    search_page,
)
from algorithms.visibility import Viewer
from graph.store import GraphStore
from ontology.types import USCCType


def code(region: str, n: int) -> str:
    first = f"9{region}MA{n:07d}"[:17]
    return first + USCCType.check_digit(first)


GZ1, GZ2, GZ3, SH1, SH2 = (
    code("1440101", 1),
    code("1440101", 2),
    code("1440101", 3),
    code("1310000", 4),
    code("1310000", 5),
)
USCC = GZ1


@pytest.fixture
def world(store: GraphStore) -> GraphStore:
    store.merge_nodes(
        "Enterprise",
        [
            {"id": GZ1, "uscc": GZ1, "name": "华信"},
            {"id": GZ2, "uscc": GZ2, "name": "华信贸易有限公司"},
            {"id": GZ3, "uscc": GZ3, "name": "广州市华信贸易有限公司"},
            {"id": SH1, "uscc": SH1, "name": "上海华新贸易有限公司"},
            {"id": SH2, "uscc": SH2, "name": "Huaxin Trading Co., Ltd"},
        ],
    )
    store.merge_nodes("Person", [{"id": "p1", "id_hash": "p1", "name": "王华信"}])
    store.merge_nodes(
        "Vehicle",
        [{"id": p, "plate": p} for p in ("粤A12345", "粤A12399", "粤B55555")],
    )
    store.merge_nodes(
        "Declaration",
        [{"id": f"5100202400000000{i:02d}", "entry_no": f"5100202400000000{i:02d}"} for i in range(12)],
    )
    store.merge_nodes(
        "Case",
        [
            {"id": "C1", "title": "华信走私案", "unit": "SZ", "restricted": True},
            {"id": "C2", "title": "华信偷逃税案", "unit": "SZ", "restricted": False},
        ],
    )
    return store


def _found(store: GraphStore, text: str, unit: str = "GZ", limit: int = 20) -> list[tuple[str, str]]:
    labels = store.ontology.searchable_labels()
    return [(n["labels"][0], n["id"]) for n in search_nodes(store, text, labels, unit, limit)]


def test_hits_are_ranked_key_then_prefix_then_name_quality(world: GraphStore) -> None:
    assert _found(world, USCC)[0] == ("Enterprise", USCC)  # the key itself first
    assert _found(world, "91440101ma")[:3] == [  # a key's beginning, in any case
        ("Enterprise", GZ1),
        ("Enterprise", GZ2),
        ("Enterprise", GZ3),
    ]
    assert _found(world, "华信")[:5] == [
        ("Enterprise", GZ1),  # the name itself
        ("Case", "C2"),  # names beginning with it, shorter first (another unit's restricted case is hidden)
        ("Enterprise", GZ2),
        ("Person", "p1"),  # then names that hold it inside, shorter first
        ("Enterprise", GZ3),
    ]
    assert ("Enterprise", SH1) not in _found(world, "华信")  # 华新 is not 华信


def test_names_are_found_by_pinyin_and_by_their_middle(world: GraphStore) -> None:
    by_pinyin = _found(world, "huaxin")
    assert {("Enterprise", SH1), ("Enterprise", SH2)} <= set(by_pinyin)
    assert _found(world, "huaxinmaoyi")[:2] == [
        ("Enterprise", GZ2),
        ("Enterprise", SH1),  # 华新贸易 reads the same
    ]
    assert _found(world, "市华信")[0] == ("Enterprise", GZ3)


def test_plates_and_entry_numbers_are_found_by_their_beginning(world: GraphStore) -> None:
    assert _found(world, "粤a 123") == [
        ("Vehicle", "粤A12345"),
        ("Vehicle", "粤A12399"),
    ]  # as typed, any case
    entries = _found(world, "5100202400000000", limit=5)
    assert entries == [("Declaration", f"5100202400000000{i:02d}") for i in range(5)]


def test_what_the_unit_may_not_see_is_never_found(world: GraphStore) -> None:
    assert ("Case", "C1") not in _found(world, "华信走私")
    assert ("Case", "C1") in _found(world, "华信走私", unit="SZ")
    assert _found(world, "C1") == []  # not by its key either


def test_pages_never_overlap_and_end(world: GraphStore) -> None:
    labels = world.ontology.searchable_labels()
    seen: list[str] = []
    offset = 0
    while True:
        page = search_page(world, "5100202400", ["Declaration"], "GZ", offset=offset, first=5)
        seen += [n["id"] for n in page.nodes]
        offset += 5
        if not page.has_more:
            break
    assert seen == sorted(seen) and len(set(seen)) == 12
    assert search_page(world, "华信", labels, "GZ", offset=100, first=5).nodes == []


def test_every_part_of_the_query_reads_a_bounded_number_of_nodes(world: GraphStore) -> None:
    query = plan(world, "华信", world.ontology.searchable_labels(), Viewer(world.ontology, "GZ"))
    assert all(branch.endswith("LIMIT $pool") for branch in query.branches)
    assert query.params["pool"] == POOL
    parts = query.whole.split(" UNION ALL ")
    assert len(parts) == len(query.branches) and all(part.endswith("LIMIT $few") for part in parts)
    assert query.params["few"] == FEW < POOL
    assert EXACT_KEY < KEY_PREFIX < NAME_BEGINS < NAME_CONTAINS < NAME_PARTS
    with pytest.raises(SearchTextTooShort):
        plan(world, " Co., Ltd. ", ["Enterprise"], Viewer(world.ontology, "GZ"))


def test_a_key_is_looked_for_only_where_a_stored_key_could_begin_with_it(world: GraphStore) -> None:
    labels = world.ontology.searchable_labels()
    by_name = plan(world, "华信贸易", labels, Viewer(world.ontology, "GZ"))
    assert "Vehicle" not in by_name.params["keys"] and "Enterprise" not in by_name.params["keys"]
    assert "Case" in by_name.params["keys"]  # a key of no fixed shape may begin with anything
    by_plate = plan(world, "粤a 123", labels, Viewer(world.ontology, "GZ"))
    assert by_plate.params["keys"]["Vehicle"] == ["粤A123"] and "Phone" not in by_plate.params["keys"]
    assert len(by_name.branches) < len(by_plate.branches)


def test_an_exact_key_is_never_cut_off_behind_the_keys_it_begins(store: GraphStore) -> None:
    many = [{"id": f"C7{i:03d}", "title": f"案{i}"} for i in range(POOL + 50)]
    store.merge_nodes("Case", [*many, {"id": "C7", "title": "最短的案"}])
    found = _found(store, "C7", limit=3)
    assert found[0] == ("Case", "C7")  # the key itself, though 150 keys begin with it
    assert all(label == "Case" and key.startswith("C7") and len(key) == 5 for label, key in found[1:])


@pytest.mark.parametrize("text", ["华信", "huaxin", "5100202400", "粤A123"])
def test_pages_read_whole_at_once_or_light_then_whole_are_the_same(
    world: GraphStore, text: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    labels = world.ontology.searchable_labels()

    def pages() -> list[tuple[list[tuple[str, str, dict[str, object]]], bool]]:
        found = []
        for offset in range(0, 16, 3):
            page = search_page(world, text, labels, "GZ", offset=offset, first=3)
            found.append(([(n["labels"][0], n["id"], n["properties"]) for n in page.nodes], page.has_more))
        return found

    at_once = pages()  # every text here finds fewer than FEW nodes a part, but the twelve entry numbers
    monkeypatch.setattr("algorithms.search.FEW", 1)  # any part that finds a node reads light first
    assert pages() == at_once
    assert at_once[0][0], f"{text!r} finds something"
