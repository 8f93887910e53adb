"""Search by name, key or number over the ontology's searchable labels, in one query read from indexes.

Which labels take part and how comes from the ontology (``searchable_labels``, ``search_properties``,
see ``graph.search_index``): a label looked up by its key (an entry number, a plate, a USCC, a phone number)
is read from its ``id`` index, exactly and by prefix; a label with names from the range index on
``search_text`` (names that begin with the text) and from the store's token index (names holding every
part of it, in Chinese characters or pinyin, in any order). Every part of the query reads at most
``limit`` nodes, so a text that matches half the graph costs no more than one that matches little.

Hits are ranked by how well they match, then by shortness, label and id:

0. the key itself; 1. a key beginning with the text; 2. a name equal to it; 3. a name beginning with it;
4. a name containing it; 5. a name holding its parts (pinyin, words in another order).

Visibility is the reader's (``algorithms.visibility.Viewer``): what the unit may not see is never read.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from algorithms.visibility import Viewer
from graph.search_index import SEARCH_TEXT, key_property, key_searchable, name_properties
from graph.store import GraphStore
from ontology import NodeType
from ontology.text import search_key
from ontology.tokens import query_tokens

MIN_KEY = 2  # characters a query keeps after normalisation
POOL = 100  # candidates read per part of the query: the most a search can page through per label and part
FEW = 10  # nodes a part of the query reads whole at first: when no part finds more, that read is the answer
EXACT_KEY, KEY_PREFIX, EXACT_NAME, NAME_BEGINS, NAME_CONTAINS, NAME_PARTS = range(6)


class SearchTextTooShort(ValueError):
    """The text has fewer than ``MIN_KEY`` characters once spacing, case and legal forms are removed."""


def after(prefix: str) -> str:
    """The least string greater than every string beginning with ``prefix`` (a range's open end)."""
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


def key_forms(node_type: NodeType, text: str) -> list[str]:
    """The forms a typed key is looked for in: as typed without spaces, and (when different) cleaned by the
    key's value type if it accepts the text (a plate, an IMO number, a phone number), else in capitals."""
    compact = "".join(unicodedata.normalize("NFKC", text).split())
    cleaned = None
    if key_property(node_type) != "id":
        try:
            cleaned = node_type.prop(key_property(node_type)).clean(text)
        except ValueError:
            cleaned = None
    return list(dict.fromkeys([compact, str(cleaned) if cleaned else compact.upper()]))


def key_ranges(forms: list[str]) -> list[list[str]]:
    """The ranges of keys a key branch reads, in order: each form exactly (up to the keys that continue
    it with a control character or nothing, which a space bounds), then each form's prefix range. A branch
    reads its ranges in turn, so its ``LIMIT`` never cuts an exact key off behind a thousand longer ones."""
    return [[form, form + " "] for form in forms] + [[form, after(form)] for form in forms]


Branch = tuple[int, str, str]  # the label's slot, what the branch matches, the rank it gives


@lru_cache(maxsize=512)
def _branches(
    store: GraphStore, labels: tuple[str, ...], unit: str, keyed: frozenset[str], with_tokens: bool
) -> tuple[Branch, ...]:
    """The branches of a query over ``labels`` as ``unit`` sees them: a key branch for each label in
    ``keyed`` (some form of the text could begin its keys), a name branch for each label with names and,
    when the text has tokens, a token branch. They depend on the query's shape, not on its text (that is
    bound as parameters), so a shape is built once."""
    viewer = Viewer(store.ontology, unit)
    found: list[Branch] = []
    # only ontology labels (store.label) and properties (store.prop) reach the Cypher below
    for slot, label in enumerate(labels):
        spec = store.ontology.node(label)
        var = store.label(label)
        if label in keyed:
            key_prop = store.prop(label, key_property(spec))
            found.append(
                (
                    slot,
                    f"UNWIND $ranges.{var} AS range MATCH (n:{var}) "
                    f"WHERE n.{key_prop} >= range[0] AND n.{key_prop} < range[1] "
                    f"AND {viewer.where_label(label, 'n')}",
                    f"CASE WHEN n.{key_prop} IN $keys.{var} THEN {EXACT_KEY} ELSE {KEY_PREFIX} END",
                )
            )
        if name_properties(spec):
            found.append(
                (
                    slot,
                    f"MATCH (n:{var}) WHERE n.{SEARCH_TEXT} >= $key "
                    f"AND n.{SEARCH_TEXT} < $key_end AND {viewer.where_label(label, 'n')}",
                    str(NAME_BEGINS),
                )
            )
            if with_tokens:
                found.append(
                    (
                        slot,
                        f"{store.token_match(label)} WITH n WHERE {viewer.where_label(label, 'n')}",
                        str(NAME_PARTS),
                    )
                )
    return tuple(found)


@dataclass
class Plan:
    """The branches of the candidate query and their parameters. The query is written two ways: light
    (label, key and names of up to ``POOL`` nodes a branch) and whole (the nodes themselves, up to
    ``FEW`` a branch, and which branch found each)."""

    branches: list[str]
    params: dict[str, Any]
    whole: str = ""

    @classmethod
    def of(cls, shape: tuple[Branch, ...], params: dict[str, Any]) -> Plan:
        light, whole = [], []
        for at, (slot, match, rank) in enumerate(shape):
            found = f"RETURN $label_{int(slot)} AS label, n.id AS id, n.{SEARCH_TEXT} AS text, {rank} AS rank"
            light.append(f"{match} {found} LIMIT $pool")
            whole.append(f"{match} {found}, n, {int(at)} AS branch LIMIT $few")
        return cls(light, params, " UNION ALL ".join(whole))

    @property
    def cypher(self) -> str:
        return " UNION ALL ".join(self.branches)


def plan(store: GraphStore, text: str, labels: list[str], viewer: Viewer) -> Plan:
    key = search_key(text)
    if len(key) < MIN_KEY:
        raise SearchTextTooShort("search text needs at least two characters after normalisation")
    tokens = query_tokens(text)
    params = {
        "pool": POOL,
        "few": FEW,
        "key": key,
        "key_end": after(key),
        "keys": {},
        "ranges": {},
        **viewer.params,
    }
    if tokens.clauses:
        params["tokens"] = store.token_param(tokens)
    wanted = tuple(dict.fromkeys(map(store.label, labels)))
    keyed = set()
    for slot, label in enumerate(wanted):
        params[f"label_{slot}"] = label
        spec = store.ontology.node(label)
        if key_searchable(spec):
            # only forms some stored key could begin with: a name in Chinese is not looked for among plates
            forms = [f for f in key_forms(spec, text) if spec.prop(key_property(spec)).could_begin(f)]
            if forms:
                # the forms of the key each label's branch compares with, by label: ontology names only
                params["keys"][label] = forms
                params["ranges"][label] = key_ranges(forms)
                keyed.add(label)
    shape = _branches(store, wanted, viewer.unit, frozenset(keyed), bool(tokens.clauses))
    return Plan.of(shape, params)


@dataclass(frozen=True, order=True)
class Hit:
    """A candidate, ordered best first: rank, then shortness, label and key."""

    rank: int
    length: int
    label: str
    id: str


def hit(row: dict[str, Any], key: str) -> Hit:
    """A candidate row ranked: a key hit keeps its rank (shorter keys first); a name hit is ranked by how
    its names hold the key (shorter names first)."""
    rank, names = int(row["rank"]), str(row["text"] or "").split("|")
    if rank >= EXACT_NAME:
        if any(search_key(name) == key for name in names):
            rank = EXACT_NAME
        elif any(name.startswith(key) for name in names):
            rank = NAME_BEGINS
        elif any(key in name for name in names):
            rank = NAME_CONTAINS
        else:
            rank = NAME_PARTS
    length = len(str(row["id"])) if rank < EXACT_NAME else len(str(row["text"] or row["id"]))
    return Hit(rank, length, row["label"], str(row["id"]))


@dataclass
class Page:
    nodes: list[dict[str, Any]]
    has_more: bool


def _fetch(store: GraphStore, hits: list[Hit], viewer: Viewer) -> list[dict[str, Any]]:
    """The nodes of ``hits``, in their order, in one query."""
    by_label: dict[str, list[str]] = {}
    for h in hits:
        by_label.setdefault(h.label, []).append(h.id)
    labels = sorted(by_label)
    rows = store.query(
        " UNION ALL ".join(
            f"UNWIND $ids_{i} AS key MATCH (n:{store.label(label)} {{id: key}}) "
            f"WHERE {viewer.where_label(label, 'n')} RETURN n"
            for i, label in enumerate(labels)
        ),
        {**{f"ids_{i}": by_label[label] for i, label in enumerate(labels)}, **viewer.params},
        read_only=True,
    )
    found = {(r["n"]["labels"][0], str(r["n"]["id"])): r["n"] for r in rows}
    return [found[(h.label, h.id)] for h in hits if (h.label, h.id) in found]


def _ranked(rows: list[dict[str, Any]], key: str) -> list[Hit]:
    """Candidate rows ranked best first, a node found by several parts at its best."""
    best: dict[tuple[str, str], Hit] = {}
    for row in rows:
        candidate = hit(row, key)
        held = best.get((candidate.label, candidate.id))
        if held is None or candidate < held:
            best[(candidate.label, candidate.id)] = candidate
    return sorted(best.values())


def search_page(
    store: GraphStore, text: str, labels: list[str], unit: str, *, offset: int = 0, first: int = 20
) -> Page:
    """The ``first`` nodes from ``offset`` on of what ``text`` finds in ``labels`` and ``unit`` may see,
    best first. ``SearchTextTooShort`` when the text normalises to fewer than two characters.

    Most texts find a few nodes: the query first reads up to ``FEW`` nodes a part whole, and when no part
    found that many, those are all there are and the page is cut from them (one round trip). Otherwise
    candidates are read light (label, key, names) up to ``POOL`` a part, ranked, and only the page's nodes
    are read whole. Either way the candidates do not depend on the page, so pages never overlap."""
    viewer = Viewer(store.ontology, unit)
    query = plan(store, text, labels, viewer)
    if not query.branches:
        return Page([], False)
    key = query.params["key"]
    rows = store.query(query.whole, query.params, read_only=True)
    found = Counter(row["branch"] for row in rows)
    if all(count < FEW for count in found.values()):
        ranked = _ranked(rows, key)
        window = ranked[offset : offset + first]
        whole = {(row["label"], str(row["id"])): row["n"] for row in rows}
        nodes = [whole[(h.label, h.id)] for h in window]
    else:
        ranked = _ranked(store.query(query.cypher, query.params, read_only=True), key)
        window = ranked[offset : offset + first]
        nodes = _fetch(store, window, viewer) if window else []
    return Page(viewer.redact(store, nodes) if nodes else [], has_more=len(ranked) > offset + first)


def search_nodes(
    store: GraphStore, text: str, labels: list[str], unit: str, limit: int
) -> list[dict[str, Any]]:
    """The best ``limit`` nodes ``text`` finds (``search_page`` from the start)."""
    return search_page(store, text, labels, unit, first=limit).nodes
