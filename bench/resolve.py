"""Entity resolution: precision, recall and F1 per synthetic kind and on the Febrl datasets, records per
second, and wall time and peak memory on a large generated person set."""

from __future__ import annotations

import csv
import json
import random
import tempfile
import time
from pathlib import Path
from typing import Any

from rich.console import Console

from bench import people
from bench.common import peak_rss_mb, world_dir
from bench.people import SYLLABLES
from ingest.keys import mention_id
from ingest.resolution import febrl, link, normalize, pairwise, resolve
from ingest.resolution.config import enterprise_config, person_config, vehicle_config, vessel_config
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
    syllables = SYLLABLES[:16]  # the person set's syllables, as many as this set has always used
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


LARGE = {"small": 20_000, "medium": 1_000_000, "large": 1_000_000}


def run(scale: str = "medium") -> dict[str, Any]:
    """Every figure in one line: the large person set first (so the peak memory is its own), then the
    synthetic world's kinds, the Febrl datasets, and the overseas spellings."""
    console = Console(stderr=True)
    console.print(f"resolve: {LARGE[scale]:,} generated person records, then again with one shared phone")
    out: dict[str, Any] = {"benchmark": "resolve", **large_people(LARGE[scale])}
    console.print(
        f"resolve: {out['large_seconds']} s and {out['same_phone_seconds']} s; the world's subjects"
    )
    out |= people_and_enterprises(scale)
    out |= vehicles_and_vessels(scale)
    console.print("resolve: Febrl 1, 2 and 4")
    out |= febrl_scores()
    console.print("resolve: overseas spellings")
    records, truth = mentions(scale)
    started = time.perf_counter()
    result = resolve(records, normalise=normalize.overseas, same=["country"])
    seconds = time.perf_counter() - started
    scores = pairwise(result.clusters, truth)
    out |= {
        "overseas_mentions": len(records),
        "overseas_seconds": round(seconds, 2),
        "overseas_mentions_per_s": round(len(records) / seconds),
        "overseas_precision": scores["precision"],
        "overseas_recall": scores["recall"],
        "overseas_f1": scores["f1"],
        "overseas_refused_merges": result.refused_merges,
    }
    if scale != "small":
        out |= semantic(records, truth)
    return out


def large_people(n: int) -> dict[str, Any]:
    """Wall time, records per second and peak memory of the linker on ``n`` generated person records."""
    records, truth = people.generate(n)
    started = time.perf_counter()
    result = link(records, people.config())
    seconds = time.perf_counter() - started
    scores = pairwise(result.clusters, truth)
    return {
        "large_records": n,
        "large_seconds": round(seconds, 1),
        "large_records_per_s": round(n / seconds),
        "large_peak_rss_mb": peak_rss_mb(),
        "large_precision": scores["precision"],
        "large_recall": scores["recall"],
        "large_f1": scores["f1"],
        **same_value(records, truth),
    }


def same_value(records: list[dict[str, str]], truth: dict[str, str]) -> dict[str, Any]:
    """The same records, every one holding the same phone (one field whose value is everywhere): the value
    is set aside as generic and its block dropped, so the run stays linear and the phone counts for no pair."""
    shared = [{**r, "phone": "13800000000"} for r in records]
    started = time.perf_counter()
    result = link(shared, people.config())
    seconds = time.perf_counter() - started
    scores = pairwise(result.clusters, truth)
    return {
        "same_phone_seconds": round(seconds, 1),
        "same_phone_generic": result.notes["generic"].get("phone", {}),
        "same_phone_precision": scores["precision"],
        "same_phone_recall": scores["recall"],
    }


def febrl_scores() -> dict[str, Any]:
    """Febrl 1, 2 and 4 (two files) without the identity number; on febrl2 also the name-only resolver,
    the baseline the field-weighing linker replaces."""
    out: dict[str, Any] = {}
    for name in febrl.FILES:
        records, truth = febrl.load(name)
        started = time.perf_counter()
        result = link(records, febrl.config(two_files=name == "febrl4"))
        seconds = time.perf_counter() - started
        scores = pairwise(result.clusters, truth)
        out |= {f"{name}_{k}": scores[k] for k in ("precision", "recall", "f1")}
        out[f"{name}_records_per_s"] = round(len(records) / seconds)
        if name == "febrl2":
            named = [{"id": r["rec_id"], "name": f"{r['given_name']} {r['surname']}"} for r in records]
            baseline = pairwise(resolve(named, normalise=normalize.person).clusters, truth)
            out["febrl2_name_only_f1"] = baseline["f1"]
            out["febrl2_f1_vs_name_only"] = (
                round(scores["f1"] / baseline["f1"], 3) if baseline["f1"] else None
            )
    return out


