"""Batch scoring over Parquet: declarations' features exported, then scored on Spark with the model.

1. ``export_features`` writes what the model reads of every declaration (its features, computed as the
   in-process path computes them: ``scoring.service.feature_matrix``) as Parquet partitioned by month
   (``month=YYYY-MM/``), with the entry number and date.
2. ``score_parquet`` reads such an export on Spark and scores it with ``mapInPandas``: the model's
   CatBoost file is broadcast once, loaded once per partition, and each Arrow batch is scored as the
   in-process path scores a frame. The result is entry number, score, level and expected duty, the
   in-process figures (held equal by a test); the SHAP reasons, costly, stay with the in-process path.

On a cluster the export and the scores are paths every executor reaches, and the executors need
``catboost`` (docs/scale.md).
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from graph.store import GraphStore
from scoring.model import Trained
from scoring.service import feature_matrix

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

KEYS = ["entry_no", "date"]
SCORES = "entry_no string, score double, level int, expected_duty double"


def export_columns(trained: Trained) -> list[str]:
    """The model's features, and the duty at stake that the expected duty needs."""
    cols = list(trained.meta["features"])
    return cols if "duty_at_stake" in cols else [*cols, "duty_at_stake"]


def export_features(
    store: GraphStore,
    trained: Trained,
    frame: pd.DataFrame,
    folder: Path,
    *,
    past: pd.DataFrame | None = None,
) -> int:
    """Write the features of the declarations of ``frame`` under ``folder`` (replacing an earlier export);
    the number of rows written."""
    X, frame = feature_matrix(store, trained, frame, past=past)
    table = X[export_columns(trained)].copy()
    table.insert(0, "entry_no", frame["entry_no"].astype(str).to_numpy())
    table.insert(1, "date", pd.to_datetime(frame["date"]).to_numpy())
    table["month"] = pd.to_datetime(frame["date"]).dt.strftime("%Y-%m").to_numpy()
    pq.write_to_dataset(
        pa.Table.from_pandas(table, preserve_index=False),
        str(folder),
        partition_cols=["month"],
        existing_data_behavior="delete_matching",
    )
    return len(table)


def model_bytes(trained: Trained) -> bytes:
    """The model in CatBoost's native format, as the bytes a broadcast carries."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "model.cbm"
        trained.model.save_model(str(path))
        return path.read_bytes()


def score_parquet(spark: SparkSession, trained: Trained, features: str) -> DataFrame:
    """The scores of every declaration in the export at ``features`` (a Spark DataFrame, lazy)."""
    blob = spark.sparkContext.broadcast(model_bytes(trained))
    cols = list(trained.meta["features"])
    cats = list(trained.meta["categorical"])
    thresholds = np.asarray(trained.meta["levels"], dtype=float)

    # defined here so that Spark ships it by value: an executor needs catboost, not this package
    def score(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        from catboost import CatBoostClassifier, Pool

        model = CatBoostClassifier()
        model.load_model(blob=blob.value)
        for batch in batches:
            if batch.empty:
                continue
            scores = model.predict_proba(Pool(batch[cols], cat_features=cats))[:, 1]
            stake = np.expm1(batch["duty_at_stake"].astype(float).fillna(0).to_numpy())
            yield pd.DataFrame(
                {
                    "entry_no": batch["entry_no"].astype(str).to_numpy(),
                    "score": scores,
                    "level": (1 + np.searchsorted(thresholds, scores, side="right")).astype("int32"),
                    "expected_duty": scores * stake,
                }
            )

    frame = spark.read.parquet(features).select("entry_no", *export_columns(trained))
    return frame.mapInPandas(score, SCORES)


def score_batch(spark: SparkSession, trained: Trained, features: str, out: str) -> dict[str, Any]:
    """Score the export at ``features`` and write the scores as Parquet at ``out``; counts per level."""
    scored = score_parquet(spark, trained, features)
    scored.write.mode("overwrite").parquet(out)
    counts = spark.read.parquet(out).groupBy("level").count().collect()
    by_level = {int(r["level"]): int(r["count"]) for r in counts}
    return {
        "scored": sum(by_level.values()),
        "levels": dict(sorted(by_level.items())),
        "version": trained.meta["version"],
        "scores": out,
    }
