"""The linker on Splink's Spark backend finds what it finds on DuckDB: the same configuration, the same
pairs, probabilities and clusters."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ingest.resolution import febrl, link
from ingest.resolution.backends import database_api, scratch
from ingest.resolution.config import enterprise_config, vessel_config
from ingest.resolution.prepare import prepare
from ingest.resolution.training import train
from tests.ingest.resolution.test_craft import fleet_of_vessels
from tests.ingest.resolution.test_enterprises import register
from tianji.core.spark import SCRATCH_CONF

pytestmark = pytest.mark.spark

# a tenth of Febrl1's people (every record of each): Spark runs many small jobs per training pass, and
# every pair of these records is drawn when u is estimated (Splink samples by a hash of the record id,
# and DuckDB's hash is not Spark's, so a sample would differ between the two)
SHARE = 10


def test_febrl1_links_the_same_on_spark_and_duckdb(spark) -> None:
    records, truth = febrl.load("febrl1")
    chosen = [r for r in records if int(truth[r["rec_id"]]) % SHARE == 0]
    config = febrl.config()
    local = link(chosen, config)
    on_spark = link(chosen, config, backend="spark", spark=spark)
    assert on_spark.notes["backend"] == "spark" and local.notes["backend"] == "duckdb"
    mine = {(p.a, p.b): p for p in local.pairs}
    theirs = {(p.a, p.b): p for p in on_spark.pairs}
    accepted = {k for k, p in mine.items() if p.decision == "accept"}
    assert len(accepted) >= 40
    assert set(theirs) == set(mine)
    assert {k for k, p in theirs.items() if p.decision == "accept"} == accepted
    # EM sums in another order on Spark: the probabilities (rounded to four places) may differ in the last
    assert max(abs(theirs[k].score - p.score) for k, p in mine.items()) <= 1e-4
    assert on_spark.clusters == local.clusters


def test_enterprises_counted_over_subjects_link_the_same_on_spark_and_duckdb(spark) -> None:
    records, _ = register(120, 9, 0.2, (10, 16), recorded=0.5, keyed=0.6, contact=True)
    # every pair is drawn when u is estimated, so both backends see the same sample
    config = enterprise_config().model_copy(update={"u_max_pairs": 100_000})
    local = link(records, config)
    on_spark = link(records, config, backend="spark", spark=spark)
    accepted = {(p.a, p.b) for p in local.pairs if p.decision == "accept"}
    assert accepted and {(p.a, p.b) for p in on_spark.pairs if p.decision == "accept"} == accepted
    assert on_spark.clusters == local.clusters


@pytest.mark.slow
def test_training_goes_on_on_spark_after_an_expectation_maximisation_pass_fails(spark) -> None:
    # sixty registered vessels with their sisters: the pass blocking on the name underflows an m probability
    rows, _ = fleet_of_vessels(60)
    config = vessel_config()
    prepared = prepare(rows, config)
    model, skipped = train(prepared, config, "spark", spark)
    assert any("expectation maximisation failed" in s for s in skipped)
    # the passes after it and the saved model stay on Spark (its SQL is Spark's, as the checkpoint says)
    assert model["sql_dialect"] == "spark"


def _lineage(spark: Any) -> str:
    # lazy: Splink's Spark backend imports pyspark
    from splink.backends.spark import SparkAPI

    api = database_api("spark", spark)
    assert isinstance(api, SparkAPI)
    return str(api.break_lineage_method)


def test_splinks_tables_are_written_under_a_folder_of_the_runs_own_and_deleted_after(spark) -> None:
    records, truth = febrl.load("febrl1")
    chosen = [r for r in records if int(truth[r["rec_id"]]) % SHARE == 0]
    base = Path(spark.conf.get(SCRATCH_CONF))
    with scratch(spark) as folder:
        assert folder is not None and Path(folder).parent == base
        assert _lineage(spark) == "parquet"
        train(prepare(chosen, febrl.config()), febrl.config(), "spark", spark)
        # the blocked pairs and each pass's comparison vectors, as Parquet, not held in the driver's heap
        assert any(Path(folder).rglob("*.parquet"))
    assert not Path(folder).exists()
    assert _lineage(spark) == "persist"  # no run folder: Spark's cache
