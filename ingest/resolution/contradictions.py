"""Review that protects itself: the run's strong matches that contradict a reviewer's decision.

A reviewer decided that records A and B differ (a cannot-link). The clustering never joins their clusters,
whatever the evidence; but when a record C now matches both strongly (at or above ``accept``, or by the
same strong key) the new evidence says A and B may be one subject after all, and the run says so instead
of quietly keeping one of C's matches: each such (A, B, C) is a contradiction, listed in the result and,
through ``ingest.resolution.review.flag_contradictions``, put in the review queue as a flagged item naming
both the reviewer's decision and the new matches. A must-link that the clustering refused is a
contradiction between two decisions (C is empty): where cannot-links keep its two clusters apart, it is
listed on each such cannot-link (A, B), the must-links it blocks as its matches, so that settling the item
settles the cannot-link; refused for another reason (the clusters hold different strong keys, or would pass
the size limit), it is listed on the must-link itself with that reason, a warning no decision can settle.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from ingest.resolution.clusters import Clusters
from ingest.resolution.pairs import Pair


def contradictions(
    pairs: Iterable[Pair],
    clusters: Clusters,
    cannot_link: Iterable[tuple[str, str]],
    accept: float,
    refused_must: Iterable[tuple[str, str]] = (),
    keys: dict[str, str] | None = None,
) -> list[dict[str, Any]]:
    """Every (A, B, C) where A and B were decided different and C strongly matches a record of each
    one's cluster (C may itself lie in one of them); each with C's strongest match into either side.
    Records sharing a strong key (``keys``: record -> key) all match one another strongly."""
    cannot_link = [(a, b) for a, b in cannot_link if a in clusters.parent and b in clusters.parent]
    out = _refused_must_links(refused_must, clusters, cannot_link)
    watched = {clusters.find(x) for pair in cannot_link for x in pair}  # only these clusters matter
    if not watched:
        return out
    strong: dict[str, dict[str, Pair]] = defaultdict(dict)  # record -> watched cluster -> best pair
    groups: dict[str, list[str]] = defaultdict(list)
    for record, key in (keys or {}).items():
        groups[key].append(record)
    for members in groups.values():
        first = {clusters.find(m): m for m in members}  # cluster -> a record of the key in it
        if len(first) < 2 or not watched & first.keys():
            continue
        step = {"field": "strong_key", "level": "same strong key", "weight": 99.0}
        for record in members:
            for root, other in first.items():
                if other != record and root in watched:
                    a, b = sorted((record, other))
                    strong[record].setdefault(root, Pair(a, b, 1.0, {}, "strong_key", "review", [step]))
    for pair in pairs:
        if pair.score < accept:
            continue
        for record, other in ((pair.a, pair.b), (pair.b, pair.a)):
            root = clusters.find(other)
            if root not in watched:
                continue
            held = strong[record].get(root)
            if held is None or pair.score > held.score:
                strong[record][root] = pair
    touching: dict[str, set[str]] = defaultdict(set)  # cluster -> records strongly matching into it
    for record, touched in strong.items():
        for root in touched:
            touching[root].add(record)
    seen: set[tuple[str, str]] = set()
    for a, b in cannot_link:
        if (a, b) in seen:
            continue
        seen.add((a, b))
        ra, rb = clusters.find(a), clusters.find(b)
        for c in sorted(touching[ra] & touching[rb]):
            matches = [strong[c][ra], strong[c][rb]]
            out.append(
                {
                    "a": a,
                    "b": b,
                    "record": c,
                    "score": min(p.score for p in matches),
                    "matches": [
                        {"a": p.a, "b": p.b, "score": p.score, "method": p.method, "decision": p.decision}
                        for p in matches
                    ],
                }
            )
    return out


def _refused_must_links(
    refused: Iterable[tuple[str, str]], clusters: Clusters, cannot_link: list[tuple[str, str]]
) -> list[dict[str, Any]]:
    """Each refused must-link on the cannot-links that keep its clusters apart (one entry per cannot-link,
    naming every must-link it blocks), or on itself with the reason when no cannot-link does."""
    blocked: dict[tuple[str, str], list[tuple[str, str]]] = {}
    out: list[dict[str, Any]] = []
    for a, b in refused:
        ra, rb = clusters.find(a), clusters.find(b)
        if ra == rb:
            continue  # joined after all, through other links
        blocking = [(x, y) for x, y in cannot_link if {clusters.find(x), clusters.find(y)} == {ra, rb}]
        for pair in blocking:
            blocked.setdefault(pair, []).append((a, b))
        if not blocking:
            ka, kb = clusters.keys.get(ra, set()), clusters.keys.get(rb, set())
            reason = (
                "the clusters hold different strong keys"
                if ka and kb and ka != kb
                else "the joined cluster would pass the size limit"
            )
            out.append(
                {
                    "a": a,
                    "b": b,
                    "record": None,
                    "score": 1.0,
                    "matches": [],
                    "must_link_refused": True,
                    "must_links": [[a, b]],
                    "reason": reason,
                }
            )
    for (x, y), musts in blocked.items():
        out.append(
            {
                "a": x,
                "b": y,
                "record": None,
                "score": 1.0,
                "matches": [
                    {"a": a, "b": b, "score": 1.0, "method": "must_link", "decision": "confirmed"}
                    for a, b in musts
                ],
                "must_link_refused": True,
                "must_links": [[a, b] for a, b in musts],
                "reason": "a reviewer said records of these clusters differ",
            }
        )
    return out
