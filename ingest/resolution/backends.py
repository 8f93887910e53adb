"""Where Splink runs: DuckDB in this process, or Spark (``local[N]`` or a cluster).

The configuration, comparisons, blocking and training rules are the same on both; only the database
API differs. Spark's similarity functions (Jaro-Winkler, Damerau-Levenshtein) come from the jar Splink
ships, which ``tianji.core.spark.spark_session`` puts on the session's class path. Intermediate tables
are persisted in Spark's cache (memory, then local disk) rather than written to a checkpoint folder.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import duckdb
from splink.internals.database_api import DatabaseAPI
from splink.internals.duckdb.database_api import DuckDBAPI

from tianji.core.spark import BACKENDS, Backend

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

__all__ = ["BACKENDS", "Backend", "BackendError", "database_api"]


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
        return SparkAPI(
            spark_session=spark, break_lineage_method="persist", num_partitions_on_repartition=partitions
        )
    raise BackendError(f"unknown backend {backend!r}; known: {', '.join(BACKENDS)}")
