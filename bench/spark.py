"""The batch paths on Spark beside their in-process counterparts, on the same data in the same run:
entity resolution (generated person records, DuckDB vs Splink on Spark), the companion scan (a day of
trucks at one point per 30 s, DuckDB vs Spark SQL over the store's Parquet) and batch scoring (the
world's declarations, ``score_frame`` in this process vs the export and its scoring with mapInPandas;
scores, levels and expected duty compared). Each pair reports both wall times, their ratio (Spark over
in-process: above 1 is slower on Spark) and whether the results agree. Spark runs on
``TIANJI_SPARK_MASTER``; its start-up is reported apart. On ``local[N]`` the ratio says what Spark's
overhead costs on one machine; the speed-up comes from the executors of a cluster."""

from __future__ import annotations

import json
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from bench import people
from bench.common import bench_settings, scratch_store, world_dir
from ingest.loader import Loader
from ingest.resolution import link, pairwise
from scoring import features as F
from scoring.batch import export_features, score_parquet
from scoring.model import train
from scoring.service import score_frame
from tianji.core.settings import Settings, get_settings
from tianji.core.spark import spark_session
from tracks.analysis import companions, groups
from tracks.spark_scans import companions as spark_companions
from tracks.store import TrackStore
from tracks.synthetic import generate

PEOPLE = {"small": 2_000, "medium": 20_000, "large": 200_000}
TRUCKS = {"small": 300, "medium": 2_000, "large": 2_000}
EXACT_U_PAIRS = 250_000_000  # every pair of up to about 22,000 records
SAMPLED_U_PAIRS = 5_000_000
LARGE_DRIVER_MEMORY = "8g"


def _timed(work: Callable[[], Any]) -> tuple[Any, float]:
    started = time.perf_counter()
    out = work()
    return out, round(time.perf_counter() - started, 4)


def _pair(name: str, local_s: float, spark_s: float, same: bool) -> dict[str, Any]:
    return {
        f"{name}_inprocess_s": local_s,
        f"{name}_spark_s": spark_s,
        f"{name}_spark_ratio": round(spark_s / max(local_s, 1e-4), 1),
        f"{name}_same": bool(same),
    }


def resolution(spark: Any, n: int) -> dict[str, Any]:
    """Both backends on the same records. Where every pair fits in the u estimate (small and medium), both
    estimate the same model and must give the same clusters; beyond that u is sampled, each backend draws
    its own sample, and the two are compared by their F1 against the truth."""
    records, truth = people.generate(n)
    every_pair = n * (n - 1) // 2 + 1
    exact = every_pair <= EXACT_U_PAIRS
    chosen = people.config().model_copy(update={"u_max_pairs": every_pair if exact else SAMPLED_U_PAIRS})
    local, local_s = _timed(lambda: link(records, chosen))
    local_f1 = pairwise(local.clusters, truth)["f1"]
    out: dict[str, Any] = {
        "resolution_records": n,
        "resolution_u_pairs": "every pair" if exact else SAMPLED_U_PAIRS,
        "resolution_f1": local_f1,
        "resolution_inprocess_s": local_s,
    }
    print(json.dumps(out), flush=True)
    try:
        remote, spark_s = _timed(lambda: link(records, chosen, backend="spark", spark=spark))
    except Exception as exc:  # the run's figure: on local[N] the driver's heap is the whole job's
        return out | {"resolution_spark_error": f"{type(exc).__name__}: {str(exc).splitlines()[0][:300]}"}
    spark_f1 = pairwise(remote.clusters, truth)["f1"]
    same = remote.clusters == local.clusters if exact else abs(local_f1 - spark_f1) <= 0.005
    return out | {"resolution_spark_f1": spark_f1} | _pair("resolution", local_s, spark_s, same)


def companion_scan(spark: Any, vehicles: int, folder: Path) -> dict[str, Any]:
    plates = [f"粤B{i:05d}" for i in range(vehicles)]
    points, _ = generate(plates, groups=[plates[i : i + 3] for i in range(0, 30, 3)], interval_s=30)
    store = TrackStore(Settings(data_dir=folder))
    store.ingest(points)
    local, local_s = _timed(lambda: companions(store))
    remote, spark_s = _timed(lambda: spark_companions(spark, str(store.root)))
    out = {"companion_points": len(points), "companion_pairs": len(local)}
    return out | _pair("companions", local_s, spark_s, groups(remote) == groups(local))


def scoring(spark: Any, scale: str, folder: Path) -> dict[str, Any]:
    """``score_frame`` (features, model, expert rules, levels and the SHAP reasons of levels 3–5) against
    the export and its scoring on Spark, from the same declarations to the same figures."""
    store = scratch_store("bench_spark")
    Loader(store, bench_settings("bench_spark"), progress=False).load_dir(world_dir(scale))
    frame = F.load_declarations(store)
    trained = train(store, frame, split_date=str(frame["date"].quantile(0.75).date()), iterations=200)
    local, local_s = _timed(lambda: score_frame(store, trained, frame))
    export = folder / "declarations"
    _, export_s = _timed(lambda: export_features(store, trained, frame, str(export)))
    remote, spark_s = _timed(lambda: score_parquet(spark, trained, str(export)).toPandas())
    store.clear()
    store.close()
    both = local.merge(remote, on="entry_no", suffixes=("", "_spark"), validate="one_to_one")
    worst = float((both["score"] - both["score_spark"]).abs().max()) if len(both) == len(local) else 1.0
    same = (
        len(both) == len(local) == len(remote)
        and worst <= 1e-6
        and bool((both["level"] == both["level_spark"]).all())
        and bool(np.allclose(both["expected_duty"], both["expected_duty_spark"], rtol=1e-6, atol=1e-6))
    )
    out = {
        "scoring_declarations": len(frame),
        "scoring_lifted_by_rules": int(local["rules"].map(len).gt(0).sum()),
        "scoring_export_s": export_s,
        "scoring_worst_diff": worst,
    }
    return out | _pair("scoring", local_s, round(export_s + spark_s, 4), same)


def run(scale: str = "medium") -> dict[str, Any]:
    settings = get_settings()
    if scale == "large" and "TIANJI_SPARK_DRIVER_MEMORY" not in os.environ:
        # Splink's EM over the large world's record pairs needs more than the default heap (1g ran out)
        settings = settings.model_copy(update={"spark_driver_memory": LARGE_DRIVER_MEMORY})
    out: dict[str, Any] = {
        "benchmark": "spark",
        "scale": scale,
        "spark_master": settings.spark_master,
        "spark_driver_memory": settings.spark_driver_memory,
    }
    spark, out["spark_start_s"] = _timed(lambda: spark_session(settings))
    with tempfile.TemporaryDirectory() as tmp:
        parts: list[tuple[str, Callable[[], dict[str, Any]]]] = [
            ("companion scan", lambda: companion_scan(spark, TRUCKS[scale], Path(tmp) / "tracks")),
            ("batch scoring", lambda: scoring(spark, scale, Path(tmp) / "scoring")),
            ("entity resolution", lambda: resolution(spark, PEOPLE[scale])),
        ]
        for number, (name, part) in enumerate(parts, 1):
            print(f"part {number}/{len(parts)}: {name}", flush=True)
            figures = part()
            print(json.dumps(figures), flush=True)  # kept in the log should a later part fail
            out |= figures
    return out
