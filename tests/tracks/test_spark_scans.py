"""The Spark companion and encounter scans give what the DuckDB scans give, on the store's own Parquet."""

from __future__ import annotations

import random

import pandas as pd
import pytest
from typer.testing import CliRunner

from ingest.synthetic.parties import vessel_imo
from tianji.cli.main import app
from tianji.core.settings import Settings, get_settings
from tracks.analysis import companions, groups
from tracks.sea import encounters
from tracks.spark_scans import companions as spark_companions
from tracks.spark_scans import encounters as spark_encounters
from tracks.store import TrackStore
from tracks.synthetic import generate
from tracks.synthetic_sea import generate_sea

pytestmark = pytest.mark.spark

VEHICLES = [f"粤B{i:05d}" for i in range(40)]
GROUPS = [VEHICLES[i : i + 3] for i in range(0, 12, 3)]
_rng = random.Random(5)
VESSELS = sorted({vessel_imo(_rng) for _ in range(50)})[:40]


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> TrackStore:
    store = TrackStore(Settings(data_dir=tmp_path_factory.mktemp("spark_tracks")))
    trucks, _ = generate(VEHICLES, groups=GROUPS, interval_s=30)
    ships, _ = generate_sea(VESSELS, days=3, difficulty="hard")
    store.ingest(pd.concat([trucks, ships], ignore_index=True))
    return store


def test_companion_pairs_and_groups_are_the_same_on_spark(planted: TrackStore, spark) -> None:
    local = companions(planted).sort_values(["a", "b"]).reset_index(drop=True)
    on_spark = spark_companions(spark, str(planted.root))
    assert len(local) >= 9  # every planted group of three is three pairs
    pd.testing.assert_frame_equal(on_spark, local.astype({"buckets": "int64"}), check_dtype=False)
    assert groups(on_spark) == groups(local)
    day = spark_companions(spark, str(planted.root), day="2025-10-15")
    pd.testing.assert_frame_equal(day, on_spark)
    window = ("2025-10-15 08:00:00", "2025-10-15 10:00:00")
    pd.testing.assert_frame_equal(
        spark_companions(spark, str(planted.root), window=window),
        companions(planted, window=window).sort_values(["a", "b"]).reset_index(drop=True),
        check_dtype=False,
    )


@pytest.mark.parametrize("start", ["2025-10-15' OR '1'='1", "2025-13-45", "yesterday"])
def test_a_window_end_that_is_not_a_time_is_refused_by_name(planted: TrackStore, spark, start: str) -> None:
    with pytest.raises(ValueError, match="the window's start .* is not a date or time"):
        spark_companions(spark, str(planted.root), window=(start, "2025-10-16"))


def test_encounters_are_the_same_on_spark(planted: TrackStore, spark) -> None:
    local = encounters(planted)
    on_spark = spark_encounters(spark, str(planted.root))
    assert len(local) >= 3
    key = ["a", "b", "started", "ended", "hours"]
    pd.testing.assert_frame_equal(on_spark[key], local[key], check_dtype=False)
    numbers = ["lat", "lon", "distance_m", "knots_a", "knots_b"]
    pd.testing.assert_frame_equal(on_spark[numbers], local[numbers], check_dtype=False, atol=1e-9, rtol=0)


def test_the_command_gives_the_same_groups_on_both_backends(
    planted: TrackStore, spark, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TIANJI_DATA_DIR", str(planted.root.parent.parent))
    get_settings.cache_clear()
    try:
        runner = CliRunner()
        local = runner.invoke(app, ["tracks", "companions"])
        on_spark = runner.invoke(app, ["tracks", "companions", "--backend", "spark"])
        wrong = runner.invoke(app, ["tracks", "companions", "--backend", "dask"])
    finally:
        get_settings.cache_clear()
    assert local.exit_code == 0 and on_spark.exit_code == 0, on_spark.output
    assert on_spark.stdout == local.stdout and local.stdout.count("\n") >= len(GROUPS)
    assert wrong.exit_code == 2 and "'duckdb', 'spark'" in " ".join(wrong.output.replace("│", " ").split())
