"""Where Splink runs: DuckDB in this process, or Spark (``local[N]`` or a cluster).

The configuration, comparisons, blocking and training rules are the same on both; only the database
API differs. Spark's similarity functions (Jaro-Winkler, Damerau-Levenshtein) come from the jar Splink
ships, which ``tianji.core.spark.spark_session`` puts on the session's class path.

On Spark, Splink's intermediate tables (the blocked pairs, the comparison vectors of each training pass,
the predictions) are written as Parquet under a folder of the run's own (:func:`scratch`, beneath the
session's scratch folder, ``settings.spark_scratch``) and read back, which ends their lineage and leaves
nothing in memory: Splink's default. Kept in Spark's cache instead (``persist``, the fallback where no
scratch folder is set), every pass's tables stay on the driver's heap until the run ends, and a 200,000
record linkage on ``local[2]`` ran out of a 14g heap. The run's folder is deleted when the run ends.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import duckdb
from splink.internals.database_api import DatabaseAPI
from splink.internals.duckdb.database_api import DuckDBAPI

from tianji.core.spark import BACKENDS, SCRATCH_CONF, Backend

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

__all__ = ["BACKENDS", "Backend", "BackendError", "database_api", "scratch"]


class BackendError(ValueError):
    """A backend asked for that cannot run (Spark without a session)."""


def database_api(backend: Backend, spark: SparkSession | None = None) -> DatabaseAPI[Any]:
    """A fresh Splink database API on ``backend``."""
    if backend == "duckdb":
        connection = duckdb.connect(":memory:", config={"threads": 2, "memory_limit": "6GB"})
        connection.execute("SET enable_progress_bar = false")
        return DuckDBAPI(connection)
    if backend == "spark":
        if spark is None:
            raise BackendError("the spark backend needs a SparkSession (tianji.core.spark.spark_session)")
        # lazy: Splink's Spark backend imports pyspark (heavy, needed only on this backend)
        from splink.backends.spark import SparkAPI

        partitions = int(spark.conf.get("spark.sql.shuffle.partitions") or 200)
        lineage = "parquet" if _run_folder(spark) else "persist"
        return SparkAPI(
            spark_session=spark, break_lineage_method=lineage, num_partitions_on_repartition=partitions
        )
    raise BackendError(f"unknown backend {backend!r}; known: {', '.join(BACKENDS)}")


_RUN = "spark.tianji.scratch.run"


def _run_folder(spark: SparkSession) -> str:
    return str(spark.conf.get(_RUN, "") or "")


@contextmanager
def scratch(spark: SparkSession | None) -> Iterator[str | None]:
    """A folder of this run's own under the session's scratch folder, where Splink on Spark writes its
    intermediate tables while the block runs (its checkpoint folder); deleted afterwards, through Hadoop's
    file system, so a cluster's ``hdfs://`` folder goes the same way as a local one. Without a scratch
    folder (or a session) nothing is set and Splink keeps its tables in Spark's cache."""
    base = str(spark.conf.get(SCRATCH_CONF, "") or "") if spark is not None else ""
    if spark is None or not base:
        yield None
        return
    folder = f"{base.rstrip('/')}/run-{uuid.uuid4().hex}"
    spark.sparkContext.setCheckpointDir(folder)
    spark.conf.set(_RUN, folder)
    try:
        yield folder
    finally:
        spark.conf.unset(_RUN)
        jvm = spark.sparkContext._jvm
        assert jvm is not None
        path = jvm.org.apache.hadoop.fs.Path(folder)
        path.getFileSystem(spark.sparkContext._jsc.hadoopConfiguration()).delete(path, True)
