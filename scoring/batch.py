"""Batch scoring over Parquet: declarations' features exported, then scored on Spark with the model.

1. ``export_features`` writes what the model reads of every declaration (its features, computed as the
   in-process path computes them: ``scoring.service.feature_matrix``, the expert rules' indicators and
   the duty at stake) as Parquet partitioned by month (``month=YYYY-MM/``), with the entry number and
   date, in place of any earlier export in that folder.
2. ``score_parquet`` reads such an export on Spark and scores it with ``mapInPandas``: the model's
   CatBoost file is broadcast once, loaded once per partition, and each Arrow batch is scored and
   finished (the expert rules' lift, the level, the expected duty) by ``scoring.finish.finish``, the
   function the in-process path finishes with. The result is entry number, score, level and expected
   duty, the in-process figures (held equal by a test); the SHAP reasons, costly, stay with the
   in-process path.

The folders are local paths or URIs (``file://``, ``hdfs://``, ``s3a://``): on a cluster, paths every
executor reaches; the executors need ``catboost`` and ``pandas`` (docs/scale.md).
"""

from __future__ import annotations

import inspect
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
import pyarrow as pa
import pyarrow.fs as pafs
import pyarrow.parquet as pq

from graph.store import GraphStore
from scoring.finish import finish
from scoring.indicators import Indicator
from scoring.model import Trained
from scoring.rules import floors, rules
from scoring.service import feature_matrix

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

KEYS = ["entry_no", "date"]
SCORES = "entry_no string, score double, level int, expected_duty double"
PARTITION = "month"
# Hadoop's names for object stores that Arrow knows by another
ARROW_SCHEMES = {"s3a": "s3", "s3n": "s3"}


class ExportError(ValueError):
    """A folder that cannot take an export (it holds something other than one)."""


def filesystem(where: str) -> tuple[pafs.FileSystem, str]:
    """The filesystem and the path in it of ``where``: a URI (``file://``, ``hdfs://``, ``s3a://``) or a
    local path."""
    scheme, sep, rest = where.partition("://")
    if not sep:
        return pafs.LocalFileSystem(), str(Path(where).resolve())
    return pafs.FileSystem.from_uri(f"{ARROW_SCHEMES.get(scheme, scheme)}://{rest}")


def _indicators(trained: Trained) -> list[Indicator]:
    return [Indicator.model_validate(i) for i in trained.meta["indicators"]]


def export_columns(trained: Trained, X: pd.DataFrame) -> list[str]:
    """The model's features, the expert rules' indicators (``X``'s) and the duty at stake that finishing a
    score needs."""
    cols = list(trained.meta["features"])
    needed = [r.code for r in rules(_indicators(trained)) if r.code in X] + ["duty_at_stake"]
    return cols + [c for c in needed if c not in cols]


def _clear(fs: pafs.FileSystem, path: str) -> None:
    """Remove an earlier export at ``path``; refuse a folder that holds anything but month partitions."""
    found = fs.get_file_info(path)
    if found.type == pafs.FileType.NotFound:
        return
    if found.type != pafs.FileType.Directory:
        raise ExportError(f"{path} is a file, not an export folder")
    other = [
        f.base_name
        for f in fs.get_file_info(pafs.FileSelector(path))
        if not f.base_name.startswith(f"{PARTITION}=") and not f.base_name.startswith(("_", "."))
    ]
    if other:
        raise ExportError(
            f"{path} holds other files than an export ({', '.join(sorted(other)[:3])}): not replaced"
        )
    fs.delete_dir(path)


def export_features(
    store: GraphStore,
    trained: Trained,
    frame: pd.DataFrame,
    folder: str,
    *,
    past: pd.DataFrame | None = None,
) -> int:
    """Write the features of the declarations of ``frame`` under ``folder`` (a path or URI), replacing an
    earlier export there whole (no month of it is left); the number of rows written."""
    X, frame = feature_matrix(store, trained, frame, past=past)
    table = X[export_columns(trained, X)].copy()
    table.insert(0, "entry_no", frame["entry_no"].astype(str).to_numpy())
    table.insert(1, "date", pd.to_datetime(frame["date"]).to_numpy())
    table[PARTITION] = pd.to_datetime(frame["date"]).dt.strftime("%Y-%m").to_numpy()
    fs, path = filesystem(folder)
    _clear(fs, path)
    pq.write_to_dataset(
        pa.Table.from_pandas(table, preserve_index=False),
        path,
        partition_cols=[PARTITION],
        filesystem=fs,
        existing_data_behavior="overwrite_or_ignore",
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
    from pyspark import cloudpickle

    # ``finish`` travels by value with ``score``: the executors need numpy, not this package
    cloudpickle.register_pickle_by_value(inspect.getmodule(finish))
    blob = spark.sparkContext.broadcast(model_bytes(trained))
    cols = list(trained.meta["features"])
    cats = list(trained.meta["categorical"])
    thresholds = tuple(trained.meta["levels"])
    exported = spark.read.parquet(features)
    codes, rule_floors = floors(_indicators(trained), thresholds, exported.columns)

    # defined here so that Spark ships it by value: an executor needs catboost, not this package
    def score(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        from catboost import CatBoostClassifier, Pool

        model = CatBoostClassifier()
        model.load_model(blob=blob.value)
        for batch in batches:
            if batch.empty:
                continue
            done = finish(
                model.predict_proba(Pool(batch[cols], cat_features=cats))[:, 1],
                batch[codes].to_numpy(dtype=float),
                rule_floors,
                thresholds,
                batch["duty_at_stake"].to_numpy(dtype=float),
            )
            yield pd.DataFrame(
                {
                    "entry_no": batch["entry_no"].astype(str).to_numpy(),
                    "score": done.score,
                    "level": done.level,
                    "expected_duty": done.expected_duty,
                }
            )

    wanted = list(dict.fromkeys(["entry_no", *cols, *codes, "duty_at_stake"]))
    return exported.select(*wanted).mapInPandas(score, SCORES)


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
