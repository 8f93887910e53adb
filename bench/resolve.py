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
        **people_and_enterprises(scale),
    }


def people_and_enterprises(scale: str) -> dict[str, Any]:
    """People across registration, case files and driver records (hashed ID number strong, name with phone
    or address weak); domestic enterprises across sources (USCC strong, Chinese name with address)."""
    import csv

    world = world_dir(scale)
    truth = json.loads((world / "ground_truth.json").read_text(encoding="utf-8"))
    people = list(csv.DictReader((world / "person_records.csv").open(encoding="utf-8")))
    started = time.perf_counter()
    result = resolve(
        people,
        id_field="record_id",
        normalise=normalize.person,
        strong_key="id_hash",
        agree_on_any=["phone", "address"],
    )
    people_s = time.perf_counter() - started
    person = pairwise(result.clusters, truth["person_identity"])
    registry = [
        {"record_id": e["uscc"], "uscc": e["uscc"], "name": e["name"], "address": e["address"]}
        for e in csv.DictReader((world / "enterprises.csv").open(encoding="utf-8"))
    ]
    records = list(csv.DictReader((world / "enterprise_records.csv").open(encoding="utf-8")))
    expected = dict(truth["enterprise_identity"]) | {r["record_id"]: r["uscc"] for r in registry}
    started = time.perf_counter()
    result = resolve(
        registry + records,
        id_field="record_id",
        normalise=normalize.chinese_enterprise,
        strong_key="uscc",
        agree_on_any=["address"],
    )
    enterprise_s = time.perf_counter() - started
    enterprise = pairwise(result.clusters, expected)
    return {
        "people_records": len(people),
        "people_precision": person["precision"],
        "people_recall": person["recall"],
        "people_seconds": round(people_s, 2),
        "enterprise_records": len(registry) + len(records),
        "enterprise_precision": enterprise["precision"],
        "enterprise_recall": enterprise["recall"],
        "enterprise_seconds": round(enterprise_s, 2),
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
