"""``resolve(records, …) -> Resolution``: one cluster id per real-world subject, on any table.

1. Strong keys (a USCC, a hashed ID number) link records outright.
2. Blocking: character n-gram TF-IDF of the normalised names; each record meets its nearest neighbours.
3. Pair scoring: named features (below), each explained; fields listed in ``same`` must agree.
4. Clustering: accepted pairs are joined, but never into a cluster larger than ``max_cluster`` and never
   joining two clusters whose names are far apart ("black holes" are refused and sent to review).
Pairs between the review and accept thresholds go to the review queue; decisions already taken there
(``must_link`` / ``cannot_link``) are respected.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from rapidfuzz import fuzz
from rapidfuzz.distance import JaroWinkler
from sklearn.feature_extraction.text import TfidfVectorizer

MAX_NAME = 300


def name_ratio(a: str, b: str) -> float:
    """Edit similarity of the normalised names (0-1): catches typos and spacing."""
    return fuzz.ratio(a, b) / 100


def sorted_ratio(a: str, b: str) -> float:
    """Edit similarity of the names' words in sorted order: catches swapped words."""
    return fuzz.token_sort_ratio(a, b) / 100


def jaro_winkler(a: str, b: str) -> float:
    """Jaro–Winkler similarity: rewards a shared beginning (the distinctive part of most names)."""
    return float(JaroWinkler.similarity(a, b))


def address_match(a: str | None, b: str | None) -> float:
    """Similarity of the addresses when both are known (0 when either is missing)."""
    return fuzz.token_set_ratio(a, b) / 100 if a and b else 0.0


@dataclass
class Pair:
    a: str
    b: str
    score: float
    features: dict[str, float]
    method: str
    decision: str  # accept, review, reject


@dataclass
class Resolution:
    clusters: dict[str, str]  # record id -> cluster id (the smallest record id of the cluster)
    pairs: list[Pair] = field(default_factory=list)
    unresolved: dict[str, str] = field(default_factory=dict)  # record id -> reason
    refused_merges: int = 0

    def members(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for record, cluster in self.clusters.items():
            out.setdefault(cluster, []).append(record)
        return out


class _Clusters:
    def __init__(self, ids: Iterable[str]) -> None:
        self.parent = {i: i for i in ids}
        self.size = dict.fromkeys(self.parent, 1)

    def find(self, x: str) -> str:
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, a: str, b: str, max_size: int) -> bool:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return True
        if self.size[ra] + self.size[rb] > max_size:
            return False
        if rb < ra:
            ra, rb = rb, ra
        self.parent[rb] = ra
        self.size[ra] += self.size[rb]
        return True


def sorted_neighbourhood(names: list[str], window: int) -> set[tuple[int, int]]:
    """Candidate pairs from sorting the names three ways (as written, words sorted, reversed) and pairing
    each name with the next ``window`` ones: cheap, and robust to word swaps and a typo anywhere."""
    pairs: set[tuple[int, int]] = set()
    keys = (lambda s: s, lambda s: " ".join(sorted(s.split())), lambda s: s[::-1])
    for key in keys:
        order = sorted(range(len(names)), key=lambda i: key(names[i]))
        for pos, i in enumerate(order):
            for j in order[pos + 1 : pos + 1 + window]:
                pairs.add((min(i, j), max(i, j)))
    return pairs


def ngram_neighbours(names: list[str], k: int) -> set[tuple[int, int]]:
    """Nearest neighbours by character n-gram TF-IDF cosine (dense blocks: for tables up to ~20k names)."""
    matrix = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4), dtype=np.float32).fit_transform(names)
    pairs: set[tuple[int, int]] = set()
    step = 1000
    for start in range(0, matrix.shape[0], step):
        block = (matrix[start : start + step] @ matrix.T).toarray()
        for offset, row in enumerate(block):
            i = start + offset
            row[i] = 0
            for j in np.argpartition(-row, min(k, len(row) - 1))[:k]:
                if row[j] > 0.3:
                    pairs.add((min(i, int(j)), max(i, int(j))))
    return pairs


def candidates(names: list[str], k: int) -> list[tuple[int, int]]:
    """Blocking: sorted neighbourhoods always, n-gram nearest neighbours as well for tables that allow it."""
    if len(names) < 2:
        return []
    pairs = sorted_neighbourhood(names, k)
    if len(names) <= 20_000:
        pairs |= ngram_neighbours(names, k)
    return sorted(pairs)