def people_and_enterprises(scale: str) -> dict[str, Any]:
    """People across registration, case files and driver records (name, phone, address; the hashed ID
    number as strong key where a source has it, and once without it); domestic enterprises across
    agencies (USCC where known, Chinese name and address)."""
    world = world_dir(scale)
    truth = json.loads((world / "ground_truth.json").read_text(encoding="utf-8"))
    persons = list(csv.DictReader((world / "person_records.csv").open(encoding="utf-8")))
    out: dict[str, Any] = {"person_records": len(persons)}
    for label, key in (("person", "id_hash"), ("person_without_key", None)):
        started = time.perf_counter()
        result = link(persons, person_config(strong_key=key))
        scores = pairwise(result.clusters, truth["person_identity"])
        out |= {f"{label}_{k}": scores[k] for k in ("precision", "recall", "f1")}
        out[f"{label}_seconds"] = round(time.perf_counter() - started, 2)
    registry = enterprise_registry(world)
    records = list(csv.DictReader((world / "enterprise_records.csv").open(encoding="utf-8")))
    expected = dict(truth["enterprise_identity"]) | {r["record_id"]: r["uscc"] for r in registry}
    started = time.perf_counter()
    result = link(registry + records, enterprise_config())
    scores = pairwise(result.clusters, expected)
    out |= {f"enterprise_{k}": scores[k] for k in ("precision", "recall", "f1")}
    out["enterprise_records"] = len(registry) + len(records)
    out["enterprise_seconds"] = round(time.perf_counter() - started, 2)
    out["enterprise_generic_addresses"] = len(result.notes.get("generic", {}).get("address", {}))
    return out


def enterprise_registry(world: Path) -> list[dict[str, str]]:
    """The world's registered enterprises as records: USCC, name, address, phone and the legal
    representative's name."""
    import csv

    names = {p["id_hash"]: p["name"] for p in csv.DictReader((world / "persons.csv").open(encoding="utf-8"))}
    legal_rep: dict[str, str] = {}
    for role in csv.DictReader((world / "roles.csv").open(encoding="utf-8")):
        if role["role"] == "legal_rep":
            legal_rep.setdefault(role["uscc"], names.get(role["id_hash"], ""))
    return [
        {
            "record_id": e["uscc"],
            "uscc": e["uscc"],
            "name": e["name"],
            "address": e["address"],
            "phone": e["phone"],
            "legal_rep": legal_rep.get(e["uscc"], ""),
        }
        for e in csv.DictReader((world / "enterprises.csv").open(encoding="utf-8"))
    ]


def vehicles_and_vessels(scale: str) -> dict[str, Any]:
    """Vehicles across registry, insurance, traffic-police and gate records (re-registered plates; VIN as
    strong key) and vessels across registry, port-call, AIS and manifest records (renamed and re-flagged
    ships; IMO as strong key), with their decoys (identical fleet trucks, sister ships, reused MMSIs)."""
    world = world_dir(scale, need=("vehicle_records.csv", "vessel_records.csv"))
    truth = json.loads((world / "ground_truth.json").read_text(encoding="utf-8"))
    out: dict[str, Any] = {}
    for kind, config in (("vehicle", vehicle_config()), ("vessel", vessel_config())):
        records = list(csv.DictReader((world / f"{kind}_records.csv").open(encoding="utf-8")))
        started = time.perf_counter()
        result = link(records, config)
        scores = pairwise(result.clusters, truth[f"{kind}_identity"])
        out |= {f"{kind}_{k}": scores[k] for k in ("precision", "recall", "f1")}
        out[f"{kind}_records"] = len(records)
        out[f"{kind}_seconds"] = round(time.perf_counter() - started, 2)
    return out


def semantic(records: list[dict[str, str]], truth: dict[str, str]) -> dict[str, Any]:
    """The same table with semantic blocking of the residue (MiniLM embeddings; the model load is counted)."""
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
