"""What the graph keeps for search, derived from the ontology: search text and tokens written with every
node (``GraphStore.write_nodes`` calls ``add_search_columns``; the loader's planner calls it first, so
that a big file's tokens are made in its worker process), and a backfill for graphs written before.

- ``search_text`` (``ontology.text.search_text``): every searchable value, normalised, joined by ``|``;
  a range index over it finds names by their beginning.
- ``search_tokens`` (``ontology.tokens.stored_tokens``): the words, character bigrams and pinyin of a
  label's *names*, its searchable properties other than its key (an enterprise's names, not its USCC);
  a full-text index over it finds names by any of their parts. Keys (USCC, entry number, plate, phone
  number) are found by the index on ``id``, exactly or by prefix.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from graph.records import NodeTable
from graph.types import Plain
from ontology import NodeType, Ontology
from ontology.text import search_text
from ontology.tokens import stored_tokens

if TYPE_CHECKING:  # the store imports this module to write tokens; this module only reads through a store
    from graph.store import GraphStore

SEARCH_TEXT = "search_text"
SEARCH_TOKENS = "search_tokens"
BACKFILL_BATCH = 2000


def name_properties(node: NodeType) -> list[str]:
    """The searchable properties of a label that are names rather than its key: what tokens are made of."""
    return [p for p in node.search_properties if p not in node.id_from]


def key_property(node: NodeType) -> str:
    """The property holding a label's key as its source gives it (``id`` may be derived from it, a hash)."""
    return node.id_from[0] if len(node.id_from) == 1 else "id"


def key_searchable(node: NodeType) -> bool:
    """Whether a search looks a label up by its key: a keyed label, or one whose key is searchable (a
    phone by its number)."""
    return node.keyed or any(p in node.id_from for p in node.search_properties)


def key_labels(ontology: Ontology) -> list[str]:
    """Searchable labels looked up by their key, sorted."""
    return [label for label in ontology.searchable_labels() if key_searchable(ontology.node(label))]


def token_labels(ontology: Ontology) -> list[str]:
    """Searchable labels whose nodes carry search tokens (they have names), sorted."""
    return [label for label in ontology.searchable_labels() if name_properties(ontology.node(label))]


def add_search_columns(ontology: Ontology, table: NodeTable) -> NodeTable:
    """A table of clean nodes with ``search_text`` (where a row has none) and ``search_tokens`` added from
    each row's searchable values. A row without any of them gets ``None``, so a partial write leaves the
    stored text and tokens as they are. An encoded table (``graph.records.Encoded``) is returned as it
    is: only a planner's tables are encoded, after it has added them."""
    if table.encoded is not None:
        return table
    node = ontology.node(table.label)
    at = {name: i + 1 for i, name in enumerate(table.names)}  # a row is [id, *values]
    searchable = [at[p] for p in node.search_properties if p in at]
    if not searchable:
        return table
    named = [at[p] for p in name_properties(node) if p in at] if SEARCH_TOKENS not in at else []
    text_at = at.get(SEARCH_TEXT)
    if text_at is not None and not named:  # already added (the loader's planner adds them as it plans)
        return table
    names = [
        *table.names,
        *([] if text_at is not None else [SEARCH_TEXT]),
        *([SEARCH_TOKENS] if named else []),
    ]
    rows = []
    for row in table.rows:
        extra: list[Any] = []
        values = [row[i] for i in searchable]
        present = any(v is not None for v in values)
        if text_at is None:
            extra.append(search_text(*values) if present else None)
        elif present and row[text_at] is None:
            row = [*row[:text_at], search_text(*values), *row[text_at + 1 :]]
        if named:
            of_row = [row[i] for i in named]
            extra.append(stored_tokens(*of_row) if any(v is not None for v in of_row) else None)
        rows.append([*row, *extra])
    return NodeTable(table.label, names, rows)


def backfill(
    store: GraphStore, *, everything: bool = False, progress: Callable[[str, int], None] | None = None
) -> dict[str, int]:
    """Write ``search_text`` and ``search_tokens`` on the nodes that lack them (``everything``: on every
    node, after a change to how tokens are made); the count written per label."""
    written: dict[str, int] = {}
    for label in token_labels(store.ontology):
        node = store.ontology.node(label)
        props = [store.prop(label, p) for p in node.search_properties]
        returned = ", ".join(f"n.{p} AS {p}" for p in props)
        count, after = 0, ""
        while True:
            rows = store.query(
                f"MATCH (n:{store.label(label)}) WHERE ($everything OR n.{SEARCH_TOKENS} IS NULL) "
                f"AND n.id > $after RETURN n.id AS id, {returned} ORDER BY n.id LIMIT $batch",
                {"after": after, "batch": BACKFILL_BATCH, "everything": everything},
                read_only=True,
            )
            if not rows:
                break
            updates = [
                [
                    r["id"],
                    search_text(*(r[p] for p in props)),
                    stored_tokens(*(r[p] for p in name_properties(node))),
                ]
                for r in rows
            ]
            store.query(
                f"UNWIND $rows AS row MATCH (n:{store.label(label)} {{id: row[0]}}) "
                f"SET n.{SEARCH_TEXT} = row[1], n.{SEARCH_TOKENS} = row[2]",
                {"rows": Plain(updates)},
            )
            count += len(rows)
            after = rows[-1]["id"]
            if progress is not None:
                progress(label, count)
        written[label] = count
    return written
