"""Search tokens: what a name is found by, stored beside it, and what a query asks the token index for.

Chinese names have no spaces, and a full-text index cuts text only at spaces and punctuation, so a name
is stored as tokens made here (``stored_tokens``):

- every word, and each run of Latin letters and digits in it ("3m中国" gives ``3m``);
- of each run of Chinese characters, its character bigrams and its last character (广州华信 gives 广州
  州华 华信 信), so that any two or more consecutive characters of a name find it, and so does a lone
  character between Latin letters or digits in a query (the 甲 of 甲1贸易);
- the run's pinyin: syllable bigrams (``guangzhou zhouhua huaxin``), the whole run (``guangzhouhuaxin``)
  and its initials (``gzhx``), read phrase by phrase (重庆 is ``chongqing``, 银行 ``yinhang``).

A query (``query_tokens``) is the same reduction of its words (``ontology.text.query_words``): every
Chinese bigram must be present; a Latin word must start a token (it may be the first letters of a word,
of a run's pinyin or of its initials), or, if it reads as pinyin syllables ("huaxinmaoyi"), its syllable
bigrams must all be present. The result is a ``TokenQuery``: clauses that must all hold, each satisfied
by any of its alternatives, each alternative a set of terms that must all be present.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from ontology.text import query_words, words

_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002fa1f"
#: a run of Chinese characters, or of other letters and digits; anything else (symbols a full-text query
#: would read as operators) separates runs and is dropped
_RUN = re.compile(f"([{_CJK}]+)|((?:(?![{_CJK}])[^\\W_])+)")
MAX_SYLLABLE = 6  # the longest pinyin syllable (zhuang, shuang…)


def runs(word: str) -> list[tuple[str, bool]]:
    """A word cut into runs of Chinese characters (True) and runs of other letters and digits (False)."""
    return [(cjk or other, bool(cjk)) for cjk, other in _RUN.findall(word)]


# pypinyin is imported where it is first used: its phrase dictionary takes a second or more to load, and
# most processes that import the graph layer never read pinyin (``warm`` loads it ahead of requests)


def _unreadable(chars: str) -> Any:
    """One empty syllable per character pypinyin cannot read (it takes a list, though typed for a str)."""
    return ["" for _ in chars]


@lru_cache(maxsize=65_536)
def _phrase_pinyin(phrase: str) -> tuple[str, ...]:
    from pypinyin import lazy_pinyin

    return tuple(lazy_pinyin(phrase, errors=_unreadable))


@lru_cache(maxsize=65_536)
def pinyin(run: str) -> tuple[str, ...]:
    """One toneless syllable per character of a Chinese run, read phrase by phrase; ``""`` for a character
    pypinyin cannot read. Phrases are cached: names repeat their words (贸易, 科技, 有限公司)."""
    from pypinyin.seg.mmseg import seg

    return tuple(syllable for phrase in seg.cut(run) for syllable in _phrase_pinyin(phrase))


_TONELESS = str.maketrans("āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüńňǹḿ", "aaaaeeeeiiiioooouuuuvvvvvnnnm")


@lru_cache(maxsize=1)
def syllables() -> frozenset[str]:
    """Every toneless pinyin syllable pypinyin knows (about four hundred)."""
    from pypinyin.pinyin_dict import pinyin_dict

    readings = {r for joined in pinyin_dict.values() for r in joined.split(",")}
    plain = (r.translate(_TONELESS) for r in readings)
    return frozenset(p for p in plain if p.isascii() and p.isalpha())


@lru_cache(maxsize=16_384)
def split_pinyin(text: str) -> tuple[str, ...] | None:
    """``text`` read as whole pinyin syllables (the fewest), or None when it is not pinyin."""
    known = syllables()
    best: list[tuple[str, ...] | None] = [None] * (len(text) + 1)
    best[0] = ()
    for end in range(1, len(text) + 1):
        for start in range(max(0, end - MAX_SYLLABLE), end):
            head = best[start]
            if head is not None and text[start:end] in known:
                candidate = (*head, text[start:end])
                if best[end] is None or len(candidate) < len(best[end] or ()):
                    best[end] = candidate
    return best[len(text)]


def _chinese_tokens(run: str) -> set[str]:
    # bigrams, and the last character alone: a query's lone character (甲 of "甲1贸易") is found as the
    # start of a bigram or as a run's end
    found = {run[-1], *(run[i : i + 2] for i in range(len(run) - 1))}
    sounds = pinyin(run)
    if all(sounds):
        found.add("".join(sounds))
        if len(sounds) > 1:
            found.add("".join(s[0] for s in sounds))
            found.update(sounds[i] + sounds[i + 1] for i in range(len(sounds) - 1))
    return found


@lru_cache(maxsize=131_072)
def value_tokens(value: str) -> frozenset[str]:
    found: set[str] = set()
    for word in words(value):
        parts = runs(word)
        if len(parts) > 1:
            found.add("".join(part for part, _ in parts))
        for part, cjk in parts:
            found.update(_chinese_tokens(part) if cjk else {part})
    return frozenset(found)


def stored_tokens(*values: object) -> str:
    """The search tokens of a node's searchable values, space-separated and sorted (a token property for a
    full-text index; the leading and trailing space let a plain ``CONTAINS ' tok'`` find a token's start)."""
    found: set[str] = set()
    for value in values:
        if value is not None and value != "":
            found |= value_tokens(str(value))
    return f" {' '.join(sorted(found))} " if found else ""


