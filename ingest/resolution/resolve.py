"""``resolve(records, …) -> Resolution``: one cluster id per real-world subject, on any table.

1. Strong keys (a USCC, a hashed ID number) link records outright.
2. Blocking: sorted neighbourhoods and character n-gram TF-IDF of the normalised names; each record meets
   its nearest neighbours. With ``semantic=True`` the records left without any match are embedded with a
   sentence model (``ingest.resolution.semantic``) and meet their nearest neighbours by meaning as well.
3. Pair scoring: named features (below), each explained; fields listed in ``same`` must agree. Scoring
   runs in blocks; with a ``checkpoint`` folder each finished block is saved, and a run interrupted and
   started again with the same input skips the blocks already done.
4. Clustering: accepted pairs are joined, but never into a cluster larger than ``max_cluster``, never
   joining two clusters whose names are far apart ("black holes" are refused and sent to review), and
   never joining two clusters that a reviewer said differ (``cannot_link``, checked across whole clusters).
Pairs between the review and accept thresholds go to the review queue; decisions already taken there
(``must_link`` / ``cannot_link``) are respected.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from rapidfuzz import fuzz
from rapidfuzz.distance import JaroWinkler
from sklearn.feature_extraction.text import TfidfVectorizer

from ingest.resolution.clusters import Clusters, constraints
from ingest.resolution.contradictions import contradictions
from ingest.resolution.pairs import Pair, Resolution, pairwise
from ingest.resolution.progress import Progress
from ingest.resolution.semantic import EmbeddingCache, nearest

__all__ = ["Pair", "Resolution", "pairwise", "resolve"]

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


@dataclass
class Scorer:
    """Pair scoring: named, explained features; ``None`` when the pair may not be the same subject."""

    same: list[str]
    strong_key: str | None
    agree: list[str]
    address_field: str | None
    context_field: str | None
    accept: float
    review: float

    def __call__(self, ra: dict[str, Any], rb: dict[str, Any], method: str) -> Pair | None:
        if any(ra.get(f) and rb.get(f) and ra.get(f) != rb.get(f) for f in self.same):
            return None
        key = self.strong_key
        if key and ra.get(key) and rb.get(key) and ra[key] != rb[key]:
            return None  # two different strong keys are two different subjects
        if self.agree and not any(ra.get(f) and ra.get(f) == rb.get(f) for f in self.agree):
            return None  # a name alone is weak evidence: it must come with a shared phone, address…
        features = {
            "name_ratio": name_ratio(ra["_norm"], rb["_norm"]),
            "sorted_ratio": sorted_ratio(ra["_norm"], rb["_norm"]),
            "jaro_winkler": jaro_winkler(ra["_norm"], rb["_norm"]),
        }
        score = max(features["name_ratio"], features["sorted_ratio"]) * 0.8 + features["jaro_winkler"] * 0.2
        if self.address_field:
            features["address"] = address_match(ra.get(self.address_field), rb.get(self.address_field))
            score += 0.04 if features["address"] >= 0.9 else 0.0
        if self.context_field and ra.get(self.context_field) and rb.get(self.context_field):
            shared = set(ra[self.context_field]) & set(rb[self.context_field])
            features["co_occurrence"] = float(len(shared) > 0)
            score += 0.03 * features["co_occurrence"]
        score = round(min(score, 1.0), 4)
        decision = "accept" if score >= self.accept else "review" if score >= self.review else "reject"
        return Pair(ra["_id"], rb["_id"], score, features, method, decision) if decision != "reject" else None


class Checkpoint:
    """Scored blocks of one run, appended to a JSON-lines file named by the run's fingerprint."""

    def __init__(self, folder: Path | None, fingerprint: str) -> None:
        self.path = folder / f"{fingerprint}.jsonl" if folder else None
        self.done: dict[str, list[Pair]] = {}
        if self.path is not None and self.path.exists():
            for line in self.path.read_text(encoding="utf-8").splitlines():
                try:
                    entry = json.loads(line)
                except json.JSONDecodeError:
                    break  # a line cut short by the interruption: that block is redone
                self.done[entry["block"]] = [Pair(*p) for p in entry["pairs"]]

    def save(self, block: str, pairs: list[Pair]) -> None:
        if self.path is None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        line = json.dumps({"block": block, "pairs": [list(p.__dict__.values()) for p in pairs]})
        with self.path.open("a", encoding="utf-8") as out:
            out.write(line + "\n")
            out.flush()


