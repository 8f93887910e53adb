"""``link(records, config) -> Resolution``: Fellegi–Sunter linkage over every field, with Splink on DuckDB
(in this process) or on Spark (``backend="spark"``: the same configuration, comparisons and rules, for
volumes one process does not hold; ``ingest.resolution.backends``).

1. Prepare (``ingest.resolution.prepare``): clean each field for its kind, set generic values aside, key
   each blocking rule (keys shared by more than ``max_block`` records propose nothing).
2. Train, without labels (``ingest.resolution.training``): where a strong key names subjects, the prior,
   the u of exact agreements, the term frequencies and a first m are counted over those subjects (the
   key's records are free labels); else the prior from pairs agreeing on two fields at once; u by random
   sampling, m by expectation maximisation over each training rule (a field is estimated in the passes
   that do not block on it). The trained model is saved under the run's fingerprint (configuration and
   input, the strong key included): a run started again on the same input reuses it.
3. Predict over the union of the blocking rules; every pair above ``possible`` is kept with its waterfall.
4. Cluster (``ingest.resolution.clusters``): must-links first, then accepted pairs by falling probability,
   refusing black holes (size, far names, different strong keys, a reviewer's cannot-link); a refused pair
   goes to review, and so does a record without a strong key that matches clusters holding different
   strong keys about as well (``_ambiguous``). Pairs between ``review`` and ``accept`` are reviewed, between ``possible`` and
   ``review`` only "possibly the same": neither ever merges on its own.
5. Contradictions (``ingest.resolution.contradictions``): strong matches that say two records a reviewer
   decided differ are one subject are listed in ``result.contradictions``, never merged.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd
from rapidfuzz import fuzz
from splink import Linker

from ingest.resolution.backends import Backend, scratch
from ingest.resolution.clusters import Clusters, constraints
from ingest.resolution.config import LinkageConfig
from ingest.resolution.contradictions import contradictions
from ingest.resolution.explain import level_labels, waterfall
from ingest.resolution.pairs import Pair, Resolution
from ingest.resolution.prepare import ID, Prepared, prepare
from ingest.resolution.training import open_linker, register_frequencies, train

METHOD = "fellegi-sunter"
for _name in ("splink", "splink.internals"):
    logging.getLogger(_name).setLevel(logging.ERROR)


def _load(path: Path | None) -> dict[str, Any] | None:
    if path is None or not path.exists():
        return None
    try:
        return dict(json.loads(path.read_text(encoding="utf-8")))
    except json.JSONDecodeError:
        return None  # a file cut short: the model is trained again


def link(
    records: list[dict[str, Any]] | pd.DataFrame,
    config: LinkageConfig,
    *,
    must_link: Iterable[tuple[str, str]] = (),
    cannot_link: Iterable[tuple[str, str]] = (),
    checkpoint: Path | None = None,
    backend: Backend = "duckdb",
    spark: Any = None,
) -> Resolution:
    """Cluster ``records`` into subjects; see the module docstring for the steps. ``spark``: the session
    of the spark backend (``tianji.core.spark.spark_session``)."""
    prepared = prepare(records, config)
    table = prepared.table
    ids = table[ID].astype(str).tolist()
    keys = {}
    if config.strong_key:
        held = table[table[config.strong_key].notna()]
        keys = dict(zip(held[ID].astype(str), held[config.strong_key].astype(str), strict=True))
    cannot_link = list(cannot_link)
    clusters = Clusters(ids, constraints(cannot_link), keys)
    result = Resolution(clusters={}, unresolved=prepared.unresolved)
    result.notes = {
        "generic": prepared.generic,
        "dropped_block_keys": prepared.dropped_keys,
        "placeholder_keys": prepared.placeholder_keys,
    }
    known = set(ids)
    refused_must = []
    for a, b in must_link:
        if a in known and b in known and not clusters.union(a, b, config.max_cluster * 10):
            refused_must.append((a, b))
    result.pairs += _strong_pairs(keys, clusters, config)
    effective = _effective(config, prepared, result)
    if (
        effective is not None
        and len(table) >= 2
        and (not effective.source_field or len(prepared.sources) >= 2)
    ):
        with scratch(spark if backend == "spark" else None):
            _predict(prepared, effective, clusters, result, checkpoint, backend, spark)
    result.contradictions = contradictions(
        result.pairs, clusters, cannot_link, config.accept, refused_must, keys
    )
    result.clusters = {i: clusters.find(i) for i in ids}
    return result


def _predict(
    prepared: Prepared,
    effective: LinkageConfig,
    clusters: Clusters,
    result: Resolution,
    checkpoint: Path | None,
    backend: Backend,
    spark: Any,
) -> None:
    """Train (or reuse the saved model), predict and decide every pair above ``possible``."""
    table = prepared.table
    # the strong key is input too: the prior, u and m are counted over the subjects it names
    trained_on = [ID, *(f.column for f in effective.fields)]
    if effective.strong_key and effective.strong_key not in trained_on:
        trained_on.append(effective.strong_key)
    digest = pd.util.hash_pandas_object(table[trained_on], index=False)
    # a trained model holds SQL in its backend's dialect: each backend keeps its own checkpoint
    fingerprint = effective.fingerprint(extra=[str(int(digest.sum())), backend])
    path = checkpoint / f"model-{fingerprint}.json" if checkpoint else None
    model = _load(path)
    if model is None:
        model, result.notes["training_rules_skipped"] = train(prepared, effective, backend, spark)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(model), encoding="utf-8")
    linker = open_linker(prepared, effective, model, 0.0, backend, spark)
    register_frequencies(linker, prepared, effective)
    version = hashlib.sha256(json.dumps(model, sort_keys=True).encode()).hexdigest()[:12]
    result.notes["model_version"] = version
    result.notes["prior"] = model["probability_two_random_records_match"]
    result.notes["backend"] = backend
    predicted = linker.inference.predict(threshold_match_probability=effective.possible).as_pandas_dataframe()
    result.pairs += _decide(predicted, effective, linker, model, prepared, clusters, version, result)


def _effective(config: LinkageConfig, prepared: Prepared, result: Resolution) -> LinkageConfig | None:
    """The configuration less the fields that hold no value in this input (and the blocking and training
    rules that use them); None when nothing is left to compare or to block on."""
    table = prepared.table
    empty = {f.column for f in config.fields if f.column not in table or table[f.column].isna().all()}
    if not empty:
        return config
    result.notes["fields_without_values"] = sorted(empty)
    fields = tuple(f for f in config.fields if f.column not in empty)
    usable = [i for i, rule in enumerate(config.blocking) if not {k.column for k in rule} & empty]
    training = tuple(rule for rule in config.training if not {k.column for k in rule} & empty)
    if not fields or not usable:
        return None
    for i in range(len(config.blocking)):
        if i not in usable:
            table[f"_bk{i}"] = pd.NA
    return config.model_copy(update={"fields": fields, "training": training})


def _strong_pairs(keys: dict[str, str], clusters: Clusters, config: LinkageConfig) -> list[Pair]:
    first: dict[str, str] = {}
    out = []
    for rid, value in keys.items():
        if value in first:
            steps: list[dict[str, Any]] = [
                {"field": config.strong_key, "level": "same strong key", "weight": 99.0}
            ]
            reason = clusters.why_not(first[value], rid, config.max_cluster * 10)
            if reason is None:
                clusters.union(first[value], rid, config.max_cluster * 10)
            else:  # a reviewer said they differ, though they share the key
                steps.append({"field": "clustering", "level": f"merge refused: {reason}", "weight": 0.0})
            decision = "accept" if reason is None else "review"
            out.append(Pair(first[value], rid, 1.0, {"strong_key": 1.0}, "strong_key", decision, steps))
        else:
            first[value] = rid
    return out


def _decide(
    predicted: pd.DataFrame,
    config: LinkageConfig,
    linker: Linker,
    model: dict[str, Any],
    prepared: Prepared,
    clusters: Clusters,
    version: str,
    result: Resolution,
) -> list[Pair]:
    labels = level_labels(linker)
    prior = float(model["probability_two_random_records_match"])
    label_of = _labels(prepared, config)
    out = []
    predicted = predicted.sort_values("match_probability", ascending=False)
    ambiguous = _ambiguous(predicted, clusters, config.accept, config.ambiguity_margin)
    for row in predicted.itertuples(index=False):
        a, b = sorted((str(row.unique_id_l), str(row.unique_id_r)))
        features, steps = waterfall(row, config, labels, prepared, prior)
        probability = round(float(row.match_probability), 4)
        decision = (
            "accept"
            if probability >= config.accept
            else "review"
            if probability >= config.review
            else "possible"
        )
        if decision == "accept":
            reason = (
                clusters.why_not(a, b, config.max_cluster)
                or ambiguous.get(a)
                or ambiguous.get(b)
                or _far(clusters, a, b, label_of, config.far_names)
            )
            if reason is None:
                clusters.union(a, b, config.max_cluster)
            else:
                decision = "review"
                result.refused_merges += 1
                steps.append({"field": "clustering", "level": f"merge refused: {reason}", "weight": 0.0})
        pair = Pair(a, b, probability, features, f"{METHOD}:{version}", decision, steps)
        out.append(pair)
    return out


def _labels(prepared: Prepared, config: LinkageConfig) -> dict[str, str]:
    """Each record's names (every name field) as one string, for the far-names guard."""
    columns = [f.column for f in config.fields if f.kind.value == "name"]
    if not columns:
        return {}
    joined = prepared.table[columns[0]].fillna("")
    for column in columns[1:]:
        joined = joined + " " + prepared.table[column].fillna("")
    joined = joined.str.strip()
    return dict(zip(prepared.table[ID].astype(str), joined, strict=True))