@dataclass(frozen=True)
class Term:
    text: str
    prefix: bool = False  # the term may be the start of a stored token


#: clauses (all must hold) of alternatives (any may hold) of terms (all must be present)
Clauses = tuple[tuple[tuple[Term, ...], ...], ...]


@dataclass(frozen=True)
class TokenQuery:
    clauses: Clauses

    def fulltext(self) -> str:
        """The query in a full-text index's syntax (RediSearch): ``(a b) | (c*)`` groups, ANDed."""

        def term(t: Term) -> str:
            return t.text + ("*" if t.prefix else "")

        return " ".join(
            "(" + " | ".join("(" + " ".join(map(term, alt)) + ")" for alt in clause) + ")"
            for clause in self.clauses
        )

    def contains(self) -> list[list[list[str]]]:
        """The query as nested lists of substrings of the stored token text, for a plain Cypher match:
        ``' tok '`` for a whole token, ``' tok'`` for a token's start."""
        return [
            [[f" {t.text}" + ("" if t.prefix else " ") for t in alt] for alt in clause]
            for clause in self.clauses
        ]


#: a full-text index expands a prefix only from this many characters on
MIN_PREFIX = 2


def _latin_clause(run: str) -> tuple[tuple[Term, ...], ...]:
    alternatives: list[tuple[Term, ...]] = [(Term(run, prefix=len(run) >= MIN_PREFIX),)]
    sounds = split_pinyin(run) if run.isascii() and run.isalpha() else None
    if sounds and len(sounds) > 2:  # two syllables are one bigram: the run itself, found by its prefix
        alternatives.append(tuple(Term(sounds[i] + sounds[i + 1]) for i in range(len(sounds) - 1)))
    return tuple(alternatives)


def warm() -> None:
    """Load what tokens are made with (pinyin dictionaries, the segmenter) before the first request needs it."""
    stored_tokens("广州华信贸易")
    syllables()


def query_tokens(text: str) -> TokenQuery:
    """What a query asks of the stored tokens (empty clauses when nothing in it can be searched)."""
    clauses: list[tuple[tuple[Term, ...], ...]] = []
    for word in query_words(text):
        for part, cjk in runs(word):
            if not cjk:
                clauses.append(_latin_clause(part))
            elif len(part) == 1:
                clauses.append(((Term(part, prefix=True),),))
            else:
                clauses.append((tuple(Term(part[i : i + 2]) for i in range(len(part) - 1)),))
    return TokenQuery(tuple(dict.fromkeys(clauses)))
