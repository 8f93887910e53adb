"""Batch scoring on Spark over a Parquet export gives the in-process scores on the small world."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from graph.store import GraphStore
from scoring import features as F
from scoring.batch import export_features, score_batch, score_parquet
from scoring.model import train
from scoring.service import score_frame

pytestmark = pytest.mark.spark


def test_spark_scores_an_export_as_the_in_process_path_does(
    world_store: GraphStore, spark, tmp_path: Path
) -> None:
    frame = F.load_declarations(world_store)
    trained = train(world_store, frame, split_date="2025-04-01", iterations=60)
    local = score_frame(world_store, trained, frame)
    export = tmp_path / "declarations"
    assert export_features(world_store, trained, frame, export) == len(frame)
    months = sorted(p.name for p in export.iterdir())
    assert len(months) > 1 and all(m.startswith("month=") for m in months)
    assert set(trained.meta["features"]) <= set(pq.read_schema(next(export.rglob("*.parquet"))).names)
    on_spark = score_parquet(spark, trained, str(export)).toPandas()
    both = local.merge(on_spark, on="entry_no", suffixes=("", "_spark"), validate="one_to_one")
    assert len(both) == len(frame) == len(on_spark)
    assert np.abs(both["score"] - both["score_spark"]).max() <= 1e-6
    assert (both["level"] == both["level_spark"]).all() and both["level"].nunique() > 1
    assert np.allclose(both["expected_duty"], both["expected_duty_spark"], rtol=1e-6, atol=1e-6)
    summary = score_batch(spark, trained, str(export), str(tmp_path / "scores"))
    assert summary["scored"] == len(frame)
    assert summary["levels"] == {
        int(k): int(v) for k, v in local["level"].value_counts().sort_index().items()
    }
    written = pd.read_parquet(tmp_path / "scores")
    assert set(written["entry_no"]) == set(frame["entry_no"])