def _far(clusters: Clusters, a: str, b: str, label_of: dict[str, str], limit: float) -> str | None:
    """Two clusters (not single records) none of whose names come near each other do not join: the chain
    that would make a black hole. Up to five names of each cluster are compared, words in any order."""
    ra, rb = clusters.find(a), clusters.find(b)
    if ra == rb or not label_of or (len(clusters.members[ra]) == 1 and len(clusters.members[rb]) == 1):
        return None
    names_a = [n for n in (label_of.get(m, "") for m in clusters.members[ra][:5]) if n]
    names_b = [n for n in (label_of.get(m, "") for m in clusters.members[rb][:5]) if n]
    if not names_a or not names_b:
        return None
    best = max(fuzz.token_set_ratio(x, y) for x in names_a for y in names_b) / 100
    return "the clusters' names are far apart" if best < limit else None


def _ambiguous(predicted: pd.DataFrame, clusters: Clusters, accept: float, margin: float) -> dict[str, str]:
    """Records without a strong key whose accepted matches lead to clusters holding different strong keys,
    none ahead of the others by ``margin`` bits of match weight (a truck without its VIN that matches two
    of one owner's identical trucks): record -> the reason it joins none of them on its own."""
    best: dict[str, dict[str, float]] = {}
    strong = predicted[predicted["match_probability"] >= accept]
    for left, right, weight in zip(
        strong["unique_id_l"].astype(str),
        strong["unique_id_r"].astype(str),
        strong["match_weight"],
        strict=True,
    ):
        for record, partner in ((left, right), (right, left)):
            if clusters.keys.get(clusters.find(record)):
                continue
            held = clusters.keys.get(clusters.find(partner), set())
            if len(held) == 1:
                key = next(iter(held))
                mine = best.setdefault(record, {})
                mine[key] = max(mine.get(key, float("-inf")), float(weight))
    out = {}
    for record, weights in best.items():
        if len(weights) > 1:
            first, second = sorted(weights.values(), reverse=True)[:2]
            if first - second < margin:
                out[record] = (
                    f"it matches {len(weights)} subjects holding different strong keys about as well"
                )
    return out
