"""Search tokens: Chinese bigrams and pinyin stored for a name, and the token query a search text becomes."""

from __future__ import annotations

import pytest

from ontology.text import query_words, search_key
from ontology.tokens import query_tokens, runs, split_pinyin, stored_tokens


def tokens(*values: str) -> set[str]:
    return set(stored_tokens(*values).split())


def matches(text: str, *values: str) -> bool:
    """Whether a search for ``text`` finds a node with these names (the token query's own semantics)."""
    stored = stored_tokens(*values)
    return all(
        any(all(term in stored for term in alternative) for alternative in clause)
        for clause in query_tokens(text).contains()
    )


def test_a_chinese_name_is_stored_as_bigrams_its_last_character_and_pinyin() -> None:
    found = tokens("广州华信")
    assert {"广州", "州华", "华信", "信"} <= found
    assert {"guangzhou", "zhouhua", "huaxin", "guangzhouhuaxin", "gzhx"} <= found
    assert "广" not in found and "guang" not in found  # no lone syllables or characters but the last


@pytest.mark.parametrize(("name", "reading"), [("重庆长沙", "chongqing"), ("工商银行", "yinhang")])
def test_pinyin_is_read_phrase_by_phrase(name: str, reading: str) -> None:
    assert reading in tokens(name)  # 重 is chong in 重庆, 行 is hang in 银行


def test_mixed_words_keep_their_runs_and_the_whole_word() -> None:
    assert {"3m", "3m中国", "中国", "zhongguo"} <= tokens("3M中国")
    assert runs("粤a12345+x_y") == [("粤", True), ("a12345", False), ("x", False), ("y", False)]


def test_stored_tokens_are_space_delimited_for_a_plain_contains() -> None:
    stored = stored_tokens("Huaxin Trading")
    assert stored.startswith(" ") and stored.endswith(" ") and " trading " in stored
    assert stored_tokens(None, "") == ""


@pytest.mark.parametrize(
    ("text", "name", "found"),
    [
        ("贸易", "广州市华信贸易有限公司", True),  # a word inside a name without spaces
        ("华信贸易有限公司", "广州市华信贸易有限公司", True),  # legal form dropped from the query
        ("华信 贸易", "广州市华信贸易有限公司", True),
        ("huaxin", "广州市华信贸易有限公司", True),  # pinyin of a word
        ("huaxinmaoyi", "广州市华信贸易有限公司", True),  # pinyin of several words, unspaced
        ("gzshx", "广州市华信贸易有限公司", True),  # initials, as typed so far
        ("chongqing", "重庆长沙银行商行", True),
        ("贸华", "广州市华信贸易有限公司", False),  # characters that are not next to each other
        ("深圳", "广州市华信贸易有限公司", False),
        ("甲1贸易", "广州甲1贸易有限公司", True),  # a lone character between digits
        ("trad", "Huaxin Trading Co., Ltd", True),  # a word's beginning
        ("trading huaxin", "Huaxin Trading Co., Ltd", True),  # words in another order
        ("tradex", "Huaxin Trading Co., Ltd", False),
    ],
)
def test_a_query_finds_the_names_that_hold_it(text: str, name: str, found: bool) -> None:
    assert matches(text, name) is found


def test_pinyin_is_split_into_the_fewest_syllables_or_refused() -> None:
    assert split_pinyin("huaxinmaoyi") == ("hua", "xin", "mao", "yi")
    assert split_pinyin("xian") == ("xian",)
    assert split_pinyin("trading") is None


def test_the_full_text_form_is_grouped_and_only_made_of_index_terms() -> None:
    query = query_tokens("华信 huaxinmaoyi")
    assert query.fulltext() == "((华信)) ((huaxinmaoyi*) | (huaxin xinmao maoyi))"
    assert query_tokens("(@|*) -- ~").clauses == ()  # operators of the index's syntax never reach it


@pytest.mark.parametrize(
    "text",
    ["广州甲1贸易有限责任公司", "甲1贸易（广州）有限公司", "ＡＣＭＥ ｇｍｂｈ", "Huaxin Trading Co., Ltd"],
)
def test_query_words_are_the_search_key_with_spaces(text: str) -> None:
    assert "".join(query_words(text)) == search_key(text)
