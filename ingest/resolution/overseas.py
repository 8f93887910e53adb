"""Overseas parties in the graph: PartyMention nodes resolved into OverseasParty subjects linked by SAME_AS.

A subject's id stays the same across runs: a cluster that holds mentions already linked to a party keeps
that party's id (the one holding most of its mentions); a new cluster gets an id from its smallest mention
id. New mentions therefore resolve incrementally against existing subjects.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

from graph.store import GraphStore
from ingest.keys import stable_id
from ingest.resolution import normalize
from ingest.resolution.resolve import Resolution, resolve
from ingest.resolution.review import (
    decisions,
    enqueue,
    flag_contradictions,
    get_action,
    open_review,
    record_action,
    revert_action,
)
from tianji.core.settings import Settings


def mentions(store: GraphStore) -> list[dict[str, Any]]:
    rows = store.query(
        "MATCH (m:PartyMention) OPTIONAL MATCH (m)<-[:OVERSEAS_PARTY]-(:Declaration)-[:CONSIGNEE]->(e:Enterprise) "
        "OPTIONAL MATCH (m)-[:SAME_AS]->(p:OverseasParty) RETURN m.id AS id, m.name AS name, m.country AS country, "
        "m.address AS address, collect(DISTINCT e.id) AS consignees, p.id AS party",
        read_only=True,
        timeout_ms=120_000,
    )
    return rows


def resolve_overseas(
    store: GraphStore,
    settings: Settings,
    *,
    incremental: bool = False,
    semantic: bool = False,
    progress: bool = False,
) -> tuple[Resolution, dict[str, Any]]:
    """Resolve the mentions into subjects. ``incremental`` resolves only mentions not yet linked, against
    the existing subjects they resemble (their mentions stay where they are)."""
    rows = mentions(store)
    engine = open_review(settings)
    must, cannot = decisions(engine, "overseas")
    only: set[str] | None = None
    if incremental:
        rows, must, only = _incremental_rows(rows, must)
        if not only:
            return Resolution(clusters={}), {
                "mentions": 0,
                "subjects": 0,
                "review_queued": 0,
                "refused_merges": 0,
                "contradictions": [],
                "unresolved": 0,
                "new_mentions": 0,
            }
    result = resolve(
        rows,
        normalise=normalize.overseas,
        same=["country"],
        address_field="address",
        context_field="consignees",
        must_link=must,
        cannot_link=cannot,
        semantic=semantic,
        checkpoint=settings.path("resolution", "overseas", "x").parent,
        progress=progress,
    )
    queued = enqueue(engine, "overseas", result.pairs)
    contradicted = flag_contradictions(engine, "overseas", result.contradictions)
    existing = {r["id"]: r["party"] for r in rows if r["party"]}
    by_id = {r["id"]: r for r in rows}
    subjects: dict[str, str] = {}
    for cluster, members in result.members().items():
        held = Counter(existing[m] for m in members if m in existing)
        subjects[cluster] = held.most_common(1)[0][0] if held else stable_id("OP-", min(members))
    score: dict[str, float] = {}
    method: dict[str, str] = {}
    for pair in result.pairs:
        if pair.decision == "accept":
            for m in (pair.a, pair.b):
                if pair.score > score.get(m, 0.0):
                    score[m], method[m] = pair.score, pair.method
    parties, links = [], []
    for cluster, members in result.members().items():
        if only is not None and not any(m in only for m in members):
            continue  # an existing subject nothing new joined: left as it is
        names = Counter(by_id[m]["name"] for m in members)
        canonical = max(names, key=lambda n: (names[n], -len(n)))
        if only is None or subjects[cluster] not in existing.values():
            parties.append(
                {
                    "id": subjects[cluster],
                    "name": canonical,
                    "country": by_id[members[0]]["country"],
                    "address": by_id[members[0]].get("address"),
                    "source": "resolution",
                }
            )
        links += [
            {
                "start": m,
                "end": subjects[cluster],
                "score": score.get(m, 1.0),
                "method": method.get(m, "review" if len(members) > 1 else "singleton"),
                "decided_by": "resolver",
            }
            for m in members
            if only is None or m in only
        ]
    store.merge_nodes("OverseasParty", parties)
    stale = [m for m in result.clusters if m in existing and existing[m] != subjects[result.clusters[m]]]
    if stale and only is None:  # a mention moved to another subject (a merge or split): re-point it
        store.query(
            "UNWIND $ids AS mid MATCH (m:PartyMention {id: mid})-[r:SAME_AS]->() DELETE r", {"ids": stale}
        )
    store.merge_relationships("SAME_AS", "PartyMention", "OverseasParty", links)
    return result, {
        "mentions": len(rows),
        "new_mentions": len(only) if only is not None else len(rows),
        "subjects": len({p["id"] for p in parties}),
        "review_queued": queued,
        "refused_merges": result.refused_merges,
        "contradictions": [
            {k: c[k] for k in ("a", "b", "record", "score", "decision")} for c in contradicted
        ],
        "unresolved": len(result.unresolved),
    }


def _incremental_rows(
    rows: list[dict[str, Any]], must: list[tuple[str, str]], k: int = 8
) -> tuple[list[dict[str, Any]], list[tuple[str, str]], set[str]]:
    """The new mentions, the existing subjects whose mentions resemble them (whole), and must-links that
    hold those subjects together as they are."""
    new = [r for r in rows if not r["party"]]
    if not new:
        return [], must, set()
    old = [r for r in rows if r["party"]]
    names_new = [normalize.overseas(r["name"] or "") or "_" for r in new]
    names_old = [normalize.overseas(r["name"] or "") or "_" for r in old]
    vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4), dtype=np.float32)
    matrix = vectorizer.fit_transform(names_old + names_new)
    old_m, new_m = matrix[: len(old)], matrix[len(old) :]
    touched: set[str] = set()
    if len(old):
        for start in range(0, new_m.shape[0], 1000):
            sims = (new_m[start : start + 1000] @ old_m.T).toarray()
            for row in sims:
                for j in np.argpartition(-row, min(k, len(row) - 1))[:k]:
                    if row[j] > 0.3:
                        touched.add(old[int(j)]["party"])
    members: dict[str, list[str]] = {}
    for r in old:
        if r["party"] in touched:
            members.setdefault(r["party"], []).append(r["id"])
    chains = [(ids[0], other) for ids in members.values() for other in ids[1:]]
    keep = [r for r in old if r["party"] in touched]
    return keep + new, [*must, *chains], {r["id"] for r in new}


def run_resolution(store: GraphStore, settings: Settings, world: Any = None) -> dict[str, Any]:
    """Bootstrap step: resolve the overseas parties of the loaded declarations."""
    from rich.console import Console

    _, summary = resolve_overseas(store, settings)
    Console().print(
        f"  {summary['mentions']:,} spellings → {summary['subjects']:,} overseas parties; "
        f"{summary['review_queued']} pairs for review"
    )
    return summary


class SubjectError(ValueError):
    """A merge, split or revert that cannot be done, with the reason."""


def _mentions_of(store: GraphStore, party: str) -> list[dict[str, Any]]:
    return store.query(
        "MATCH (m:PartyMention)-[:SAME_AS]->(p:OverseasParty {id: $p}) RETURN m.id AS id, m.name AS name, "
        "m.country AS country ORDER BY m.id",
        {"p": party},
        read_only=True,
    )


def _repoint(store: GraphStore, assignments: dict[str, str], method: str, user: str) -> None:
    """Link each mention to its new subject (and only to it)."""
    store.query(
        "UNWIND $ids AS mid MATCH (m:PartyMention {id: mid})-[r:SAME_AS]->() DELETE r",
        {"ids": list(assignments)},
    )
    store.merge_relationships(
        "SAME_AS",
        "PartyMention",
        "OverseasParty",
        [
            {"start": m, "end": p, "score": 1.0, "method": method, "decided_by": user}
            for m, p in assignments.items()
        ],
    )


def merge_parties(store: GraphStore, settings: Settings, keep: str, other: str, user: str) -> dict[str, Any]:
    """A reviewer's merge: ``other``'s mentions move to ``keep``; later runs keep them together."""
    if keep == other:
        raise SubjectError("a subject cannot be merged with itself")
    kept, moved = _mentions_of(store, keep), _mentions_of(store, other)
    if not kept or not moved:
        raise SubjectError(f"no overseas party {keep if not kept else other!r} with mentions")
    action = record_action(
        open_review(settings),
        "overseas",
        "merge",
        keep,
        must=[(kept[0]["id"], moved[0]["id"])],
        payload={"before": {m["id"]: other for m in moved}, "merged": other},
        user=user,
    )
    _repoint(store, {m["id"]: keep for m in moved}, "manual-merge", user)
    store.merge_nodes("OverseasParty", [{"id": other, "status": "merged", "merged_into": keep}])
    return action


def split_party(
    store: GraphStore, settings: Settings, party: str, mentions: list[str], user: str
) -> dict[str, Any]:
    """A reviewer's split: ``mentions`` leave ``party`` for a new subject; later runs keep them apart."""
    current = {m["id"]: m for m in _mentions_of(store, party)}
    if not current:
        raise SubjectError(f"no overseas party {party!r} with mentions")
    strangers = sorted(set(mentions) - set(current))
    if strangers:
        raise SubjectError(f"not mentions of {party}: {', '.join(strangers[:5])}")
    moved = sorted(set(mentions))
    remaining = sorted(set(current) - set(moved))
    if not moved or not remaining:
        raise SubjectError("a split moves some of the subject's mentions and keeps at least one")
    new_id = stable_id("OP-", *moved)
    names = Counter(current[m]["name"] for m in moved)
    action = record_action(
        open_review(settings),
        "overseas",
        "split",
        party,
        cannot=[(m, r) for m in moved for r in remaining],
        payload={"before": dict.fromkeys(moved, party), "new": new_id},
        user=user,
    )
    store.merge_nodes(
        "OverseasParty",
        [
            {
                "id": new_id,
                "name": max(names, key=lambda n: (names[n], -len(n))),
                "country": current[moved[0]]["country"],
                "status": "active",
                "source": "review",
            }
        ],
    )
    _repoint(store, dict.fromkeys(moved, new_id), "manual-split", user)
    return action


def revert(store: GraphStore, settings: Settings, action_id: int, user: str) -> dict[str, Any]:
    """Undo a merge or split: mentions go back to their subjects and the action's constraints are withdrawn."""
    engine = open_review(settings)
    try:
        action = get_action(engine, action_id)
        action = revert_action(engine, action_id, user)
    except KeyError as exc:
        raise SubjectError(str(exc.args[0])) from None
    _repoint(store, action["payload"]["before"], f"revert-{action['action']}", user)
    if action["action"] == "merge":
        store.query(
            "MATCH (p:OverseasParty {id: $p}) SET p.status = 'active', p.merged_into = NULL",
            {"p": action["payload"]["merged"]},
        )
    else:
        store.query(
            "MATCH (p:OverseasParty {id: $p}) WHERE NOT (p)<-[:SAME_AS]-() DELETE p",
            {"p": action["payload"]["new"]},
        )
    return action