def _fingerprint(usable: list[dict[str, Any]], params: dict[str, Any]) -> str:
    digest = hashlib.sha1(json.dumps(params, sort_keys=True, default=str).encode())
    for r in usable:
        digest.update(f"{r['_id']}\x1f{r['_norm']}\x1e".encode())
    return digest.hexdigest()[:16]


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
    semantic: bool = False,
    checkpoint: Path | None = None,
    block_size: int = 20_000,
    progress: bool = False,
    on_block: Callable[[str], None] | None = None,
) -> Resolution:
    """Cluster ``records`` (dicts) into subjects; see the module docstring for the steps."""
    cannot_link = list(cannot_link)
    cannot = constraints(cannot_link)
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
    clusters = Clusters((r["_id"] for r in usable), cannot)
    result = Resolution(clusters={}, unresolved=unresolved)
    by_id = {r["_id"]: r for r in usable}
    refused_must = []
    for a, b in must_link:
        if a in by_id and b in by_id and not clusters.union(a, b, max_cluster * 10):
            refused_must.append((a, b))
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
    scorer = Scorer(list(same), strong_key, list(agree_on_any), address_field, context_field, accept, review)
    params = {"k": k, "max_cluster": max_cluster, "block_size": block_size, "scorer": scorer.__dict__}
    saved = Checkpoint(checkpoint, _fingerprint(usable, params))
    names = [r["_norm"] for r in usable]
    pending = candidates(names, k)
    blocks = [pending[i : i + block_size] for i in range(0, len(pending), block_size)]
    scored: list[Pair] = []
    with Progress(progress, len(blocks)) as advance:
        for number, block in enumerate(blocks):
            name = f"pairs-{number}"
            if name not in saved.done:
                found = [scorer(usable[i], usable[j], "ngram+fuzzy") for i, j in block]
                saved.save(name, [p for p in found if p is not None])
                saved.done[name] = [p for p in found if p is not None]
                if on_block is not None:
                    on_block(name)
            scored += saved.done[name]
            advance()
    if semantic:
        scored += _semantic_pairs(usable, scored, scorer, k, saved, checkpoint, progress, on_block)
    for pair in sorted(scored, key=lambda p: -p.score):
        if pair.b in cannot.get(pair.a, ()):
            continue  # a reviewer said these two differ
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
    result.contradictions = contradictions(result.pairs, clusters, cannot_link, accept, refused_must)
    result.clusters = {r["_id"]: clusters.find(r["_id"]) for r in usable}
    return result


def _semantic_pairs(
    usable: list[dict[str, Any]],
    scored: list[Pair],
    scorer: Scorer,
    k: int,
    saved: Checkpoint,
    checkpoint: Path | None,
    progress: bool,
    on_block: Callable[[str], None] | None,
) -> list[Pair]:
    """Embed the records cheap blocking left without any match; score their nearest neighbours by meaning."""
    if "semantic" in saved.done:
        return saved.done["semantic"]
    matched = {p.a for p in scored} | {p.b for p in scored}
    residue = [r for r in usable if r["_id"] not in matched]
    cache = EmbeddingCache(checkpoint / "embeddings.npz" if checkpoint else None)
    with Progress(progress, len(residue), "embedding") as advance:
        vectors = cache.embed([r["_norm"] for r in residue], on_batch=lambda n: advance(n))
    found = []
    for i, j, cosine in nearest(vectors, k):
        pair = scorer(residue[i], residue[j], "embedding+fuzzy")
        if pair is not None:
            pair.features["embedding"] = round(cosine, 4)
            found.append(pair)
    saved.save("semantic", found)
    if on_block is not None:
        on_block("semantic")
    return found
