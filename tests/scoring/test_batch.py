"""Batch scoring on Spark over a Parquet export gives the in-process scores on the small world, expert rules
included: two low-scored declarations get a suspect scan (a controlled-goods silhouette, a possible
concealment), and both paths lift them alike. An export replaces the earlier one whole, at a path or a
``file://`` URI; and the command says what is missing rather than failing with a traceback."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from graph.store import GraphStore
from scoring import features as F
from scoring.batch import export_features, score_batch, score_parquet
from scoring.model import Trained, promote, save, train
from scoring.service import score_frame
from tests.scoring.builders import suspect_scan
from tianji.cli.main import app
from tianji.core.settings import Settings, get_settings

pytestmark = pytest.mark.spark


@pytest.fixture(scope="module")
def frame(world_store: GraphStore) -> pd.DataFrame:
    return F.load_declarations(world_store)


@pytest.fixture(scope="module")
def trained(world_store: GraphStore, frame: pd.DataFrame) -> Trained:
    return train(world_store, frame, split_date="2025-04-01", iterations=60)


@pytest.fixture(scope="module")
def scanned(
    world_store: GraphStore, frame: pd.DataFrame, trained: Trained, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, int]:
    """Two declarations scored level 1 or 2 before their scans, and the level their rule lifts them to."""
    before = score_frame(world_store, trained, frame)
    low = before[before["level"] <= 2].sort_values("score")["entry_no"].head(2).tolist()
    hs = frame.set_index("entry_no")["hs_code"]
    settings = Settings(data_dir=tmp_path_factory.mktemp("scans"))
    suspect_scan(world_store, settings, low[0], hs[low[0]], controlled=0.97)  # IND-025: level 5
    suspect_scan(world_store, settings, low[1], hs[low[1]], concealment=0.93)  # IND-026: level 4
    return {low[0]: 5, low[1]: 4}


def test_spark_scores_an_export_as_the_in_process_path_does(
    world_store: GraphStore,
    spark,
    frame: pd.DataFrame,
    trained: Trained,
    scanned: dict[str, int],
    tmp_path: Path,
) -> None:
    local = score_frame(world_store, trained, frame)
    lifted = local.set_index("entry_no").loc[list(scanned)]
    assert lifted["level"].to_dict() == scanned  # the premise: the rules fired in process
    export = tmp_path / "declarations"
    assert export_features(world_store, trained, frame, str(export)) == len(frame)
    months = sorted(p.name for p in export.iterdir())
    assert len(months) > 1 and all(m.startswith("month=") for m in months)
    assert set(trained.meta["features"]) <= set(pq.read_schema(next(export.rglob("*.parquet"))).names)
    on_spark = pd.DataFrame(score_parquet(spark, trained, str(export)).toPandas())
    both = local.merge(on_spark, on="entry_no", suffixes=("", "_spark"), validate="one_to_one")
    assert len(both) == len(frame) == len(on_spark)
    assert np.abs(both["score"] - both["score_spark"]).max() <= 1e-6
    assert (both["level"] == both["level_spark"]).all() and both["level"].nunique() > 1
    assert np.allclose(both["expected_duty"], both["expected_duty_spark"], rtol=1e-6, atol=1e-6)
    assert on_spark.set_index("entry_no").loc[list(scanned), "level"].to_dict() == scanned
    summary = score_batch(spark, trained, str(export), str(tmp_path / "scores"))
    assert summary["scored"] == len(frame)
    assert summary["levels"] == {
        int(k): int(v) for k, v in local["level"].value_counts().sort_index().items()
    }
    written = pd.read_parquet(tmp_path / "scores")
    assert set(written["entry_no"]) == set(frame["entry_no"])


def test_an_export_replaces_the_earlier_one_at_a_path_or_a_file_uri(
    world_store: GraphStore, spark, frame: pd.DataFrame, trained: Trained, tmp_path: Path
) -> None:
    months = pd.to_datetime(frame["date"]).dt.strftime("%Y-%m")
    latest = frame[(months == months.max()).to_numpy()]
    for where in (str(tmp_path / "plain"), (tmp_path / "uri").as_uri()):
        export_features(world_store, trained, frame, where)
        assert export_features(world_store, trained, latest, where) == len(latest)  # a smaller one after
        folder = Path(where.removeprefix("file://"))
        assert [p.name for p in folder.iterdir()] == [f"month={months.max()}"]  # no earlier month stays
        scored = pd.DataFrame(score_parquet(spark, trained, where).toPandas())
        assert sorted(scored["entry_no"]) == sorted(latest["entry_no"])


def test_an_export_is_refused_over_a_folder_that_is_not_one(
    world_store: GraphStore, frame: pd.DataFrame, trained: Trained, tmp_path: Path
) -> None:
    (tmp_path / "notes.txt").write_text("not an export", encoding="utf-8")
    with pytest.raises(ValueError, match="notes.txt"):
        export_features(world_store, trained, frame.head(20), str(tmp_path))
    assert (tmp_path / "notes.txt").exists()


def test_the_command_says_there_is_no_export(
    spark, trained: Trained, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TIANJI_DATA_DIR", str(tmp_path / "var"))
    get_settings.cache_clear()
    try:
        save(get_settings(), trained)
        promote(get_settings(), trained.meta["version"])
        result = CliRunner().invoke(
            app,
            ["score", "batch", "--backend", "spark", "--from-export", "--features", str(tmp_path / "none")],
        )
    finally:
        get_settings.cache_clear()
    said = " ".join(result.output.replace("│", " ").split())  # the error box's lines joined
    assert result.exit_code == 2, result.output
    assert "Invalid value for --features" in said and "Path does not exist" in said and "none" in said
    assert "Traceback" not in said
