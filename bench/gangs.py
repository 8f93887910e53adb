"""Gang detection end to end on synthetic worlds, against their ground truth, plus relation-query latency.

For each difficulty (easy, medium, hard) it loads that world and reports recovery (gang ARI and NMI),
drift precision/recall, ring-search precision in the top 10 and how the gangs' risk spreads (after
tagging, as ``make run`` screens it: distinct values, the share at 0.95 or more, its range; the world
plants no risk order among its gangs, so there is no truth to rank them against): the quality curves, so that a change
that helps one step and hurts another is seen. On the default (medium) world it also reports the time
of each stage (projection, communities, centrality, loops, write-back), 2- and 3-hop relation query
p50/p95 (60 start enterprises), and the NMI of the community step on LFR graphs for mu 0.1 … 0.5.
"""

from __future__ import annotations

import json
import statistics
import time
from collections import Counter
from pathlib import Path
from typing import Any

import igraph as ig
import leidenalg
import networkx as nx
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

from algorithms import drift, gangs, rings
from algorithms.relations import Scope, expand
from bench.common import bench_settings, scratch_store, world_dir
from graph.store import GraphStore
from ingest.loader import Loader
from ingest.synthetic import DEFAULT_DIFFICULTY, DIFFICULTIES
from tagging.engine import apply_all
from tagging.rules import load_hierarchy


def lfr_nmi() -> dict[str, float]:
    out = {}
    for mu in (0.1, 0.2, 0.3, 0.4, 0.5):
        graph = nx.LFR_benchmark_graph(
            1000, 3, 1.5, mu, average_degree=10, max_degree=50, min_community=20, max_community=80, seed=7
        )
        truth = {v: min(graph.nodes[v]["community"]) for v in graph}
        g = ig.Graph.from_networkx(graph)
        part = leidenalg.find_partition(g, leidenalg.CPMVertexPartition, resolution_parameter=0.05, seed=1)
        pred = {g.vs[v]["_nx_name"]: c for c, members in enumerate(part) for v in members}
        out[f"mu_{mu}"] = round(
            normalized_mutual_info_score([truth[v] for v in graph], [pred[v] for v in graph]), 3
        )
    return out


def quality(store: GraphStore, truth_doc: dict[str, Any], run: gangs.GangRun) -> dict[str, Any]:
    """Gang ARI/NMI, drift P/R and ring P@10 of a written-back run against the world's ground truth."""
    truth = {
        e: g["id"] for g in truth_doc["gangs"] for e in g["enterprises"] + g.get("drift_enterprises", [])
    }
    predicted = {m: i for i, g in enumerate(run.gangs) for m in g.members}
    ids = run.projection.ids if run.projection else []
    t = [truth.get(e, f"bg{e}") for e in ids]
    p = [predicted.get(e, f"p{e}") for e in ids]
    started = time.perf_counter()
    events = drift.scan_all(store)
    drift.write_back(store, events)
    drift_s = time.perf_counter() - started
    members = rings.gang_members(store)
    true_of = {gid: Counter(truth.get(m) for m in ms).most_common(1)[0][0] for gid, ms in members.items()}
    found = {(true_of[e.gang], e.kind, e.port) for e in events}
    wanted = {(d["gang"], d["kind"], d["port"]) for d in truth_doc["drift_events"]}
    template = {g["id"]: g["template"] for g in truth_doc["gangs"]}
    ring_hits, ring_total = 0, 0
    for gid in [g for g in members if true_of[g]][:20]:
        top = rings.search_like(store, gid, top=10)
        ring_hits += sum(1 for m in top if template.get(true_of[m.gang]) == template.get(true_of[gid]))
        ring_total += len(top)
    true_gangs = {g["id"] for g in truth_doc["gangs"]}
    named = {g["id"]: g["controller"] for g in truth_doc["gangs"] if "controller" in g}
    seen = {true_of[g.id]: set(g.controllers) for g in run.gangs if true_of.get(g.id) in named}
    return {
        "ari": round(adjusted_rand_score(t, p), 4),
        "nmi": round(normalized_mutual_info_score(t, p), 4),
        "planted_gangs": len(true_gangs),
        "found_gangs": len(run.gangs),
        "recovered_gangs": len(true_gangs & {g for g in true_of.values() if g}),
        "false_gangs": sum(1 for g in true_of.values() if g is None),
        "drift_scan_s": round(drift_s, 2),
        "drift_recall": round(len(found & wanted) / max(len(wanted), 1), 3),
        "drift_precision": round(len(found & wanted) / max(len(found), 1), 3),
        "ring_precision_at_10": round(ring_hits / max(ring_total, 1), 3),
        "controller_recall": round(sum(named[g] in seen.get(g, set()) for g in named) / len(named), 3)
        if named
        else None,
    }


def risk_spread(run: gangs.GangRun) -> dict[str, Any]:
    """How the screened risk spreads over the gangs found."""
    scores = [g.risk for g in run.gangs]
    if not scores:
        return {"risk_gangs": 0}
    return {
        "risk_gangs": len(scores),
        "risk_distinct": len(set(scores)),
        "risk_share_at_least_0_95": round(sum(s >= 0.95 for s in scores) / len(scores), 3),
        "risk_min": min(scores),
        "risk_median": round(statistics.median(scores), 3),
        "risk_max": max(scores),
    }


def detect_on(store: GraphStore, world: Path) -> tuple[gangs.GangRun, dict[str, Any], float]:
    started = time.perf_counter()
    run = gangs.detect(store)
    summary = gangs.write_back(store, run)
    return run, summary, time.perf_counter() - started


def latency(store: GraphStore, ids: list[str]) -> dict[str, float]:
    seeds = [e for e in ids[:: max(1, len(ids) // 60)]][:60]
    times: dict[str, list[float]] = {"2": [], "3": []}
    for depth in (2, 3):
        for seed in seeds:
            tick = time.perf_counter()
            expand(store, [("Enterprise", seed)], Scope(depth=depth, max_nodes=500), unit="*")
            times[str(depth)].append((time.perf_counter() - tick) * 1000)

    def pct(values: list[float], q: float) -> float:
        return round(statistics.quantiles(values, n=100)[int(q) - 1], 1) if len(values) > 1 else 0.0

    return {f"hop{d}_p{q}_ms": pct(times[d], q) for d in ("2", "3") for q in (50, 95)}


def run(scale: str = "large") -> dict[str, Any]:
    curves: dict[str, dict[str, Any]] = {}
    out: dict[str, Any] = {"benchmark": "gangs", "scale": scale, "difficulty": DEFAULT_DIFFICULTY}
    for difficulty in DIFFICULTIES:
        world = world_dir(scale, difficulty=difficulty)
        truth_doc = json.loads((world / "ground_truth.json").read_text(encoding="utf-8"))
        store = scratch_store("bench_gangs")
        Loader(store, bench_settings("bench_gangs"), progress=True).load_dir(world)
        apply_all(store, load_hierarchy())  # the risk screens the members' tags, as `make run` has them
        result, summary, total = detect_on(store, world)
        curves[difficulty] = {**quality(store, truth_doc, result), **risk_spread(result)}
        if difficulty == DEFAULT_DIFFICULTY:
            ids = result.projection.ids if result.projection else []
            out.update(
                {
                    "enterprises": len(ids),
                    "edges": result.projection.graph.ecount() if result.projection else 0,
                    **summary,
                    "gang_detection_s": round(total, 2),
                    **curves[difficulty],
                    **latency(store, ids),
                }
            )
        store.clear()
        store.close()
    out["curves"] = curves
    out["lfr_nmi"] = lfr_nmi()
    return out
