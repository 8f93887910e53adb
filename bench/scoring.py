"""Scoring: the project's model (with its guard against falling below a plain model) beside a plain CatBoost on the source's raw columns (same split, same
inspected declarations, same validation period and early stopping: AUC, precision and recall at 5, 10 and
20 %, and their ratios), on the demo world or, with ``--source DIR --mappings M``, on any administration's
export loaded by its mappings alone. On the demo world also: training time, AUC and precision at 5 and 10 % with and without graph features, planted-risk
recall and precision at a 5 % inspection rate of every later declaration, batch rows/s over the whole world
(and over the recent quarter with its past) against CatBoost's raw predict on a prepared Pool of the same
rows (the ceiling), and the store-free single-declaration latency. On both: simulated weeks of inspection
selection with and without exploration (``scoring/simulation.py``: each week's precision, and the next
model's AUC on an honest sample), on the demo world with its planted risk as the truth, on an export whose
every declaration was inspected with its own outcomes."""

from __future__ import annotations

import json
import statistics
import time
from pathlib import Path
from typing import Any

import numpy as np
from catboost import CatBoostClassifier, Pool

from algorithms.service import run_gangs
from bench.common import bench_settings, scratch_store, world_dir
from graph.store import GraphStore
from ingest.loader import Loader
from ingest.mapping import Mapping, load_mappings
from scoring import features as F
from scoring.baseline import plain_model, raw_columns
from scoring.indicators import Indicator
from scoring.model import ModelError, matrix, train
from scoring.service import score_frame, score_one
from scoring.simulation import simulate
from tagging.engine import apply_all
from tagging.rules import load_hierarchy

WEEKS = 6  # simulated weeks of inspection selection
COMPARED = ("auc", "precision@5%", "recall@5%", "precision@10%", "recall@10%", "precision@20%", "recall@20%")


def code_lists(mappings: list[Mapping]) -> Path | None:
    """The indicator code lists shipped beside the mappings, if any."""
    folders = {m.path.parent for m in mappings if m.path is not None}
    lists = [f / "indicators" / "code_lists.yaml" for f in folders]
    return next((f for f in sorted(lists) if f.exists()), None)


def world_truth(frame: Any, risky: set[str], seed: int = 5) -> Any:
    """What inspecting each demo-world declaration would find: its outcome where the world inspected it,
    elsewhere drawn with the hit rates the world's own inspections show, among its inspected planted-risk
    declarations and among its other inspected ones (estimated from the data, not the generator's
    settings)."""

    rng = np.random.default_rng(seed)
    planted = frame["entry_no"].isin(risky).to_numpy()
    inspected = frame["inspected"].to_numpy().astype(bool)
    hits = frame["hit"].to_numpy().astype(float)

    def rate(group: Any) -> float:
        seen = inspected & group
        return float(hits[seen].mean()) if seen.any() else 0.0

    drawn = rng.random(len(frame)) < np.where(planted, rate(planted), rate(~planted))
    return np.where(inspected, frame["hit"].to_numpy(), drawn).astype(int)


def weeks(store: GraphStore, frame: Any, truth: Any, split: str, lists: Path | None = None) -> dict[str, Any]:
    """Simulated weeks from the split date, with and without exploration, over two seeds."""
    started = time.perf_counter()
    try:
        out = simulate(store, frame, truth, start=split, weeks=WEEKS, seeds=(7, 8), code_lists=lists)
    except ModelError as exc:  # a source too small for the first model: said, not crashed on
        return {"skipped": str(exc)}
    ours, exploit = out["explore"], out["exploit_only"]
    out["ratio"] = {
        "precision": round(ours["precision"] / exploit["precision"], 3) if exploit["precision"] else None,
        "next_auc": round(ours["next_auc"] / exploit["next_auc"], 3),
    }
    out["simulation_s"] = round(time.perf_counter() - started, 1)
    return out


