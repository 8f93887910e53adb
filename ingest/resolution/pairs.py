"""What resolution produces: scored pairs with their explanation, clusters, and how they are measured."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from math import comb
from typing import Any


@dataclass
class Pair:
    a: str
    b: str
    score: float
    features: dict[str, float]
    method: str
    decision: str  # accept, review, possible, reject
    explanation: list[dict[str, Any]] = field(default_factory=list)  # the waterfall: one step per field


@dataclass
class Resolution:
    clusters: dict[str, str]  # record id -> cluster id (the smallest record id of the cluster)
    pairs: list[Pair] = field(default_factory=list)
    unresolved: dict[str, str] = field(default_factory=dict)  # record id -> reason
    refused_merges: int = 0
    notes: dict[str, Any] = field(default_factory=dict)  # model version, generic values, dropped keys…
    contradictions: list[dict[str, Any]] = field(default_factory=list)  # see ingest.resolution.contradictions

    def members(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for record, cluster in self.clusters.items():
            out.setdefault(cluster, []).append(record)
        return out


def pairwise(clusters: dict[str, str], truth: dict[str, str]) -> dict[str, float]:
    """Pairwise precision, recall and F1 of a clustering against true subject ids."""
    common = [r for r in clusters if r in truth]
    predicted = Counter(clusters[r] for r in common)
    actual = Counter(truth[r] for r in common)
    both = Counter((clusters[r], truth[r]) for r in common)
    tp = sum(comb(n, 2) for n in both.values())
    pp = sum(comb(n, 2) for n in predicted.values())
    ap = sum(comb(n, 2) for n in actual.values())
    precision = tp / pp if pp else 1.0
    recall = tp / ap if ap else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(f1, 4),
        "pairs_true": ap,
        "pairs_predicted": pp,
    }