def resolve(
    records: list[dict[str, Any]],
    *,
    id_field: str = "id",
    name_field: str = "name",
    normalise: Callable[[str], str] = lambda s: s.lower().strip(),
    strong_key: str | None = None,
    same: Iterable[str] = (),
    address_field: str | None = None,
    context_field: str | None = None,
    accept: float = 0.9,
    review: float = 0.8,
    k: int = 8,
    max_cluster: int = 60,
    agree_on_any: Iterable[str] = (),
    must_link: Iterable[tuple[str, str]] = (),
    cannot_link: Iterable[tuple[str, str]] = (),
) -> Resolution:
    """Cluster ``records`` (dicts) into subjects; see the module docstring for the steps."""
    same = list(same)
    agree = list(agree_on_any)
    cannot = {frozenset(p) for p in cannot_link}
    seen: set[str] = set()
    usable: list[dict[str, Any]] = []
    unresolved: dict[str, str] = {}
    for record in records:
        rid = str(record.get(id_field) or "")
        raw = str(record.get(name_field) or "")
        if not rid:
            continue
        if rid in seen:
            unresolved[rid + "#dup"] = "duplicate record id: only its first occurrence was used"
            continue
        seen.add(rid)
        if len(raw) > MAX_NAME:
            unresolved[rid] = f"name longer than {MAX_NAME} characters"
            continue
        norm = normalise(raw) if raw.strip() else ""
        if not norm.strip():
            unresolved[rid] = (
                "empty name" if not raw.strip() else "name holds only a legal form or punctuation"
            )
            continue
        usable.append({**record, "_id": rid, "_norm": norm})
    clusters = _Clusters(r["_id"] for r in usable)
    result = Resolution(clusters={}, unresolved=unresolved)
    by_id = {r["_id"]: r for r in usable}
    for a, b in must_link:
        if a in by_id and b in by_id:
            clusters.union(a, b, max_cluster * 10)
    if strong_key:
        first: dict[str, str] = {}
        for r in usable:
            value = r.get(strong_key)
            if value:
                if value in first:
                    clusters.union(first[value], r["_id"], max_cluster * 10)
                    result.pairs.append(
                        Pair(first[value], r["_id"], 1.0, {"strong_key": 1.0}, "strong_key", "accept")
                    )
                else:
                    first[value] = r["_id"]
    names = [r["_norm"] for r in usable]
    scored: list[Pair] = []
    for i, j in candidates(names, k):
        ra, rb = usable[i], usable[j]
        if frozenset((ra["_id"], rb["_id"])) in cannot:
            continue
        if any(ra.get(f) and rb.get(f) and ra.get(f) != rb.get(f) for f in same):
            continue
        if strong_key and ra.get(strong_key) and rb.get(strong_key) and ra[strong_key] != rb[strong_key]:
            continue  # two different strong keys are two different subjects
        if agree and not any(ra.get(f) and ra.get(f) == rb.get(f) for f in agree):
            continue  # a name alone is weak evidence: it must come with a shared phone, address…
        features = {
            "name_ratio": name_ratio(ra["_norm"], rb["_norm"]),
            "sorted_ratio": sorted_ratio(ra["_norm"], rb["_norm"]),
            "jaro_winkler": jaro_winkler(ra["_norm"], rb["_norm"]),
        }
        score = max(features["name_ratio"], features["sorted_ratio"]) * 0.8 + features["jaro_winkler"] * 0.2
        if address_field:
            features["address"] = address_match(ra.get(address_field), rb.get(address_field))
            score += 0.04 if features["address"] >= 0.9 else 0.0
        if context_field and ra.get(context_field) and rb.get(context_field):
            shared = set(ra[context_field]) & set(rb[context_field])
            features["co_occurrence"] = float(len(shared) > 0)
            score += 0.03 * features["co_occurrence"]
        score = round(min(score, 1.0), 4)
        decision = "accept" if score >= accept else "review" if score >= review else "reject"
        if decision != "reject":
            scored.append(Pair(ra["_id"], rb["_id"], score, features, "ngram+fuzzy", decision))
    for pair in sorted(scored, key=lambda p: -p.score):
        if pair.decision == "accept":
            root_a, root_b = clusters.find(pair.a), clusters.find(pair.b)
            far = (
                root_a != root_b
                and name_ratio(by_id[root_a]["_norm"], by_id[root_b]["_norm"]) < review
                and sorted_ratio(by_id[root_a]["_norm"], by_id[root_b]["_norm"]) < review
            )
            if far or not clusters.union(pair.a, pair.b, max_cluster):
                pair.decision = "review"
                result.refused_merges += 1
        result.pairs.append(pair)
    result.clusters = {r["_id"]: clusters.find(r["_id"]) for r in usable}
    return result


def pairwise(clusters: dict[str, str], truth: dict[str, str]) -> dict[str, float]:
    """Pairwise precision and recall of a clustering against true subject ids."""
    from collections import Counter
    from math import comb

    common = [r for r in clusters if r in truth]
    predicted = Counter(clusters[r] for r in common)
    actual = Counter(truth[r] for r in common)
    both = Counter((clusters[r], truth[r]) for r in common)
    tp = sum(comb(n, 2) for n in both.values())
    pp = sum(comb(n, 2) for n in predicted.values())
    ap = sum(comb(n, 2) for n in actual.values())
    return {
        "precision": round(tp / pp, 4) if pp else 1.0,
        "recall": round(tp / ap, 4) if ap else 1.0,
        "pairs_true": ap,
        "pairs_predicted": pp,
    }