def side_by_side(
    store: GraphStore, frame: Any, split: str, directory: Path, mappings: list[Mapping]
) -> dict[str, Any]:
    """The project's model and a plain CatBoost on the raw columns, trained and evaluated on one split."""
    started = time.perf_counter()
    ours = train(store, frame, split_date=split, graph=True, code_lists=code_lists(mappings)).meta
    ours_s = round(time.perf_counter() - started, 1)
    started = time.perf_counter()
    plain = plain_model(frame, raw_columns(directory, mappings), split_date=split)
    plain_s = round(time.perf_counter() - started, 1)
    metrics = ours["metrics"]
    out: dict[str, Any] = {
        "split_date": split,
        "train_rows": metrics["train_rows"],
        "test_rows": metrics["test_rows"],
        "project": {k: metrics.get(k) for k in COMPARED} | {"trees": metrics.get("trees"), "train_s": ours_s},
        "plain": {k: plain.get(k) for k in COMPARED} | {"trees": plain.get("trees"), "train_s": plain_s},
        "project_features": len(ours["features"]),
        "plain_features": len(plain["features"]),
        "omitted": ours["omitted"],
    }
    out["guard"] = metrics.get("guard")
    out["ratio"] = {
        k: round(metrics[k] / plain[k], 3) if metrics.get(k) is not None and plain.get(k) else None
        for k in COMPARED
    }
    return out


