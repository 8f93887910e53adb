"""Overseas parties in the graph: PartyMention nodes resolved into OverseasParty subjects linked by SAME_AS.

A subject's id stays the same across runs: a cluster that holds mentions already linked to a party keeps
that party's id (the one holding most of its mentions); a new cluster gets an id from its smallest mention
id. New mentions therefore resolve incrementally against existing subjects.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from graph.store import GraphStore
from ingest.keys import stable_id
from ingest.resolution import normalize
from ingest.resolution.resolve import Resolution, resolve
from ingest.resolution.review import decisions, enqueue, open_review
from tianji.settings import Settings


def mentions(store: GraphStore) -> list[dict[str, Any]]:
    rows = store.query(
        "MATCH (m:PartyMention) OPTIONAL MATCH (m)<-[:OVERSEAS_PARTY]-(:Declaration)-[:CONSIGNEE]->(e:Enterprise) "
        "OPTIONAL MATCH (m)-[:SAME_AS]->(p:OverseasParty) RETURN m.id AS id, m.name AS name, m.country AS country, "
        "m.address AS address, collect(DISTINCT e.id) AS consignees, p.id AS party",
        read_only=True,
        timeout_ms=120_000,
    )
    return rows


def resolve_overseas(store: GraphStore, settings: Settings) -> tuple[Resolution, dict[str, Any]]:
    rows = mentions(store)
    engine = open_review(settings)
    must, cannot = decisions(engine, "overseas")
    result = resolve(
        rows,
        normalise=normalize.overseas,
        same=["country"],
        address_field="address",
        context_field="consignees",
        must_link=must,
        cannot_link=cannot,
    )
    queued = enqueue(engine, "overseas", result.pairs)
    existing = {r["id"]: r["party"] for r in rows if r["party"]}
    by_id = {r["id"]: r for r in rows}
    subjects: dict[str, str] = {}
    for cluster, members in result.members().items():
        held = Counter(existing[m] for m in members if m in existing)
        subjects[cluster] = held.most_common(1)[0][0] if held else stable_id("OP-", min(members))
    score = {}
    for pair in result.pairs:
        if pair.decision == "accept":
            score[pair.b] = max(score.get(pair.b, 0.0), pair.score)
            score[pair.a] = max(score.get(pair.a, 0.0), pair.score)
    parties, links = [], []
    for cluster, members in result.members().items():
        names = Counter(by_id[m]["name"] for m in members)
        canonical = max(names, key=lambda n: (names[n], -len(n)))
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
                "method": "ngram+fuzzy" if len(members) > 1 else "singleton",
                "decided_by": "resolver",
            }
            for m in members
        ]
    store.merge_nodes("OverseasParty", parties)
    stale = [m for m in result.clusters if m in existing and existing[m] != subjects[result.clusters[m]]]
    if stale:  # a mention moved to another subject (a merge or split): re-point it
        store.query(
            "UNWIND $ids AS mid MATCH (m:PartyMention {id: mid})-[r:SAME_AS]->() DELETE r", {"ids": stale}
        )
    store.merge_relationships("SAME_AS", "PartyMention", "OverseasParty", links)
    return result, {
        "mentions": len(rows),
        "subjects": len(parties),
        "review_queued": queued,
        "refused_merges": result.refused_merges,
        "unresolved": len(result.unresolved),
    }


def run_resolution(store: GraphStore, settings: Settings, world: Any = None) -> dict[str, Any]:
    """Bootstrap step: resolve the overseas parties of the loaded declarations."""
    from rich.console import Console

    _, summary = resolve_overseas(store, settings)
    Console().print(
        f"  {summary['mentions']:,} spellings → {summary['subjects']:,} overseas parties; "
        f"{summary['review_queued']} pairs for review"
    )
    return summary
