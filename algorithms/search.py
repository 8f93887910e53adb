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
from dataclasses import dataclass
from typing import Any

from algorithms.visibility import Viewer
from graph.search_index import SEARCH_TEXT, key_property, key_searchable, name_properties
from graph.store import GraphStore
from ontology import NodeType
from ontology.text import search_key
from ontology.tokens import query_tokens

MIN_KEY = 2  # characters a query keeps after normalisation
POOL = 100  # candidates read per part of the query: the most a search can page through per label and part
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


@dataclass
class Plan:
    """The branches of the one candidate query and their parameters."""

    branches: list[str]
    params: dict[str, Any]

    def add(self, slot: int, cypher: str, rank: int | str) -> None:
        """Add a branch of the label in ``slot``: its name comes back as the parameter ``label_<slot>``;
        ``rank`` is a rank, or the expression that ranks each of the branch's nodes."""
        self.branches.append(
            f"{cypher} RETURN $label_{int(slot)} AS label, n.id AS id, n.{SEARCH_TEXT} AS text, "
            f"{rank if isinstance(rank, str) else int(rank)} AS rank LIMIT $pool"
        )

    @property
    def cypher(self) -> str:
        return " UNION ALL ".join(self.branches)


def plan(store: GraphStore, text: str, labels: list[str], viewer: Viewer) -> Plan:
    key = search_key(text)
    if len(key) < MIN_KEY:
        raise SearchTextTooShort("search text needs at least two characters after normalisation")
    tokens = query_tokens(text)
    params = {"pool": POOL, "key": key, "key_end": after(key), "keys": {}, "ranges": {}, **viewer.params}
    found = Plan([], params)
    if tokens.clauses:
        found.params["tokens"] = store.token_param(tokens)
    # only ontology labels (store.label) and properties (store.prop) reach the Cypher below
    for slot, label in enumerate(dict.fromkeys(map(store.label, labels))):
        found.params[f"label_{slot}"] = label
        spec = store.ontology.node(label)
        if key_searchable(spec):
            key_prop = store.prop(label, key_property(spec))
            # only forms some stored key could begin with: a name in Chinese is not looked for among plates
            forms = [f for f in key_forms(spec, text) if spec.prop(key_property(spec)).could_begin(f)]
            if forms:
                # the forms of the key each label's branch compares with, by label: ontology names only
                found.params["keys"][label] = forms
                found.params["ranges"][label] = key_ranges(forms)
                found.add(
                    slot,
                    f"UNWIND $ranges.{store.label(label)} AS range MATCH (n:{store.label(label)}) "
                    f"WHERE n.{key_prop} >= range[0] AND n.{key_prop} < range[1] "
                    f"AND {viewer.where_label(label, 'n')}",
                    f"CASE WHEN n.{key_prop} IN $keys.{store.label(label)} THEN {EXACT_KEY} ELSE {KEY_PREFIX} END",
                )
        if name_properties(spec):
            found.add(
                slot,
                f"MATCH (n:{store.label(label)}) WHERE n.{SEARCH_TEXT} >= $key "
                f"AND n.{SEARCH_TEXT} < $key_end AND {viewer.where_label(label, 'n')}",
                NAME_BEGINS,
            )
            if tokens.clauses:
                found.add(
                    slot,
                    f"{store.token_match(label)} WITH n WHERE {viewer.where_label(label, 'n')}",
                    NAME_PARTS,
                )
    return found


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


def search_page(
    store: GraphStore, text: str, labels: list[str], unit: str, *, offset: int = 0, first: int = 20
) -> Page:
    """The ``first`` nodes from ``offset`` on of what ``text`` finds in ``labels`` and ``unit`` may see,
    best first. ``SearchTextTooShort`` when the text normalises to fewer than two characters.

    Candidates are read light (label, key, names) up to ``POOL`` per part of the query, ranked, and only
    the page's nodes are read whole; the pool does not depend on the page, so pages never overlap."""
    viewer = Viewer(store.ontology, unit)
    query = plan(store, text, labels, viewer)
    if not query.branches:
        return Page([], False)
    key = query.params["key"]
    best: dict[tuple[str, str], Hit] = {}
    for row in store.query(query.cypher, query.params, read_only=True):
        candidate = hit(row, key)
        held = best.get((candidate.label, candidate.id))
        if held is None or candidate < held:
            best[(candidate.label, candidate.id)] = candidate
    ranked = sorted(best.values())
    window = ranked[offset : offset + first]
    nodes = viewer.redact(store, _fetch(store, window, viewer)) if window else []
    return Page(nodes, has_more=len(ranked) > offset + first)


def search_nodes(
    store: GraphStore, text: str, labels: list[str], unit: str, limit: int
) -> list[dict[str, Any]]:
    """The best ``limit`` nodes ``text`` finds (``search_page`` from the start)."""
    return search_page(store, text, labels, unit, first=limit).nodes