def run(scale: str = "medium", source: str | None = None, mappings: str | None = None) -> dict[str, Any]:
    """On the demo world of ``scale``; or, with ``source`` (a folder) and ``mappings`` (its mapping folder;
    default the shipped mappings), the side-by-side comparison on that export alone."""
    if source is not None:
        return run_source(Path(source), Path(mappings) if mappings else None)
    world = world_dir(scale)
    store = scratch_store("bench_scoring")
    settings = bench_settings("bench_scoring")
    Loader(store, settings, progress=True).load_dir(world)
    apply_all(store, load_hierarchy())
    run_gangs(store, settings)
    frame = F.load_declarations(store)
    split = str(frame["date"].quantile(0.75).date())
    comparison = side_by_side(store, frame, split, world, load_mappings(ontology=store.ontology))
    risky = {
        r["entry_no"] for r in json.loads((world / "ground_truth.json").read_text())["risky_declarations"]
    }
    out: dict[str, Any] = {"benchmark": "scoring", "scale": scale, "declarations": len(frame)}
    out["side_by_side"] = comparison
    out["exploration"] = weeks(store, frame, world_truth(frame, risky), split)
    for graph in (False, True):
        started = time.perf_counter()
        trained = train(store, frame, split_date=split, graph=graph, iterations=300)
        tag = "graph" if graph else "no_graph"
        out[f"train_s_{tag}"] = round(time.perf_counter() - started, 1)
        out[f"auc_{tag}"] = trained.meta["metrics"].get("auc")
        out[f"precision@5%_{tag}"] = trained.meta["metrics"].get("precision@5%")
        out[f"precision@10%_{tag}"] = trained.meta["metrics"].get("precision@10%")
        later = frame[frame["date"] >= split].reset_index(drop=True)
        started = time.perf_counter()
        scored = score_frame(store, trained, later, past=frame)
        out[f"recent_rows_per_s_{tag}"] = round(len(later) / (time.perf_counter() - started))
        started = time.perf_counter()
        score_frame(store, trained, frame)
        out[f"batch_rows_per_s_{tag}"] = round(len(frame) / (time.perf_counter() - started))
        # an inspection rate of 5 % of every later declaration, judged against what the world planted
        top = set(scored.nlargest(max(1, len(scored) // 20), "score")["entry_no"])
        planted = risky & set(later["entry_no"])
        out[f"planted_recall@5%_{tag}"] = round(len(top & planted) / max(len(planted), 1), 4)
        out[f"planted_precision@5%_{tag}"] = round(len(top & planted) / max(len(top), 1), 4)

    indicators = [Indicator.model_validate(i) for i in trained.meta["indicators"]]
    X = matrix(frame, store, trained.meta["norms"], graph=True, indicators=indicators)[
        trained.meta["features"]
    ]
    pool = Pool(X, cat_features=trained.meta["categorical"])
    started = time.perf_counter()
    trained.model.predict_proba(pool)
    out["raw_predict_rows_per_s"] = round(len(X) / (time.perf_counter() - started))
    out["batch_ratio_to_raw"] = round(out["batch_rows_per_s_graph"] / out["raw_predict_rows_per_s"], 3)
    sample = later.head(200).to_dict("records")
    fields = (
        "hs_code",
        "origin",
        "port",
        "trade_mode",
        "transport",
        "consignee",
        "value_usd",
        "weight_kg",
        "quantity",
        "duty_rate",
    )
    for explain, name in ((True, "single_explained"), (False, "single")):
        latencies = []
        for row in sample:
            tick = time.perf_counter()
            score_one(trained, {k: row[k] for k in fields}, explain=explain)
            latencies.append((time.perf_counter() - tick) * 1000)
        out[f"{name}_p50_ms"] = round(statistics.median(latencies), 2)
        out[f"{name}_p99_ms"] = round(statistics.quantiles(latencies, n=100)[98], 2)
    out |= train_at_scale(store, frame, trained, split)
    store.clear()
    store.close()
    return out


def run_source(directory: Path, mapping_dir: Path | None) -> dict[str, Any]:
    """Load ``directory`` by its mappings into a scratch graph, run the graph analyses, compare the models."""
    store = scratch_store("bench_scoring_source")
    settings = bench_settings("bench_scoring_source")
    mappings = (
        load_mappings(mapping_dir, store.ontology) if mapping_dir else load_mappings(ontology=store.ontology)
    )
    run = Loader(store, settings, progress=True).load_dir(directory, mappings)
    run_gangs(store, settings)
    frame = F.load_declarations(store)
    split = str(frame["date"].quantile(0.75).date())
    out: dict[str, Any] = {
        "benchmark": "scoring",
        "source": str(directory),
        "declarations": len(frame),
        "loaded": run.loaded,
        "quarantined": run.quarantined,
        "side_by_side": side_by_side(store, frame, split, directory, mappings),
    }
    if frame["inspected"].all():  # every outcome known: the truth the simulated weeks reveal bit by bit
        out["exploration"] = weeks(store, frame, frame["hit"].to_numpy(), split, code_lists(mappings))
    store.clear()
    store.close()
    return out


def train_at_scale(store: Any, frame: Any, trained: Any, split: str, rows: int = 1_000_000) -> dict[str, Any]:
    """Training time at 1M declarations: the world's feature rows resampled to 1M with jittered numbers
    (the same features, categoricals and settings as a real training run)."""

    indicators = [Indicator.model_validate(i) for i in trained.meta["indicators"]]
    X = matrix(frame, store, trained.meta["norms"], graph=True, indicators=indicators)[
        trained.meta["features"]
    ]
    labelled = frame["inspected"].to_numpy()
    rng = np.random.default_rng(3)
    pick = rng.choice(np.flatnonzero(labelled), rows)
    big = X.iloc[pick].reset_index(drop=True)
    for column in big.columns:
        if column not in trained.meta["categorical"] and big[column].dtype.kind == "f":
            big[column] = big[column] * rng.normal(1, 0.02, rows)
    y = frame["hit"].to_numpy()[pick]
    model = CatBoostClassifier(
        iterations=300,
        depth=6,
        learning_rate=0.08,
        random_seed=7,
        verbose=False,
        auto_class_weights="Balanced",
        thread_count=2,
        allow_writing_files=False,
    )
    started = time.perf_counter()
    model.fit(Pool(big, y, cat_features=trained.meta["categorical"]))
    return {"train_rows_1m": rows, "train_s_1m": round(time.perf_counter() - started, 1)}
