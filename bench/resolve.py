"""Entity resolution at scale: mentions per second, pairwise precision and recall, peak memory."""

from __future__ import annotations

import json
import random
import time
from typing import Any

from bench.common import peak_rss_mb, world_dir
from ingest.keys import mention_id
from ingest.resolution import normalize, pairwise, resolve
from ingest.synthetic.names import overseas_name, overseas_variant

TARGET = 100_000


def mentions(scale: str) -> tuple[list[dict[str, str]], dict[str, str]]:
    """The world's overseas spellings, topped up to 100k with more generated parties and their variants."""
    truth_doc = json.loads((world_dir(scale) / "ground_truth.json").read_text(encoding="utf-8"))
    records, truth = [], {}
    for item in truth_doc["overseas_identity"]:
        mid = mention_id(item["name"], item["country"])
        if mid not in truth:
            records.append({"id": mid, "name": item["name"], "country": item["country"]})
            truth[mid] = item["party"]
    rng = random.Random(11)
    party = 0
    countries = ["US", "DE", "JP", "KR", "VN", "TH", "SG", "FR", "ES", "AU", "BR", "IN"]
    syllables = [
        "ka",
        "ro",
        "mi",
        "ten",
        "sa",
        "vo",
        "lu",
        "rin",
        "da",
        "pe",
        "zor",
        "ba",
        "qui",
        "nel",
        "tor",
        "fa",
    ]
    seen: set[str] = set()
    while len(records) < TARGET:
        party += 1
        country = rng.choice(countries)
        word = "".join(rng.choice(syllables) for _ in range(rng.randint(3, 4))).upper()
        if word in seen:
            continue
        seen.add(word)
        name = word + " " + overseas_name(rng, country)
        for spelling in {name, *(overseas_variant(rng, name, country) for _ in range(rng.randrange(1, 5)))}:
            mid = mention_id(spelling, country)
            if mid not in truth:
                records.append({"id": mid, "name": spelling, "country": country})
                truth[mid] = f"X{party}"
    return records[:TARGET], truth


def run(scale: str = "medium") -> dict[str, Any]:
    records, truth = mentions(scale)
    started = time.perf_counter()
    result = resolve(records, normalise=normalize.overseas, same=["country"])
    seconds = time.perf_counter() - started
    scores = pairwise(result.clusters, truth)
    return {
        "benchmark": "resolve",
        "mentions": len(records),
        "seconds": round(seconds, 2),
        "mentions_per_s": round(len(records) / seconds),
        "precision": scores["precision"],
        "recall": scores["recall"],
        "subjects": len(set(result.clusters.values())),
        "refused_merges": result.refused_merges,
        "peak_rss_mb": peak_rss_mb(),
        **semantic(records, truth),
    }


def semantic(records: list[dict[str, str]], truth: dict[str, str]) -> dict[str, Any]:
    """The same table with semantic blocking of the residue (MiniLM embeddings; the model load is counted)."""
    import tempfile
    from pathlib import Path

    folder = Path(tempfile.mkdtemp(prefix="tianji-resolve-"))
    blocks: list[str] = []
    started = time.perf_counter()
    result = resolve(
        records,
        normalise=normalize.overseas,
        same=["country"],
        semantic=True,
        checkpoint=folder,
        on_block=blocks.append,
    )
    seconds = time.perf_counter() - started
    scores = pairwise(result.clusters, truth)
    embedded = (
        len(__import__("numpy").load(folder / "embeddings.npz").files)
        if (folder / "embeddings.npz").exists()
        else 0
    )
    return {
        "semantic_seconds": round(seconds, 2),
        "semantic_mentions_per_s": round(len(records) / seconds),
        "semantic_names_embedded": embedded,
        "semantic_pairs": sum(1 for p in result.pairs if p.method == "embedding+fuzzy"),
        "semantic_precision": scores["precision"],
        "semantic_recall": scores["recall"],
        "peak_rss_mb_semantic": peak_rss_mb(),
    }
